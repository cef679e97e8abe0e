// Gemini driver on Kong's fixtures: request and answer conversion, and the streamed
// partial-JSON chunk formats.
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { geminiDriver } from '../../../../plugins/llm/drivers/gemini.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { sseOf } from '../../../plugins/llm/helpers/sse-of.ts'
import { ctx, decode, encode } from '../../../plugins/llm/helpers/gemini-calls.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string) => readFileSync(FIXTURES + p)

describe("gemini driver: Kong's fixtures", () => {
  const KONG = ctx('llm/v1/chat', { max_tokens: 8192, temperature: 0.8, top_k: 1, top_p: 0.6 }, 'gemini-pro')

  it('unit/requests/llm-v1-chat → unit/expected-requests/gemini/llm-v1-chat', () => {
    const req = JSON.parse(fixture('unit/requests/llm-v1-chat.json').toString())
    expect(encode(req, KONG)).toEqual(JSON.parse(fixture('unit/expected-requests/gemini/llm-v1-chat.json').toString()))
  })

  it('unit/real-responses/gemini → unit/expected-responses/gemini (message and model)', () => {
    const d = decode(fixture('unit/real-responses/gemini/llm-v1-chat.json').toString(), KONG)
    const expected = JSON.parse(fixture('unit/expected-responses/gemini/llm-v1-chat.json').toString())
    expect(d.json.choices[0].message).toEqual(expected.choices[0].message)
    expect(d.json.choices[0].finish_reason).toBe(expected.choices[0].finish_reason)
    expect(d.json.model).toBe(expected.model)
    expect(d.usage).toEqual({ prompt_tokens: 14, completion_tokens: 128, total_tokens: 142 })
  })

  it('gemini/llm-v1-chat/responses/good: modelVersion is the answer model', () => {
    const d = decode(fixture('gemini/llm-v1-chat/responses/good.json').toString(), ctx('llm/v1/chat', {}, 'gemini-1.5-flash'))
    expect(d.json).toMatchObject({ model: 'gemini-1.5-flash-002', choices: [{ finish_reason: 'stop', message: { content: 'Everything is okay.' } }] })
    expect(d.usage).toEqual({ prompt_tokens: 2, completion_tokens: 11, total_tokens: 13 })
  })

  it('gemini/llm-v1-chat/responses/fails_safety: no error, a content_filter finish (Kong ≥3.9 does not fail)', () => {
    const d = decode(fixture('gemini/llm-v1-chat/responses/fails_safety.json').toString())
    expect(d.json.choices[0].finish_reason).toBe('content_filter')
  })

  it.each(['partial-json-split', 'partial-json-split-three-parts'])('unit/streaming-chunk-formats/%s → the expected text', (dir) => {
    const base = `unit/streaming-chunk-formats/${dir}/`
    const inputs = [1, 2, 3].map((n) => `${base}input-${n}.bin`).filter((p) => existsSync(FIXTURES + p)).map(fixture)
    const t = sseOf(geminiDriver.stream(ctx('llm/v1/chat', {}, 'gemini-1.5-flash', true)))
    for (const i of inputs) t.push(i)
    t.end()
    expect(t.text).toBe(fixture(`${base}expected-output.bin`).toString())
    expect(t.usage).toEqual({ prompt_tokens: 6, completion_tokens: 65, total_tokens: 71 })
  })
})
