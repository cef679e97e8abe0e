// The answer reader's finishReasons(): a short answer (decoded whole for its usage anyway) is read
// from that text, a long one from its bytes, and both give what finishReasonsOf gives for the
// decoded answer, whatever the chunking, for OpenAI, Anthropic and Gemini answers and hostile ones
// (prototype names, escapes, control characters, thousands of choices, non-ASCII at the 8 KiB edge).
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Kong } from '../../../../pdk/index.ts'
import { BodyReader } from '../../../../plugins/llm/pipeline/body-reader.ts'
import { finishReasonsOf } from '../../../../plugins/llm/pipeline/finish-reasons.ts'
import { DECODE_WHOLE_MAX } from '../../../../plugins/llm/pipeline/usage.ts'

const KONG = { service: { response: { getHeader: () => undefined } } } as unknown as Kong
const USAGE = '"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}'

afterEach(() => { vi.restoreAllMocks() })

/** an OpenAI answer padded with `pad` (a content string) to make it long */
const openai = (reason: string, pad = ''): string =>
  `{"model":"m","choices":[{"index":0,"message":{"content":"${pad}"},"finish_reason":${reason}}],${USAGE}}`

/** `total` characters of content whose last one (a 2-byte é) straddles the DECODE_WHOLE_MAX byte edge */
const straddling = (): string => 'a'.repeat(DECODE_WHOLE_MAX - 60) + 'é'

const ANSWERS: [string, string, string[]][] = [
  ['OpenAI, one choice', openai('"stop"'), ['stop']],
  ['OpenAI, two choices', `{"choices":[{"finish_reason":"stop"},{"finish_reason": "length"}],${USAGE}}`, ['stop', 'length']],
  ['Anthropic', `{"content":[],"stop_reason":"end_turn",${USAGE}}`, ['end_turn']],
  ['Gemini', '{"candidates":[{"finishReason":"STOP"}]}', ['STOP']],
  ['no reason', openai('null'), []],
  ['prototype names as reasons', `{"choices":[{"finish_reason":"__proto__"},{"finish_reason":"constructor"},{"finish_reason":"prototype"}]}`, ['__proto__', 'constructor', 'prototype']],
  ['escapes and a control character', openai('"a\\"b\\\\c\\u0000\\n"'), ['a\\"b\\\\c\\u0000\\n']],
  ['a reason past 64 characters', openai(`"${'v'.repeat(65)}"`), []],
  ['non-ASCII reason', openai('"fin ü 👋"'), ['fin ü 👋']],
  ['long (past the text limit), reason after the padding', openai('"length"', 'x'.repeat(DECODE_WHOLE_MAX)), ['length']],
  ['at the text limit, non-ASCII at the edge', openai('"stop"', straddling()), ['stop']],
  ['hostile: 5,000 choices (capped at 16)', `{"choices":[${'{"finish_reason":"a"},'.repeat(5000)}{}],${USAGE}}`, Array(16).fill('a')],
  ['hostile: a key at the very end', '{"finish_reason"', []],
  ['hostile: 1 MiB of spaces before the value', `{"finish_reason"${' '.repeat(1 << 20)}:"stop"}`, []],
]

/** the reader's reasons for `answer` fed in `pieces` chunks */
function reasons(answer: Buffer, pieces: number, kind: 'passthrough' | 'native', payloads: boolean): readonly string[] {
  const r = new BodyReader(kind, true, payloads, null)
  const size = Math.ceil(answer.length / pieces)
  for (let at = 0; at < answer.length; at += size) r.body(KONG, { data: answer.subarray(at, at + size), eof: false })
  r.body(KONG, { data: Buffer.alloc(0), eof: true })
  return r.finishReasons()
}

describe("the answer reader's finish reasons", () => {
  for (const [what, answer, expected] of ANSWERS) {
    const bytes = Buffer.from(answer, 'utf8')
    it.each([
      [1, 'passthrough', false], [3, 'passthrough', true], [7, 'native', false], [2, 'native', true],
    ] as const)(`${what}: ${bytes.length} B in %i pieces, %s, payloads %s`, (pieces, kind, payloads) => {
      expect(reasons(bytes, pieces, kind, payloads)).toEqual(expected)
      expect(reasons(bytes, pieces, kind, payloads)).toEqual(finishReasonsOf(bytes.toString('utf8')))
    })
  }

  it('a short answer is not searched as bytes again (the text its usage was read from is)', () => {
    const bytes = Buffer.from(openai('"stop"'))
    expect(bytes.length).toBeLessThanOrEqual(DECODE_WHOLE_MAX)
    const r = new BodyReader('passthrough', true, false, null)
    r.body(KONG, { data: bytes, eof: true })
    const search = vi.spyOn(Buffer.prototype, 'indexOf')
    expect(r.finishReasons()).toEqual(['stop'])
    expect(search).not.toHaveBeenCalled()
    expect(r.usage()).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })
    expect(r.responseModel()).toBe('m')
  })

  it('a long answer is searched as bytes, never decoded whole (no payload log)', () => {
    const bytes = Buffer.from(openai('"length"', 'x'.repeat(4 * DECODE_WHOLE_MAX)))
    const r = new BodyReader('passthrough', true, false, null)
    r.body(KONG, { data: bytes, eof: true })
    const decode = vi.spyOn(Buffer.prototype, 'toString')
    expect(r.finishReasons()).toEqual(['length'])
    for (const call of decode.mock.calls) expect((call[2] as number ?? bytes.length) - (call[1] as number ?? 0)).toBeLessThan(DECODE_WHOLE_MAX)
  })

  it('nothing kept, no reasons, when nothing reads the answer', () => {
    const r = new BodyReader('passthrough', false, false, null)
    r.body(KONG, { data: Buffer.from(openai('"stop"')), eof: true })
    expect(r.finishReasons()).toEqual([])
  })
})
