// Server-sent events framing on bytes (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
// Lines end in LF, CRLF or CR; a chunk may end anywhere, including between CR and LF or inside a
// UTF-8 character: line ends are single ASCII bytes that never occur inside a multi-byte
// character, so a line is decoded only once it is complete and no character is ever cut.
// A line split over many chunks is kept as a list of pieces and joined once, when it ends: a
// long line arriving in small chunks costs linear time, not a copy of the growing line per chunk.
// A line or an event longer than MAX_FRAME_BYTES throws FrameTooLarge.
// With a reader (readWith), data lines are handed over as bytes instead of being decoded into
// events: a converter that only needs a few fields of each event reads them in place.
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

/** Reads an event's data lines in place (bytes [s, e) of buf, valid during the call) instead of an SseEvent. */
export interface SseDataReader {
  /** one data line of the event in progress */
  data(buf: Buffer, s: number, e: number): void
  /** the event in progress ended (it had at least one data line) */
  dispatch(): void
}

export class SseFramer implements Framer<SseEvent> {
  /** pieces of the line in progress from earlier chunks (copied: callers may reuse buffers) */
  private carry: Buffer[] = []
  private carryBytes = 0
  /** bytes of the event in progress (its data lines) */
  private eventBytes = 0
  /** the previous chunk ended in CR: an LF starting the next chunk belongs to that line end */
  private afterCR = false
  private event: string | null = null
  /** the event's first data line, and the ones after it (most events have one) */
  private data: string | null = null
  private more: string[] | null = null
  private id: string | null = null
  /** set before the first push: data lines go there, no SseEvent is made */
  private reader: SseDataReader | null = null

  readWith(reader: SseDataReader): void {
    this.reader = reader
  }

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
      if (this.carryBytes > 0) {
        const part = chunk.subarray(start, i)
        this.limit(part.length)
        this.carry.push(part)
        const line = Buffer.concat(this.carry, this.carryBytes + part.length)
        this.carry = []
        this.carryBytes = 0
        this.line(line, 0, line.length, out)
      } else this.line(chunk, start, i, out) // a line inside one chunk is read in place: no view, no copy
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
      this.line(l, 0, l.length, out)
    }
    this.dispatch(out)
  }

  /**
   * One line, bytes [s, e) of `buf`. The field name is matched on bytes and only the value is
   * decoded: the name, colon and space are ASCII, and UTF-8 decoding restarts cleanly at an ASCII
   * byte, so this is the same text as decoding the whole line and cutting it (one string per
   * event instead of a view, a line string and two slices).
   */
  private line(buf: Buffer, s: number, e: number, out: SseEvent[]): void {
    if (s === e) return this.dispatch(out)
    if (buf[s] === 0x3a) return // ":" comment
    let v = valueStart(buf, s, e, DATA)
    if (v >= 0) {
      // data lines gather until a blank line: the event as a whole has the same cap
      this.eventBytes += e - s
      if (this.eventBytes > MAX_FRAME_BYTES) {
        this.data = null
        this.more = null
        this.eventBytes = 0
        throw new FrameTooLarge('server-sent event')
      }
      if (this.reader !== null) {
        this.reader.data(buf, v, e)
        this.data = '' // marks the event as having data, without decoding it
        return
      }
      const value = buf.toString('utf8', v, e)
      if (this.data === null) this.data = value
      else (this.more ??= []).push(value)
      return
    }
    if ((v = valueStart(buf, s, e, EVENT)) >= 0) this.event = buf.toString('utf8', v, e)
    else if ((v = valueStart(buf, s, e, ID)) >= 0) this.id = buf.toString('utf8', v, e)
    // retry and unknown fields carry nothing we use
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data === null && this.event === null) return
    if (this.reader !== null) {
      // an event without data carries nothing a reader uses
      if (this.data !== null) this.reader.dispatch()
      this.event = null
      this.data = null
      this.id = null
      this.eventBytes = 0
      return
    }
    const data = this.data === null ? '' : this.more === null ? this.data : [this.data, ...this.more].join('\n')
    out.push({ event: this.event, data, id: this.id })
    this.event = null
    this.data = null
    this.more = null
    this.id = null
    this.eventBytes = 0
  }
}

const DATA = Buffer.from('data')
const EVENT = Buffer.from('event')
const ID = Buffer.from('id')

/**
 * Where the value of field `name` starts on the line [s, e) (after the colon and one optional
 * space), or -1 when the line is another field. A line that is only the name has an empty value.
 */
function valueStart(buf: Buffer, s: number, e: number, name: Buffer): number {
  const n = name.length
  if (e - s < n) return -1
  for (let k = 0; k < n; k++) if (buf[s + k] !== name[k]) return -1
  let v = s + n
  if (v === e) return v
  if (buf[v] !== 0x3a) return -1
  v++
  if (v < e && buf[v] === 0x20) v++
  return v
}

export const SSE_DONE = Buffer.from('data: [DONE]\n\n')
