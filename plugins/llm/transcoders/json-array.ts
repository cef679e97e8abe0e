// Incremental framer for a streamed top-level JSON array `[{...},{...}]`: Gemini's
// streamGenerateContent without `alt=sse` (Kong's `json_array_iterator`). Chunks may split the
// array anywhere, inside strings, escapes, nested values or UTF-8 characters. Each element is
// emitted as soon as its last byte arrives, as its exact source text. Elements are only ever cut
// at ASCII structural bytes, so a multi-byte character is never split when decoding an element.
// An element longer than MAX_FRAME_BYTES throws FrameTooLarge.
import type { Framer } from '../types.ts'
import { FrameTooLarge, MAX_FRAME_BYTES } from './frame-limit.ts'

const OPEN_SQUARE = 0x5b, CLOSE_SQUARE = 0x5d, OPEN_CURLY = 0x7b, CLOSE_CURLY = 0x7d
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c

const enum State { Start, Between, Container, String, Scalar, Done }

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09
}

export class JsonArrayFramer implements Framer<string> {
  private state = State.Start
  /** bracket depth inside the current element */
  private depth = 0
  /** inside a string that is nested in a container element */
  private inString = false
  private escape = false
  /** cached positions in the chunk being pushed: -2 unknown, -1 none left */
  private nextQuote = -2
  private nextBackslash = -2
  /** bytes of the current element that arrived in earlier chunks */
  private carry: Buffer[] = []
  private carried = 0
  /** true once the closing `]` of the array was seen */
  done = false

  push(chunk: Buffer, out: string[]): void {
    const n = chunk.length
    this.nextQuote = this.nextBackslash = -2
    let start = -1 // start of the current element inside this chunk
    if (this.state === State.Container || this.state === State.String || this.state === State.Scalar) start = 0
    let i = 0
    while (i < n) {
      const b = chunk[i]
      switch (this.state) {
        case State.Start:
          if (isSpace(b) || b === 0xef || b === 0xbb || b === 0xbf) { i++; continue } // whitespace or a UTF-8 BOM
          if (b !== OPEN_SQUARE) throw new Error("Invalid start: expected '['")
          this.state = State.Between
          i++
          continue
        case State.Between:
          if (isSpace(b) || b === COMMA) { i++; continue }
          if (b === CLOSE_SQUARE) { this.finish(); return }
          start = i
          if (b === OPEN_CURLY || b === OPEN_SQUARE) { this.state = State.Container; this.depth = 1 }
          else if (b === QUOTE) this.state = State.String
          else this.state = State.Scalar
          i++
          continue
        case State.String: {
          // a top-level string element: it ends at its closing quote
          const end = this.scanString(chunk, i)
          if (end < 0) { i = n; continue }
          i = end + 1
          this.emit(chunk, start, i, out)
          continue
        }
        case State.Container: {
          if (this.inString) {
            const end = this.scanString(chunk, i)
            if (end < 0) { i = n; continue }
            this.inString = false
            i = end + 1
            continue
          }
          if (b === QUOTE) this.inString = true
          else if (b === OPEN_CURLY || b === OPEN_SQUARE) this.depth++
          else if ((b === CLOSE_CURLY || b === CLOSE_SQUARE) && --this.depth === 0) {
            i++
            this.emit(chunk, start, i, out)
            continue
          }
          i++
          continue
        }
        case State.Scalar:
          // numbers, true, false, null: they end where a separator starts
          if (b === COMMA || b === CLOSE_SQUARE || isSpace(b)) {
            this.emit(chunk, start, i, out)
            if (b === CLOSE_SQUARE) { this.finish(); return }
          }
          i++
          continue
        case State.Done:
          return
      }
    }
    if (start >= 0 && (this.state === State.Container || this.state === State.String || this.state === State.Scalar)) {
      if (this.carried + n - start > MAX_FRAME_BYTES) {
        this.finish()
        throw new FrameTooLarge('JSON array element')
      }
      // copied: the caller may reuse the chunk's memory
      this.carry.push(Buffer.from(chunk.subarray(start)))
      this.carried += n - start
    }
  }

  /** Bytes held for an element not yet complete (never more than MAX_FRAME_BYTES). */
  get retained(): number {
    return this.carried
  }

  /** At the end of the stream: a scalar cut short by EOF is still a value; a truncated object is dropped. */
  end(out: string[]): void {
    if (this.state === State.Scalar && this.carry.length > 0) out.push(Buffer.concat(this.carry).toString('utf8').trimEnd())
    this.carry = []
    this.carried = 0
  }

  /**
   * Index of the closing quote of a string (continuing the escape state), or -1 if it is not in
   * this chunk. memchr-speed search with the next quote and backslash positions cached per chunk,
   * so a chunk is scanned once however many strings and escapes it holds.
   */
  private scanString(chunk: Buffer, from: number): number {
    let i = from
    if (this.escape) { this.escape = false; i++ }
    for (;;) {
      if (this.nextQuote !== -1 && this.nextQuote < i) this.nextQuote = chunk.indexOf(QUOTE, i)
      if (this.nextBackslash !== -1 && this.nextBackslash < i) this.nextBackslash = chunk.indexOf(BACKSLASH, i)
      const bs = this.nextBackslash
      if (bs !== -1 && (this.nextQuote === -1 || bs < this.nextQuote)) {
        if (bs + 1 >= chunk.length) { this.escape = true; return -1 }
        i = bs + 2
        continue
      }
      return this.nextQuote
    }
  }

  private emit(chunk: Buffer, start: number, end: number, out: string[]): void {
    if (this.carry.length === 0) out.push(chunk.toString('utf8', start, end))
    else {
      if (this.carried + end - start > MAX_FRAME_BYTES) {
        this.finish()
        throw new FrameTooLarge('JSON array element')
      }
      this.carry.push(chunk.subarray(start, end))
      out.push(Buffer.concat(this.carry).toString('utf8'))
      this.carry = []
      this.carried = 0
    }
    this.state = State.Between
  }

  private finish(): void {
    this.state = State.Done
    this.done = true
    this.carry = []
    this.carried = 0
  }
}

export function createJsonArrayFramer(): JsonArrayFramer {
  return new JsonArrayFramer()
}
