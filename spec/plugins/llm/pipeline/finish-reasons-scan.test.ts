// finishReasonsOf reads each value after a key by char code; it must read what the regex it
// replaced read (kept here as the reference): for a table of hostile values (every character a
// regex's \s matches, line terminators after a backslash, quotes, escapes, the 64-unit and
// 80-unit edges, prototype names, control characters) and random answers made of those pieces.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { finishReasonsOf, finishReasonsOfBytes } from '../../../../plugins/llm/pipeline/finish-reasons.ts'

// the reference: the regex reading finishReasonsOf had before
const KEYS = ['"finish_reason"', '"stop_reason"', '"finishReason"']
const VALUE = /^\s*:\s*"((?:[^"\\]|\\.){1,64})"/
function reference(text: string): string[] {
  const out: string[] = []
  for (const key of KEYS) {
    let at = text.indexOf(key)
    while (at >= 0 && out.length < 16) {
      const m = VALUE.exec(text.slice(at + key.length, at + key.length + 80))
      if (m) out.push(m[1]!)
      at = text.indexOf(key, at + key.length)
    }
    if (out.length > 0) break
  }
  return out
}

/** every character ECMAScript's \s matches, and near misses */
const SPACES = ['\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff']
const NOT_SPACES = ['\u180e', '\u200b', '\u0085', '\u0000', '\u001f', '\u200b']

const HOSTILE: [string, string][] = [
  ...SPACES.map((s): [string, string] => [`space U+${s.charCodeAt(0).toString(16)} around the colon`, `{"finish_reason"${s}:${s}"stop"}`]),
  ...NOT_SPACES.map((s): [string, string] => [`not a space U+${s.charCodeAt(0).toString(16)}`, `{"finish_reason"${s}:"stop"}`]),
  ...['\n', '\r', '\u2028', '\u2029'].map((s): [string, string] => [`backslash before line terminator U+${s.charCodeAt(0).toString(16)}`, `{"finish_reason":"a\\${s}b"}`]),
  ['raw line terminators inside the value', '{"finish_reason":"a\nb\rc\u2028"}'],
  ['an escaped quote', '{"finish_reason":"a\\"b"}'],
  ['a trailing backslash', '{"finish_reason":"ab\\'],
  ['an empty value', '{"finish_reason":""}'],
  ['no closing quote', '{"finish_reason":"stop'],
  ['no colon', '{"finish_reason" "stop"}'],
  ['a number', '{"finish_reason":1}'],
  ['null then a value', '{"finish_reason":null},{"finish_reason":"length"}'],
  ['64 units exactly', `{"finish_reason":"${'v'.repeat(64)}"}`],
  ['65 units', `{"finish_reason":"${'v'.repeat(65)}"}`],
  ['64 reps of escapes (128 units: past the window)', `{"finish_reason":"${'\\n'.repeat(64)}"}`],
  ['ending exactly at the window', `{"finish_reason":${' '.repeat(13)}"${'v'.repeat(64)}"}`],
  ['ending one past the window', `{"finish_reason":${' '.repeat(14)}"${'v'.repeat(64)}"}`],
  ['prototype names', '{"finish_reason":"__proto__"},{"finish_reason":"constructor"},{"stop_reason":"x"}'],
  ['surrogates', '{"finish_reason":"\uD800\uDC00\uD800"}'],
  ['keys nested in values', '{"finish_reason":"\\"finish_reason\\":\\"x\\""}'],
  ['a key inside another key\'s value', '{"a":"\\"finish_reason\\": \\"inner\\"","finish_reason":"outer"}'],
  ['the second key when the first names none', '{"finish_reason":null,"stop_reason":"end_turn"}'],
  ['thousands of keys', '{"finish_reason":"a"}'.repeat(3000)],
  ['a key at the very start', '"finish_reason":"first"'],
  ['keys sharing a quote (the second is not a key)', '"finish_reason"finish_reason":"x"'],
  ['keys back to back', '"finish_reason""finish_reason":"y"'],
  ['the key\'s letters without its quote', '{finish_reason":"no","x":"finish_reason":"no"}'],
  ['letters of a key in prose before the real one', `{"content":"${'finish_reason stop_reason finishReason '.repeat(50)}","finish_reason":"stop"}`],
  ['a pretty-printed answer', JSON.stringify({ choices: [{ index: 0, finish_reason: 'stop' }, { index: 1, finish_reason: 'length' }] }, null, 2)],
]

describe('finishReasonsOf reads what the regex read', () => {
  it.each(HOSTILE)('%s', (_what, text) => {
    expect(finishReasonsOf(text)).toEqual(reference(text))
    expect(finishReasonsOfBytes(Buffer.from(text, 'utf8'))).toEqual(reference(Buffer.from(text, 'utf8').toString('utf8')))
  })

  it('random answers of keys, colons, quotes, backslashes, every space and line terminator', () => {
    const part = fc.oneof(
      fc.constantFrom(...KEYS, ...KEYS.map((k) => k.slice(1)), ':', '"', '\\', '\\"', 'stop', 'é', '👋', '\uD800', ...SPACES, ...NOT_SPACES),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.nat(70).map((n) => 'v'.repeat(n)),
    )
    fc.assert(fc.property(fc.array(part, { maxLength: 40 }), (parts) => {
      const text = parts.join('')
      expect(finishReasonsOf(text)).toEqual(reference(text))
      const b = Buffer.from(text, 'utf8')
      expect(finishReasonsOfBytes(b)).toEqual(reference(b.toString('utf8')))
    }), { numRuns: 5000 })
  })
})
