/**
 * An HTTP/1.1 answer read off a raw socket, as the SSE load client needs it: status, body framing (content-length,
 * chunked, or until close), the time its first body byte arrived, and the number of SSE events in the body.
 */
import { performance } from 'node:perf_hooks';

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const EVENT_END = Buffer.from('\n\n');

export enum Body { Length, Chunked, UntilClose }
const enum Chunk { Size, Data, DataEnd, Trailer }

/** Parses one HTTP/1.1 answer and counts SSE events (`\n\n`-terminated blocks) in its decoded body. */
export class SseAnswer {
  head: Buffer | null = Buffer.alloc(0);
  status = 0;
  mode = Body.Length;
  left = 0;
  chunk = Chunk.Size;
  line = '';
  events = 0;
  firstByteAt = 0;
  lastNl = false;
  bodyText = '';

  /** Feeds bytes; returns true when the answer is complete. */
  feed(buf: Buffer): boolean {
    let off = 0;
    if (this.head) {
      const all = this.head.length ? Buffer.concat([this.head, buf]) : buf;
      const end = all.indexOf(HEAD_END);
      if (end < 0) {
        this.head = Buffer.from(all);
        return false;
      }
      this.parseHead(all.toString('latin1', 0, end));
      this.head = null;
      buf = all;
      off = end + 4;
      if (this.mode === Body.Length && this.left === 0) return true;
    }
    return this.mode === Body.Chunked ? this.feedChunked(buf, off) : this.feedPlain(buf, off);
  }

  private parseHead(text: string): void {
    this.status = Number(text.slice(9, 12));
    const lower = text.toLowerCase();
    const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower);
    if (/\r\ntransfer-encoding:[^\r]*chunked/.test(lower)) this.mode = Body.Chunked;
    else if (cl) (this.mode = Body.Length), (this.left = Number(cl[1]));
    else this.mode = Body.UntilClose;
  }

  private feedPlain(buf: Buffer, off: number): boolean {
    if (off >= buf.length) return this.mode === Body.Length && this.left === 0;
    const take = this.mode === Body.Length ? Math.min(this.left, buf.length - off) : buf.length - off;
    this.payload(buf.subarray(off, off + take));
    if (this.mode === Body.Length) this.left -= take;
    return this.mode === Body.Length && this.left === 0;
  }

  private feedChunked(buf: Buffer, off: number): boolean {
    while (off < buf.length) {
      if (this.chunk === Chunk.Data) {
        const take = Math.min(this.left, buf.length - off);
        this.payload(buf.subarray(off, off + take));
        off += take;
        this.left -= take;
        if (this.left === 0) (this.chunk = Chunk.DataEnd), (this.left = 2);
      } else if (this.chunk === Chunk.DataEnd) {
        const take = Math.min(this.left, buf.length - off);
        off += take;
        this.left -= take;
        if (this.left === 0) this.chunk = Chunk.Size;
      } else {
        const nl = buf.indexOf(CRLF, off);
        if (nl < 0) {
          this.line += buf.toString('latin1', off);
          return false;
        }
        const line = this.line + buf.toString('latin1', off, nl);
        this.line = '';
        off = nl + 2;
        if (this.chunk === Chunk.Trailer) {
          if (line === '') return true;
          continue;
        }
        const size = parseInt(line, 16);
        if (size === 0) this.chunk = Chunk.Trailer;
        else (this.chunk = Chunk.Data), (this.left = size);
      }
    }
    return false;
  }

  private payload(p: Buffer): void {
    if (p.length === 0) return;
    if (!this.firstByteAt) this.firstByteAt = performance.now();
    if (this.status >= 300 && this.bodyText.length < 300) this.bodyText += p.toString('utf8', 0, 300);
    let from = 0;
    if (this.lastNl && p[0] === 0x0a) (this.events++), (from = 1);
    let at: number;
    let endedOnPair = from === 1 && p.length === 1;
    while ((at = p.indexOf(EVENT_END, from)) >= 0) {
      this.events++;
      from = at + 2;
      endedOnPair = from === p.length;
    }
    this.lastNl = !endedOnPair && p[p.length - 1] === 0x0a;
  }
}
