// Server-sent events framing on bytes (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
// Lines end in LF, CRLF or CR; a chunk may end anywhere, including between CR and LF or inside a
// UTF-8 character: line ends are single ASCII bytes that never occur inside a multi-byte
// character, so a line is decoded only once it is complete and no character is ever cut.
// A line split over many chunks is kept as a list of pieces and joined once, when it ends: a
// long line arriving in small chunks costs linear time, not a copy of the growing line per chunk.
// A line or an event longer than MAX_FRAME_BYTES throws FrameTooLarge.
import type { Framer } from '../types.ts'
import { FrameTooLarge, MAX_FRAME_BYTES } from './frame-limit.ts'

export interface SseEvent {
  /** `event:` field, or null when the event has none */
  event: string | null
  /** the `data:` lines joined with "\n" */
  data: string
  id: string | null
}

const LF = 0x0a
const CR = 0x0d

export class SseFramer implements Framer<SseEvent> {
  /** pieces of the line in progress from earlier chunks (copied: callers may reuse buffers) */
  private carry: Buffer[] = []
  private carryBytes = 0
  /** bytes of the event in progress (its data lines) */
  private eventBytes = 0
  /** the previous chunk ended in CR: an LF starting the next chunk belongs to that line end */
  private afterCR = false
  private event: string | null = null
  private data: string[] | null = null
  private id: string | null = null

  push(chunk: Buffer, out: SseEvent[]): void {
    let start = 0
    if (this.afterCR) {
      this.afterCR = false
      if (chunk.length > 0 && chunk[0] === LF) start = 1
    }
    const len = chunk.length
    // line ends found with the native indexOf (a JS byte loop costs as much as the JSON parse)
    let nextLF = chunk.indexOf(LF, start)
    let nextCR = chunk.indexOf(CR, start)
    while (nextLF >= 0 || nextCR >= 0) {
      let i = nextCR < 0 || (nextLF >= 0 && nextLF < nextCR) ? nextLF : nextCR
      const b = chunk[i]
      const part = chunk.subarray(start, i)
      let line = part
      if (this.carryBytes > 0) {
        this.limit(part.length)
        this.carry.push(part)
        line = Buffer.concat(this.carry, this.carryBytes + part.length)
        this.carry = []
        this.carryBytes = 0
      }
      this.line(line, out)
      if (b === CR) {
        if (i + 1 < len) { if (chunk[i + 1] === LF) i++ }
        else this.afterCR = true
      }
      start = i + 1
      if (nextLF >= 0 && nextLF < start) nextLF = chunk.indexOf(LF, start)
      if (nextCR >= 0 && nextCR < start) nextCR = chunk.indexOf(CR, start)
    }
    if (start < len) {
      this.limit(len - start)
      this.carry.push(Buffer.from(chunk.subarray(start)))
      this.carryBytes += len - start
    }
  }

  /** Bytes held for a line or an event not yet complete (never more than MAX_FRAME_BYTES each). */
  get retained(): number {
    return this.carryBytes + this.eventBytes
  }

  private limit(more: number): void {
    if (this.carryBytes + more > MAX_FRAME_BYTES) {
      this.carry = []
      this.carryBytes = 0
      throw new FrameTooLarge('server-sent events line')
    }
  }

  /** At end of stream: a last line without its line end, then an event without its blank line. */
  end(out: SseEvent[]): void {
    if (this.carryBytes > 0) {
      const l = Buffer.concat(this.carry, this.carryBytes)
      this.carry = []
      this.carryBytes = 0
      this.line(l, out)
    }
    this.dispatch(out)
  }

  private line(line: Buffer, out: SseEvent[]): void {
    if (line.length === 0) return this.dispatch(out)
    if (line[0] === 0x3a) return // ":" comment
    const text = line.toString('utf8')
    const colon = text.indexOf(':')
    const field = colon < 0 ? text : text.slice(0, colon)
    let value = colon < 0 ? '' : text.slice(colon + 1)
    if (value.charCodeAt(0) === 0x20) value = value.slice(1)
    switch (field) {
      case 'data':
        // data lines gather until a blank line: the event as a whole has the same cap
        this.eventBytes += line.length
        if (this.eventBytes > MAX_FRAME_BYTES) {
          this.data = null
          this.eventBytes = 0
          throw new FrameTooLarge('server-sent event')
        }
        ;(this.data ??= []).push(value)
        break
      case 'event': this.event = value; break
      case 'id': this.id = value; break
      default: break // retry and unknown fields carry nothing we use
    }
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data === null && this.event === null) return
    out.push({ event: this.event, data: this.data === null ? '' : this.data.length === 1 ? this.data[0]! : this.data.join('\n'), id: this.id })
    this.event = null
    this.data = null
    this.id = null
    this.eventBytes = 0
  }
}

export const SSE_DONE = Buffer.from('data: [DONE]\n\n')
