// Header names from the upstream parser are raw Buffers and are compared without being decoded:
// the byte comparison must give exactly what decoding as latin1 and lowercasing gives.
import { describe, expect, it } from 'vitest'
import { addFlat, applyEdit, applyEdits, clearFlat, getFlat, sameName, setFlat, type HeaderEdit } from '../../../core/runloop/flat-headers.ts'

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

// Kong's header semantics for queued edits on an upstream response: set replaces every value of
// the name (any case, Buffer or string names) and appends, add appends, clear removes; an edit of
// an absent name leaves the rest of the list as it was, in order.
const UPSTREAM = (): (string | Buffer)[] => [latin1('Content-Type'), latin1('application/json'), latin1('X-Up'), latin1('1'), 'Via', 'kong', latin1('x-up'), latin1('2')]
const EDITS: [string, HeaderEdit[], string[]][] = [
  ['set of an absent name appends', [['set', 'X-RateLimit-Limit-Minute', '5']], ['Content-Type', 'application/json', 'X-Up', '1', 'Via', 'kong', 'x-up', '2', 'X-RateLimit-Limit-Minute', '5']],
  ['set replaces every value, any case', [['set', 'X-UP', '9']], ['Content-Type', 'application/json', 'Via', 'kong', 'X-UP', '9']],
  ['set of a string name', [['set', 'via', 'me']], ['Content-Type', 'application/json', 'X-Up', '1', 'x-up', '2', 'via', 'me']],
  ['set with several values', [['set', 'x-up', ['a', 'b']]], ['Content-Type', 'application/json', 'Via', 'kong', 'x-up', 'a', 'x-up', 'b']],
  ['add appends beside the upstream values', [['add', 'X-Up', '3']], ['Content-Type', 'application/json', 'X-Up', '1', 'Via', 'kong', 'x-up', '2', 'X-Up', '3']],
  ['clear of an absent name changes nothing', [['clear', 'X-None', null]], ['Content-Type', 'application/json', 'X-Up', '1', 'Via', 'kong', 'x-up', '2']],
  ['clear removes every value', [['clear', 'x-UP', null]], ['Content-Type', 'application/json', 'Via', 'kong']],
  ['a later set replaces an earlier add', [['add', 'X-A', '1'], ['add', 'x-a', '2'], ['set', 'X-a', '3']], ['Content-Type', 'application/json', 'X-Up', '1', 'Via', 'kong', 'x-up', '2', 'X-a', '3']],
  ['a later add keeps an earlier set', [['set', 'X-A', '1'], ['add', 'x-a', '2']], ['Content-Type', 'application/json', 'X-Up', '1', 'Via', 'kong', 'x-up', '2', 'X-A', '1', 'x-a', '2']],
  ['many sets of distinct names keep their order', [['set', 'A', '1'], ['set', 'B', '2'], ['set', 'C', '3'], ['set', 'a', '4']], ['Content-Type', 'application/json', 'X-Up', '1', 'Via', 'kong', 'x-up', '2', 'B', '2', 'C', '3', 'a', '4']],
  ['set then clear', [['set', 'X-A', '1'], ['clear', 'x-a', null]], ['Content-Type', 'application/json', 'X-Up', '1', 'Via', 'kong', 'x-up', '2']],
]

describe('applyEdits', () => {
  it.each(EDITS)('%s', (_name, edits, expected) => {
    const h = UPSTREAM()
    applyEdits(h, edits)
    expect(h.map(String)).toEqual(expected)
  })

  it('an edit of an absent name does not rewrite the list (the upstream Buffers stay the same objects)', () => {
    const h = UPSTREAM()
    const before = [...h]
    applyEdits(h, [['set', 'X-RateLimit-Remaining-Minute', '4'], ['clear', 'X-Nothing', null]])
    expect(h.slice(0, before.length).every((v, i) => v === before[i])).toBe(true)
    expect(h.length).toBe(before.length + 2)
  })
})

