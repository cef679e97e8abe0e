import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { errors, isGatewayError } from '../../../../core/errors.ts'
import { bedrockDriver, escapeModelId } from '../../../../plugins/llm/drivers/bedrock.ts'
import { encodeAwsEvent, encodeAwsException } from '../../../../plugins/llm/transcoders/aws-event-stream.ts'
import type { DriverContext, LlmRequest, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { sseOf } from '../../../plugins/llm/helpers/sse-of.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string): Buffer => readFileSync(FIXTURES + p)

function ctx(name: string | undefined, options: ModelOptions = {}, extra: Partial<DriverContext> = {}): DriverContext {
  return {
    route: 'llm/v1/chat',
    model: { provider: 'bedrock', name, options },
    stream: false,
    clientPath: '/bedrock',
    clientQuery: '',
    ...extra,
  }
}

const encode = (req: LlmRequest, c = ctx('anthropic.claude-3-haiku-20240307-v1:0')) =>
  JSON.parse(bedrockDriver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)!) as Record<string, any>

function thrown(fn: () => unknown): { code: string; status: number; message: string; details?: unknown } {
  try {
    fn()
  } catch (e) {
    if (isGatewayError(e)) return { code: e.code, status: e.status, message: e.message, details: e.details }
    throw e
  }
  throw new Error('expected a throw')
}

afterEach(() => { vi.unstubAllEnvs() })



const BEDROCK_TOOLS_RESPONSE = {
  metrics: { latencyMs: 3781 },
  output: {
    message: {
      content: [
        { text: 'Certainly! To calculate the sum of 121, 212, and 313, we can use the "sumArea" function that\'s available to us.' },
        { toolUse: { input: { areas: [121, 212, 313] }, name: 'sumArea', toolUseId: 'tooluse_4ZakZPY9SiWoKWrAsY7_eg' } },
      ],
      role: 'assistant',
    },
  },
  stopReason: 'tool_use',
  usage: { inputTokens: 410, outputTokens: 115, totalTokens: 525 },
}


// Chunk ids are random per stream: compare transcripts without them.
const frames = (sse: string): unknown[] =>
  sse.split('\n\n').filter((f) => f !== '').map((f) => {
    expect(f.startsWith('data: ')).toBe(true)
    const data = f.slice(6)
    if (data === '[DONE]') return data
    const { id: _id, created: _created, ...rest } = JSON.parse(data)
    return rest
  })

function transcode(pieces: Buffer[], c = ctx('anthropic.claude-3-haiku-20240307-v1:0', {}, { stream: true })) {
  const t = sseOf(bedrockDriver.stream(c))
  let out = ''
  for (const p of pieces) out += t.push(p).toString()
  out += t.end().toString()
  return { sse: out, usage: t.usage, text: t.text, finishReason: t.finishReason }
}

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

const chunk = (delta: unknown, finish: string | null = null) => ({
  object: 'chat.completion.chunk', model: 'anthropic.claude-3-haiku-20240307-v1:0', system_fingerprint: null,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
})


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
