// EncodedPairs writes a string attribute as one copy of its whole encoded KeyValue: the same bytes
// attrString writes, for a table of values (ASCII, UTF-8, lone surrogates, length-prefix edges),
// the first time (made) and every time after (copied); values past the cap or too long take
// attrString's path, still the same bytes.
import { describe, expect, it } from 'vitest'
import { attrString, encodedKey, OtlpWriter } from '../../../plugins/opentelemetry/otlp-encode.ts'
import { EncodedPairs, MAX_PAIR_VALUE, MAX_PAIRS } from '../../../plugins/opentelemetry/encoded-pairs.ts'

const KEY = encodedKey('http.host')

function viaAttrString(v: string): Buffer {
  const w = new OtlpWriter(8)
  attrString(w, KEY, v)
  return Buffer.from(w.buf.subarray(0, w.pos))
}

function viaPairs(p: EncodedPairs, v: string, w = new OtlpWriter(8)): Buffer {
  const at = w.pos
  p.write(w, v)
  return Buffer.from(w.buf.subarray(at, w.pos))
}

const VALUES: string[] = [
  '', 'a', 'gw.example', 'POST', 'http', '1.1', '/v1/chat/completions', '127.0.0.1', '::1',
  'x'.repeat(42), 'x'.repeat(43), 'x'.repeat(MAX_PAIR_VALUE), 'x'.repeat(MAX_PAIR_VALUE + 1), 'y'.repeat(5000),
  'bücher.example', 'é'.repeat(42), '👋'.repeat(21), '\uD800', 'a\uDC00b', '\u0000\u007f\u0080',
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty',
]

describe('EncodedPairs', () => {
  it.each(VALUES.map((v) => [v.length > 20 ? `${v.slice(0, 12)}… (${v.length})` : JSON.stringify(v), v]))('%s: attrString\'s bytes, first and later writes', (_n, v) => {
    const p = new EncodedPairs(KEY)
    const want = viaAttrString(v)
    for (let i = 0; i < 3; i++) expect(viaPairs(p, v).equals(want)).toBe(true)
    expect(p.size).toBe(v.length > MAX_PAIR_VALUE ? 0 : 1)
  })

  it('appends after what the writer holds, growing it', () => {
    const p = new EncodedPairs(KEY)
    const w = new OtlpWriter(4)
    const all: Buffer[] = []
    for (let i = 0; i < 200; i++) {
      const v = VALUES[i % VALUES.length]!
      p.write(w, v)
      all.push(viaAttrString(v))
    }
    expect(Buffer.from(w.buf.subarray(0, w.pos)).equals(Buffer.concat(all))).toBe(true)
  })

  it(`keeps at most ${MAX_PAIRS} values; later ones are still written right`, () => {
    const p = new EncodedPairs(KEY)
    for (let i = 0; i < 3 * MAX_PAIRS; i++) {
      const v = `host-${i}.example`
      expect(viaPairs(p, v).equals(viaAttrString(v))).toBe(true)
      expect(p.size).toBe(Math.min(i + 1, MAX_PAIRS))
    }
    // a value kept before the cap is still copied
    expect(viaPairs(p, 'host-0.example').equals(viaAttrString('host-0.example'))).toBe(true)
  })

  it('keeps its own copy of a value, not a slice of the header it came from', () => {
    const p = new EncodedPairs(KEY)
    const header = `${'h'.repeat(40)}:${'9'.repeat(100_000)}`
    const v = header.slice(0, 40)
    p.write(new OtlpWriter(), v)
    // the same value later, from another string, is the kept pair
    expect(viaPairs(p, 'h'.repeat(40)).equals(viaAttrString(v))).toBe(true)
    expect(p.size).toBe(1)
  })
})
