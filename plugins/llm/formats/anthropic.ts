// llm_format `anthropic` (Kong 3.13): Anthropic SDK clients and Claude-style tools talk the
// Messages API (POST /v1/messages) through any provider. With provider anthropic the body and the
// answer (stream included) pass unchanged; otherwise the request becomes an OpenAI one for the
// provider's driver and the OpenAI answer is written back as an Anthropic message or event stream.
// https://docs.anthropic.com/en/api/messages
import type { ClientFormat } from '../types.ts'
import { usageFrom } from '../drivers/anthropic/decode-response.ts'
import { anthropicToOpenAi } from './anthropic/parse-request.ts'
import { openAiToAnthropic } from './anthropic/encode-response.ts'
import { AnthropicStreamEncoder } from './anthropic/stream-encoder.ts'

type Json = Record<string, unknown>

const BATCHES = /\/v1\/messages\/batches(?:\/|$)/

export const anthropicFormat: ClientFormat = {
  id: 'anthropic',

  nativeFor: (provider) => provider === 'anthropic',

  // which batch operations exist is the driver's table (drivers/anthropic.ts); this only says
  // that none of them is a Messages call with a prompt of its own
  promptless: (path) => BATCHES.test(path),

  parseRequest(body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { request: {}, model: null, stream: false }
    const b = body as Json
    return { request: anthropicToOpenAi(b), model: typeof b.model === 'string' ? b.model : null, stream: b.stream === true }
  },

  encodeResponse(openai) {
    return JSON.stringify(openAiToAnthropic(openai))
  },

  streamEncoder: () => new AnthropicStreamEncoder(),

  usageOf(body) {
    if (!body || typeof body !== 'object') return { usage: null, model: null }
    const b = body as Json
    return { usage: usageFrom(b.usage).usage, model: typeof b.model === 'string' ? b.model : null }
  },
}
