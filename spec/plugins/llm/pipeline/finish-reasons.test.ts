// finishReasonsOfBytes (the answer's bytes searched, only a window after each key decoded) gives
// what finishReasonsOf gives for the decoded text: for a table of answers and for random ones
// built of keys, quotes, escapes, spaces, non-ASCII, lone surrogates and invalid UTF-8.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { finishReasonsOf, finishReasonsOfBytes } from '../../../../plugins/llm/pipeline/finish-reasons.ts'

const same = (bytes: Buffer): void => {
  expect(finishReasonsOfBytes(bytes)).toEqual(finishReasonsOf(bytes.toString('utf8')))
}

const ANSWERS: [string, string | Buffer, string[]][] = [
  ['OpenAI, two choices', '{"choices":[{"finish_reason":"stop"},{"finish_reason": "length"}]}', ['stop', 'length']],
  ['Anthropic', '{"content":[],"stop_reason":"end_turn"}', ['end_turn']],
  ['Gemini', '{"candidates":[{"finishReason":"STOP"}]}', ['STOP']],
  ['non-ASCII before and in the value', `{"x":"${'é👋'.repeat(200)}","finish_reason":"fin ü 👋"}`, ['fin ü 👋']],
  ['a value of 64 escapes (128 characters: past the window)', `{"finish_reason":"${'\\"'.repeat(64)}"}`, []],
  ['a value past 64 characters', `{"finish_reason":"${'v'.repeat(65)}"}`, []],
  ['spaces past the window before the value', `{"finish_reason"${' '.repeat(90)}:"stop"}`, []],
  ['a key at the very end', '{"finish_reason"', []],
  ['invalid UTF-8 next to a key', Buffer.concat([Buffer.from('{"finish_reason":"'), Buffer.from([0xc3, 0xff]), Buffer.from('x"}')]), ['\ufffd\ufffdx']],
  ['a 3-byte character cut by the byte window', `{"finish_reason":"${'€'.repeat(63)}"}`, ['€'.repeat(63)]],
  ['hostile: 10,000 keys (capped at 16)', '{"finish_reason":"a"}'.repeat(10_000), Array(16).fill('a')],
]

describe('finishReasonsOfBytes', () => {
  it.each(ANSWERS)('%s', (_what, answer, reasons) => {
    const bytes = Buffer.isBuffer(answer) ? answer : Buffer.from(answer, 'utf8')
    expect(finishReasonsOfBytes(bytes)).toEqual(reasons)
    same(bytes)
  })

  it('equals finishReasonsOf on the decoded text for random answers', () => {
    const part = fc.oneof(
      fc.constantFrom('"finish_reason"', '"stop_reason"', '"finishReason"', ':', '"', '\\', ' ', '\n', 'stop', 'é', '👋', '\uD800', '€'),
      fc.string({ maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
    )
    const answer = fc.tuple(fc.array(part, { maxLength: 60 }), fc.uint8Array({ maxLength: 6 }), fc.nat(60)).map(([parts, raw, at]) => {
      const b = Buffer.from(parts.join(''), 'utf8')
      const cut = Math.min(at, b.length)
      // raw bytes (possibly invalid UTF-8) somewhere in the answer
      return Buffer.concat([b.subarray(0, cut), Buffer.from(raw), b.subarray(cut)])
    })
    fc.assert(fc.property(answer, (b) => { same(b) }), { numRuns: 2000 })
  })
})
