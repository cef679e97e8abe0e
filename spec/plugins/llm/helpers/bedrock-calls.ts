// The bedrock driver called as the pipeline calls it, for its own suite (spec/plugins/llm/drivers)
// and the Kong-fixture suite (spec/kong/llm/drivers): a context, the encoded request, the stream
// transcoded to OpenAI SSE and its frames read back.
import { expect } from 'vitest'
import { bedrockDriver } from '../../../../plugins/llm/drivers/bedrock.ts'
import type { DriverContext, LlmRequest, ModelOptions } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'
import { sseOf } from './sse-of.ts'

export function ctx(name: string | undefined, options: ModelOptions = {}, extra: Partial<DriverContext> = {}): DriverContext {
  return {
    route: 'llm/v1/chat',
    model: { provider: 'bedrock', name, options },
    stream: false,
    clientPath: '/bedrock',
    clientQuery: '',
    ...extra,
  }
}

export const encode = (req: LlmRequest, c = ctx('anthropic.claude-3-haiku-20240307-v1:0')) =>
  JSON.parse(bedrockDriver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)!) as Record<string, any>

// Chunk ids are random per stream: compare transcripts without them.
export const frames = (sse: string): unknown[] =>
  sse.split('\n\n').filter((f) => f !== '').map((f) => {
    expect(f.startsWith('data: ')).toBe(true)
    const data = f.slice(6)
    if (data === '[DONE]') return data
    const { id: _id, created: _created, ...rest } = JSON.parse(data)
    return rest
  })

export function transcode(pieces: Buffer[], c = ctx('anthropic.claude-3-haiku-20240307-v1:0', {}, { stream: true })) {
  const t = sseOf(bedrockDriver.stream(c))
  let out = ''
  for (const p of pieces) out += t.push(p).toString()
  out += t.end().toString()
  return { sse: out, usage: t.usage, text: t.text, finishReason: t.finishReason }
}

/** an OpenAI chunk of the default model, without its id and created (see frames) */
export const chunk = (delta: unknown, finish: string | null = null) => ({
  object: 'chat.completion.chunk', model: 'anthropic.claude-3-haiku-20240307-v1:0', system_fingerprint: null,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
})