// applyEdits skips the scan of names that cannot be in the list; it must give exactly what
// applying each edit with a full scan gives, for names of every case, Buffer or string, lengths
// 32 apart (the same bit) and non-ASCII names whose lowercase is longer ('İ' → 'i̇').
const reference = (h: (string | Buffer)[], edits: readonly HeaderEdit[]): void => {
  for (const [op, name, value] of edits) {
    if (op === 'clear') clearFlat(h, name)
    else if (op === 'set') setFlat(h, name, value!)
    else addFlat(h, name, value!)
  }
}
const POOL = ['X-A', 'x-a', 'X-B', 'Via', 'VIA', 'x-' + 'a'.repeat(33), 'X-' + 'A'.repeat(33), 'x-' + 'b'.repeat(1), 'RateLimit-Limit', 'ratelimit-reset',
  'X-\u0130', 'x-i\u0307', 'X-\u00c9', 'x-\u00e9', 'Stra\u00dfe', 'STRASSE', 'x-a'.padEnd(32, 'z'), 'Content-Type', '']
const UP = ['X-A', 'Via', 'x-' + 'a'.repeat(33), 'Content-Type', 'x-\u00e9', 'x-i\u0307', 'ratelimit-reset']

describe('applyEdits matches one full scan per edit', () => {
  it('only U+0130 changes length when lowercased (the rule lowerLength relies on)', () => {
    const changes: number[] = []
    for (let c = 0; c <= 0xffff; c++) if (c < 0xd800 || c > 0xdfff) { if (String.fromCharCode(c).toLowerCase().length !== 1) changes.push(c) }
    expect(changes).toEqual([0x130])
  })

  // a fixed-seed generator: the same 400 cases every run
  let seed = 0x2545f491
  const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n }
  const cases = Array.from({ length: 400 }, () => {
    const up: (string | Buffer)[] = []
    for (let i = rnd(6); i > 0; i--) { const n = UP[rnd(UP.length)]!; up.push(rnd(2) ? latin1(n) : n, String(rnd(9))) }
    const edits: HeaderEdit[] = []
    for (let i = 1 + rnd(12); i > 0; i--) {
      const op = (['set', 'add', 'clear'] as const)[rnd(3)]!
      const name = POOL[rnd(POOL.length)]!
      if (name === '') continue
      edits.push([op, name, op === 'clear' ? null : rnd(4) === 0 ? ['m1', 'm2'] : String(rnd(9))])
    }
    return [up, edits] as const
  })
  it('400 generated lists and edit sequences', () => {
    for (const [up, edits] of cases) {
      const a = up.map((v) => (Buffer.isBuffer(v) ? Buffer.from(v) : v))
      const b = up.map((v) => (Buffer.isBuffer(v) ? Buffer.from(v) : v))
      reference(a, edits)
      applyEdits(b, edits)
      expect(b.map((v) => (Buffer.isBuffer(v) ? `buf:${v.toString('latin1')}` : v)), JSON.stringify([up.map(String), edits]))
        .toEqual(a.map((v) => (Buffer.isBuffer(v) ? `buf:${v.toString('latin1')}` : v)))
    }
  })
  it('applyEdit, one edit at a time, ends as applyEdits of the whole sequence (400 generated cases)', () => {
    for (const [up, edits] of cases) {
      const a = up.map((v) => (Buffer.isBuffer(v) ? Buffer.from(v) : v))
      const b = up.map((v) => (Buffer.isBuffer(v) ? Buffer.from(v) : v))
      applyEdits(a, edits)
      for (const [op, name, value] of edits) applyEdit(b, op, name, value)
      expect(b.map((v) => (Buffer.isBuffer(v) ? `buf:${v.toString('latin1')}` : v)), JSON.stringify([up.map(String), edits]))
        .toEqual(a.map((v) => (Buffer.isBuffer(v) ? `buf:${v.toString('latin1')}` : v)))
    }
  })
  it.each([
    ['X-\u0130', 'x-i\u0307'], ['x-i\u0307', 'X-\u0130'], ['X-\u00c9', 'x-\u00e9'], ['x-' + 'a'.repeat(33), 'X-' + 'A'.repeat(33)],
  ])('set %j replaces an upstream %j exactly as a full scan does', (name, upstream) => {
    const a: (string | Buffer)[] = [upstream, '1', 'Via', 'v']
    const b: (string | Buffer)[] = [upstream, '1', 'Via', 'v']
    reference(a, [['set', name, '2']])
    applyEdits(b, [['set', name, '2']])
    expect(b).toEqual(a)
  })
})
