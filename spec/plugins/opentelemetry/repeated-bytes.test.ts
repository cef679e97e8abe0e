// RepeatedBytes keeps the bytes written for the last values of up to five strings and writes them
// again for the same values: a hit writes exactly the kept bytes, a miss writes nothing; values
// that change on every span replace the kept block only every KEEP_EVERY misses (the copies are
// not paid per span); a block over MAX_KEPT_BYTES is never kept; hostile values are values.
import { describe, expect, it } from 'vitest'
import { OtlpWriter } from '../../../plugins/opentelemetry/otlp-encode.ts'
import { KEEP_EVERY, MAX_KEPT_BYTES, RepeatedBytes } from '../../../plugins/opentelemetry/repeated-bytes.ts'

/** what the caller writes on a miss: a recognisable block for the values */
const blockOf = (a: string, b: string): Buffer => Buffer.from(`[${a}|${b}]`, 'utf8')

/** one span's block through `r`: the kept bytes, or written and offered to keep; returns the bytes and whether it hit */
function span(r: RepeatedBytes, a: string, b: string): { bytes: Buffer; hit: boolean } {
  const w = new OtlpWriter(4)
  w.pos = 3 // not at the buffer's start; small, so writing grows it
  const hit = r.writeKept(w, a, b, '', '', '')
  if (!hit) {
    const block = blockOf(a, b)
    w.ensure(block.length)
    w.buf.set(block, w.pos)
    w.pos += block.length
    r.keep(w, 3, a, b, '', '', '')
  }
  return { bytes: Buffer.from(w.buf.subarray(3, w.pos)), hit }
}

const VALUES: [string, string][] = [
  ['', ''], ['a', 'b'], ['ab', ''], ['', 'ab'], ['__proto__', 'constructor'], ['prototype', 'toString'],
  ['é', '\uD800'], ['\u{1F44B}', 'a\uDC00b'], ['x'.repeat(200), 'y'], [['gw', 'example'].join('.'), JSON.parse('"v"') as string],
]

describe('RepeatedBytes', () => {
  it.each(VALUES)('%j %j: kept on the first miss, then every span hits with the same bytes', (a, b) => {
    const r = new RepeatedBytes()
    const first = span(r, a, b)
    expect(first.hit).toBe(false)
    expect(first.bytes.equals(blockOf(a, b))).toBe(true)
    for (let i = 0; i < 3; i++) {
      const next = span(r, a, b)
      expect(next.hit).toBe(true)
      expect(next.bytes.equals(blockOf(a, b))).toBe(true)
    }
    // a value next to it misses, whichever slot
    expect(span(r, `${a}x`, b).hit).toBe(false)
    expect(span(r, a, `${b}x`).hit).toBe(false)
  })

  it('values that differ on every span: a block kept every KEEP_EVERY misses, nothing written on a miss', () => {
    const r = new RepeatedBytes()
    const N = 10 * KEEP_EVERY
    for (let i = 0; i < N; i++) {
      const w = new OtlpWriter(8)
      expect(r.writeKept(w, `/users/${i}`, 'h', '', '', '')).toBe(false)
      expect(w.pos).toBe(0)
      r.keep(w, 0, `/users/${i}`, 'h', '', '', '')
    }
    expect(r.keeps).toBe(N / KEEP_EVERY)
  })

  it('a route that changes for good is taken up after at most KEEP_EVERY misses, then hits', () => {
    const r = new RepeatedBytes()
    for (let i = 0; i < 3 * KEEP_EVERY + 3; i++) span(r, `/v${i}`, 'h')
    let misses = 0
    while (!span(r, '/v2/chat', 'h').hit) misses++
    expect(misses).toBeLessThanOrEqual(KEEP_EVERY)
    expect(span(r, '/v2/chat', 'h').bytes.equals(blockOf('/v2/chat', 'h'))).toBe(true)
  })

  it('two routes alternating: every span right, each block kept is hit before the next is kept', () => {
    const r = new RepeatedBytes()
    let hits = 0
    for (let i = 0; i < 100; i++) {
      const [a, b] = i % 2 === 0 ? ['/a', 'h'] : ['/b', 'h']
      const s = span(r, a, b)
      expect(s.bytes.equals(blockOf(a, b))).toBe(true)
      if (s.hit) hits++
    }
    expect(r.keeps).toBeLessThanOrEqual(hits + 1)
    expect(r.keeps).toBeLessThan(50)
  })

  it.each([MAX_KEPT_BYTES - 1, MAX_KEPT_BYTES, MAX_KEPT_BYTES + 1, 64 * 1024])('a block of %i bytes is kept only up to MAX_KEPT_BYTES', (size) => {
    const r = new RepeatedBytes()
    const w = new OtlpWriter(8)
    w.ensure(size)
    w.buf.fill(7, 0, size)
    w.pos = size
    r.keep(w, 0, 'a', '', '', '', '')
    const again = new OtlpWriter(8)
    expect(r.writeKept(again, 'a', '', '', '', '')).toBe(size <= MAX_KEPT_BYTES)
    expect(again.pos).toBe(size <= MAX_KEPT_BYTES ? size : 0)
  })

  it('the kept bytes are a copy: the writer reusing its buffer does not change them', () => {
    const r = new RepeatedBytes()
    const w = new OtlpWriter(64)
    span(r, 'a', 'b')
    w.buf.fill(0)
    expect(span(r, 'a', 'b').bytes.equals(blockOf('a', 'b'))).toBe(true)
  })
})
