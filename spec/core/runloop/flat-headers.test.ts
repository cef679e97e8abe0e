// Header names from the upstream parser are raw Buffers and are compared without being decoded:
// the byte comparison must give exactly what decoding as latin1 and lowercasing gives.
import { describe, expect, it } from 'vitest'
import { clearFlat, getFlat, sameName } from '../../../core/runloop/flat-headers.ts'

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1')

/** [name as sent, name looked for (lowercase), same?] */
const NAMES: [string, string, boolean][] = [
  ['content-length', 'content-length', true],
  ['Content-Length', 'content-length', true],
  ['CONTENT-LENGTH', 'content-length', true],
  ['cOnTeNt-LeNgTh', 'content-length', true],
  ['content-lengtx', 'content-length', false],
  ['content_length', 'content-length', false],
  ['Date', 'date', true],
  ['Data', 'date', false],
  ['TE', 'te', true],
  ['tE', 'te', true],
  ['t\r', 'te', false],
  // bytes that only a blind `| 0x20` would fold onto the looked-for character
  ['\r', '-', false],
  ['a\x0d', 'a-', false],
  ['@', '`', false],
  ['[', '{', false],
  ['Server', 'server', true],
  ['Serve', 'server', false],
  ['Servers', 'server', false],
  ['', '', true],
  // non-ASCII bytes keep the latin1 rule
  ['\u00de', '\u00fe', true],
  ['\u00fe', '\u00fe', true],
  ['\u00e9tag', '\u00e9tag', true],
  ['\u00c9TAG', '\u00e9tag', true],
  ['\u00e9tag', 'etag', false],
]

describe('sameName', () => {
  it.each(NAMES)('%j vs %j → %s', (sent, lower, same) => {
    expect(sameName(latin1(sent), lower)).toBe(same)
    expect(sameName(sent, lower)).toBe(same)
    // the rule it keeps: decode as latin1, lowercase, compare
    expect(sameName(latin1(sent), lower)).toBe(latin1(sent).toString('latin1').toLowerCase() === lower)
  })

  it('finds and clears Buffer names case-insensitively in a flat list', () => {
    const h = [latin1('X-Request-Id'), latin1('abc'), latin1('CONTENT-LENGTH'), latin1('12'), 'Server', 'x']
    expect(getFlat(h, 'content-length')).toBe('12')
    expect(getFlat(h, 'Content-Length')).toBe('12')
    clearFlat(h, 'content-length')
    expect(getFlat(h, 'content-length')).toBeUndefined()
    expect(h.map(String)).toEqual(['X-Request-Id', 'abc', 'Server', 'x'])
  })
})
