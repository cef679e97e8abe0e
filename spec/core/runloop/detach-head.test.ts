// detachHead copies a response head out of a large socket read that carried it (undici hands
// views into that read), so a stream that stays open keeps only its head's own bytes; the
// client's header list built from the head gets the same copies.
import { describe, expect, it } from 'vitest'
import { detachHead, MAX_PINNED } from '../../../core/runloop/detach-head.ts'
import type { FlatHeaders } from '../../../core/runloop/context.ts'

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

function largeRead(): Buffer {
  const read = Buffer.alloc(64 * 1024)
  for (let i = 0; i < read.length; i++) read[i] = (i * 31 + 7) & 0xff
  return read
}

describe('detachHead', () => {
  it.each(HEADS)('%s: same bytes, one buffer of exactly their size, nothing of the read kept', (_name, lengths) => {
    const read = largeRead()
    const raw = viewsInto(read, lengths)
    const before = raw.map((b) => Buffer.from(b))
    detachHead(raw, null)
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

  it.each([['a read of MAX_PINNED bytes', MAX_PINNED], ['a read of 1 KB', 1024]] as const)('%s is left shared (copying costs more than it frees)', (_name, size) => {
    const read = Buffer.alloc(size, 0x61)
    const raw = viewsInto(read, [12, 17, 13, 8])
    const before = [...raw]
    detachHead(raw, null)
    for (let i = 0; i < raw.length; i++) expect(raw[i]).toBe(before[i])
  })

  it('a head split over a small and a large read is copied', () => {
    const small = Buffer.alloc(512, 0x62)
    const large = Buffer.alloc(MAX_PINNED + 1, 0x63)
    const raw = [small.subarray(0, 4), large.subarray(10, 20)]
    detachHead(raw, null)
    expect(raw.map(String)).toEqual(['bbbb', 'cccccccccc'])
    expect(raw[1]!.buffer).not.toBe(large.buffer)
  })

  // the forwarded list as the proxy and header_filter leave it: entries dropped, strings added, moved
  const FORWARDED: [string, (raw: Buffer[]) => FlatHeaders][] = [
    ['all of the head', (raw) => [...raw]],
    ['some headers dropped', (raw) => [raw[0]!, raw[1]!, raw[4]!, raw[5]!]],
    ['strings added and set in between', (raw) => ['Via', '1.1 tollgate', raw[0]!, raw[1]!, 'X-Kong', 'v', raw[2]!, raw[3]!, 'Server', 's']],
    ['an entry moved before an earlier one', (raw) => [raw[4]!, raw[5]!, raw[0]!, raw[1]!]],
    ['the same entry twice', (raw) => [raw[0]!, raw[1]!, raw[0]!, raw[1]!]],
    ['nothing of the head', () => ['a', 'b']],
  ]

  it.each(FORWARDED)('the forwarded list, %s: same bytes, and none of it in the read', (_name, make) => {
    const read = largeRead()
    const raw = viewsInto(read, [12, 17, 13, 8, 10, 10])
    const forwarded = make(raw)
    const before = forwarded.map((v) => (typeof v === 'string' ? v : Buffer.from(v)))
    const copies = new Set(raw)
    detachHead(raw, forwarded)
    expect(forwarded).toEqual(before)
    // an entry is a copy from raw, or one the walk could not place (then still the old view, correct bytes)
    const moved = forwarded.filter((v) => typeof v !== 'string' && !raw.includes(v as Buffer))
    for (const v of moved) expect(copies.has(v as Buffer)).toBe(true)
    if (_name !== 'an entry moved before an earlier one' && _name !== 'the same entry twice') expect(moved).toEqual([])
  })

  it('leaves string entries of the head alone', () => {
    const read = largeRead()
    const raw: FlatHeaders = ['x-set-by-name', 'v', ...viewsInto(read, [3, 4])]
    detachHead(raw, null)
    expect(raw.slice(0, 2)).toEqual(['x-set-by-name', 'v'])
    expect((raw[2] as Buffer).buffer).not.toBe(read.buffer)
  })
})
