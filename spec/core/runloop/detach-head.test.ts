// detachHead copies a response head out of the socket read that carried it (undici hands views
// into that read), so a stream that stays open keeps only its head's own bytes.
import { describe, expect, it } from 'vitest'
import { detachHead } from '../../../core/runloop/detach-head.ts'

/** A head as undici gives it: views into one larger read, with body bytes after the head. */
function viewsInto(read: Buffer, lengths: number[]): Buffer[] {
  const out: Buffer[] = []
  let at = 0
  for (const n of lengths) { out.push(read.subarray(at, at + n)); at += n + 3 }
  return out
}

const HEADS: [string, number[]][] = [
  ['the usual SSE head', [12, 17, 13, 8, 10, 10, 17, 7]],
  ['empty values', [6, 0, 3, 0]],
  ['one long value', [5, 8000]],
  ['many headers', Array.from({ length: 200 }, (_, i) => (i % 7) + 1)],
  ['no headers', []],
]

describe('detachHead', () => {
  it.each(HEADS)('%s: same bytes, one buffer of exactly their size, nothing of the read kept', (_name, lengths) => {
    const read = Buffer.alloc(64 * 1024)
    for (let i = 0; i < read.length; i++) read[i] = (i * 31 + 7) & 0xff
    const raw = viewsInto(read, lengths)
    const before = raw.map((b) => Buffer.from(b))
    detachHead(raw)
    expect(raw).toEqual(before)
    const total = lengths.reduce((a, b) => a + b, 0)
    for (const b of raw) {
      expect(b.buffer).not.toBe(read.buffer)
      expect(b.buffer.byteLength).toBe(total)
    }
    // the read may now be reused: the head does not change with it
    read.fill(0)
    expect(raw).toEqual(before)
  })
})
