// Byte-level framer for streams of JSON values: NDJSON (`application/x-ndjson`, Ollama),
// `application/stream+json` (Cohere v1) and Kong's "complete JSON" chunks, where the last value
// of a chunk has no trailing newline yet must be delivered at once (Kong's flat-JSON iterator,
// shared.lua frame_to_events). A value ends at its closing brace or bracket (tracked outside
// strings), or at a newline when it is not an object or array. Whitespace between values is
// skipped. Nothing is decoded before a value is complete, so a chunk boundary may fall anywhere,
// including inside a multi-byte UTF-8 character.
// A value longer than MAX_FRAME_BYTES throws FrameTooLarge.
import type { Framer } from '../types.ts'
import { FrameTooLarge, MAX_FRAME_BYTES } from './frame-limit.ts'

const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const TAB = 0x09
const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

/** Splits a byte stream into JSON texts (one string per value, not parsed). */
export function createNdjsonFramer(): Framer<string> & { readonly retained: number } {
  // bytes of the value in progress that arrived in earlier chunks (copied: callers may reuse buffers)
  let carry: Buffer[] = []
  let carried = 0
  let inValue = false
  let depth = 0
  let inString = false
  let escaped = false

  function emit(chunk: Buffer, start: number, end: number, out: string[]): void {
    let text: string
    if (carry.length === 0) text = chunk.toString('utf8', start, end)
    else {
      if (carried + end - start > MAX_FRAME_BYTES) tooLarge()
      carry.push(chunk.subarray(start, end))
      text = Buffer.concat(carry).toString('utf8')
      carry = []
      carried = 0
    }
    text = text.trim()
    if (text.length > 0) out.push(text)
  }

  function reset(): void {
    carry = []
    carried = 0
    inValue = false
    inString = false
    escaped = false
    depth = 0
  }

  function tooLarge(): never {
    reset()
    throw new FrameTooLarge('JSON stream value')
  }

  return {
    get retained() { return carried },
    push(chunk, out) {
      const n = chunk.length
      let start = 0
      let i = 0
      // next backslash at or after i (n = none): searched once per chunk, again only once passed
      let slash = -1
      while (i < n) {
        if (!inValue) {
          const b = chunk[i]
          if (b === SPACE || b === LF || b === CR || b === TAB) { i++; continue }
          inValue = true
          start = i
          depth = 0
        }
        if (inString) {
          // jump over string content; only a quote or a backslash matters in here
          const b = chunk[i]
          if (escaped) { escaped = false; i++; continue }
          if (b === BACKSLASH) { escaped = true; i++; continue }
          if (b === QUOTE) { inString = false; i++; continue }
          if (slash < i) { slash = chunk.indexOf(BACKSLASH, i); if (slash < 0) slash = n }
          const q = chunk.indexOf(QUOTE, i)
          i = q < 0 ? slash : Math.min(q, slash)
          continue
        }
        const b = chunk[i++]
        if (b === QUOTE) inString = true
        else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++
        else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          if (--depth <= 0) { emit(chunk, start, i, out); inValue = false }
        } else if (b === LF && depth <= 0) { emit(chunk, start, i, out); inValue = false }
      }
      if (inValue) {
        if (carried + n - start > MAX_FRAME_BYTES) tooLarge()
        carry.push(Buffer.from(chunk.subarray(start, n)))
        carried += n - start
      }
    },
    end(out) {
      if (inValue) emit(Buffer.alloc(0), 0, 0, out)
      reset()
    },
  }
}
