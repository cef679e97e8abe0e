import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { bedrockDriver } from '../../../../plugins/llm/drivers/bedrock.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { chunk, ctx, encode, frames, transcode } from '../../../plugins/llm/helpers/bedrock-calls.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string): Buffer => readFileSync(FIXTURES + p)

/** Every way of cutting the stream in two, and one byte at a time, gives the same transcript and usage. */
function expectCutInvariant(stream: Buffer, whole: ReturnType<typeof transcode>): void {
  const expected = frames(whole.sse)
  for (let at = 0; at <= stream.length; at++) {
    const cut = transcode([stream.subarray(0, at), stream.subarray(at)])
    expect(frames(cut.sse)).toEqual(expected)
    expect(cut.usage).toEqual(whole.usage)
  }
  const bytes: Buffer[] = []
  for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1))
  expect(frames(transcode(bytes).sse)).toEqual(expected)
}

describe('bedrock driver on Kong fixtures', () => {
  const kongCtx = () => ctx('bedrock', { max_tokens: 8192, temperature: 0.8, top_k: 1, top_p: 0.6 })

  it('unit/requests/llm-v1-chat → unit/expected-requests/bedrock/llm-v1-chat', () => {
    const req = JSON.parse(fixture('unit/requests/llm-v1-chat.json').toString())
    expect(encode(req, kongCtx())).toEqual(JSON.parse(fixture('unit/expected-requests/bedrock/llm-v1-chat.json').toString()))
  })

  it('unit/real-responses/bedrock → unit/expected-responses/bedrock (message and model, as Kong compares)', () => {
    const out = JSON.parse(bedrockDriver.decodeResponse(fixture('unit/real-responses/bedrock/llm-v1-chat.json'), kongCtx()).body!)
    const expected = JSON.parse(fixture('unit/expected-responses/bedrock/llm-v1-chat.json').toString())
    expect(out.choices[0].message).toEqual(expected.choices[0].message)
    expect(out.model).toBe(expected.model)
    // Kong 3.10 passed the raw stopReason ("end_turn"); 3.11+ maps it, as the brief asks
    expect(out.choices[0].finish_reason).toBe('stop')
  })

  it('bedrock/chunks: the streamed add(a, b) tool call (Kong 09-streaming), cut anywhere', () => {
    const chunks = [1, 2, 3].map((n) => Buffer.from(fixture(`bedrock/chunks/chunk-${n}.txt`).toString(), 'base64'))
    const out = transcode(chunks)
    const events = frames(out.sse) as ReturnType<typeof chunk>[]
    expect(events[0]).toEqual(chunk({ role: 'assistant', content: '' }))
    expect(events[1]).toEqual(chunk({ tool_calls: [{ index: 0, id: 'tooluse_UxbKWVKgTqe8cKjPPzopiQ', type: 'function', function: { name: 'add', arguments: '' } }] }))
    const args = events.slice(2, -2).map((e) => (e.choices[0].delta as any).tool_calls[0].function.arguments).join('')
    expect(JSON.parse(args)).toEqual({ a: 2, b: 12 })
    expect(events.at(-2)).toEqual(chunk({}, 'tool_calls'))
    expect(events.at(-1)).toBe('[DONE]')
    expect(out.usage).toEqual({ prompt_tokens: 478, completion_tokens: 44, total_tokens: 522 })
    expectCutInvariant(Buffer.concat(chunks), out)
  })

  it('unit/streaming-chunk-formats/aws: a text answer with its usage', () => {
    const input = fixture('unit/streaming-chunk-formats/aws/input.bin')
    const out = transcode([input])
    expect(out.text).toMatch(/^Hello! Relativity is a set of physical theories .* space, time, and matter\.$/)
    expect(out.finishReason).toBe('stop')
    expect(out.usage).toEqual({ prompt_tokens: 9, completion_tokens: 97, total_tokens: 106 })
    expectCutInvariant(input, out)
  })
})
