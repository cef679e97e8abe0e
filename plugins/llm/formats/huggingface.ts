// llm_format `huggingface` (Kong 3.11): Text Generation Inference clients (huggingface_hub
// InferenceClient, TGI's own client) call `/generate` and `/generate_stream` through the gateway;
// with provider huggingface the body and the answer pass unchanged. The OpenAI-shaped copy (the
// `inputs` text as a user message) serves checks and analytics.
// https://huggingface.github.io/text-generation-inference/#/Text%20Generation%20Inference/generate
import type { ClientFormat, LlmRequest, TokenUsage } from '../types.ts'
import { ownTable } from '../../../core/safe-merge.ts'

type Json = Record<string, unknown>

const STREAM_PATH = /\/generate_stream\/?$/
const MODEL_IN_PATH = /\/models\/(.+?)(?:\/generate(?:_stream)?)?\/?$/

function toOpenAi(b: Json): LlmRequest {
  const req: LlmRequest = {}
  // the native route type is llm/v1/chat (Kong's rule for native formats): the text is the user turn
  if (typeof b.inputs === 'string') req.messages = [{ role: 'user', content: b.inputs }]
  const p = (b.parameters ?? {}) as Json
  if (typeof p.max_new_tokens === 'number') req.max_tokens = p.max_new_tokens
  if (typeof p.temperature === 'number') req.temperature = p.temperature
  if (typeof p.top_p === 'number') req.top_p = p.top_p
  if (typeof p.top_k === 'number') req.top_k = p.top_k
  if (Array.isArray(p.stop)) req.stop = p.stop as string[]
  return req
}

const FINISH = ownTable<string>({ stop: 'eos_token', length: 'length' })

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

const EMPTY = Buffer.alloc(0)

export const huggingfaceFormat: ClientFormat = {
  id: 'huggingface',

  nativeFor: (provider) => provider === 'huggingface',

  parseRequest(body, path) {
    const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Json
    const model = typeof b.model === 'string' ? b.model : MODEL_IN_PATH.exec(path)?.[1] ?? null
    return { request: toOpenAi(b), model, stream: STREAM_PATH.test(path) || b.stream === true }
  },

  encodeResponse(openai) {
    const choice = (openai.choices as Json[] | undefined)?.[0] ?? {}
    const message = (choice.message ?? {}) as Json
    const text = typeof message.content === 'string' ? message.content : typeof choice.text === 'string' ? choice.text : ''
    const usage = (openai.usage ?? {}) as Json
    return JSON.stringify({
      generated_text: text,
      details: { finish_reason: FINISH[choice.finish_reason as string] ?? 'eos_token', generated_tokens: num(usage.completion_tokens) },
    })
  },

  streamEncoder() {
    let index = 0
    let text = ''
    let finish = 'eos_token'
    let ended = false
    let completion: number | null = null
    const event = (token: string, last: boolean): Buffer => Buffer.from(`data: ${JSON.stringify({
      index: ++index,
      token: { id: 0, text: token, logprob: 0, special: last && token === '' },
      generated_text: last ? text : null,
      details: last ? { finish_reason: finish, generated_tokens: completion ?? index } : null,
    })}\n\n`)
    return {
      push(chunk) {
        if (ended) return EMPTY
        const usage = chunk.usage as Json | undefined
        if (usage && typeof usage === 'object') completion = num(usage.completion_tokens)
        const choice = (chunk.choices as Json[] | undefined)?.[0]
        if (!choice) return EMPTY
        if (typeof choice.finish_reason === 'string') finish = FINISH[choice.finish_reason] ?? choice.finish_reason
        const delta = (choice.delta ?? {}) as Json
        const piece = typeof delta.content === 'string' ? delta.content : typeof choice.text === 'string' ? choice.text : ''
        if (!piece) return EMPTY
        text += piece
        return event(piece, false)
      },
      end() {
        if (ended) return EMPTY
        ended = true
        // TGI's last event repeats the whole text and carries the details
        return event('', true)
      },
    }
  },

  usageOf(body) {
    const b = (Array.isArray(body) ? body[0] : body) as Json | undefined
    if (!b || typeof b !== 'object') return { usage: null, model: null }
    const model = typeof b.model === 'string' ? b.model : null
    if (b.usage && typeof b.usage === 'object') {
      const u = b.usage as Json
      const usage: TokenUsage = { prompt_tokens: num(u.prompt_tokens), completion_tokens: num(u.completion_tokens), total_tokens: num(u.total_tokens) }
      return { usage, model }
    }
    const details = b.details as Json | undefined
    if (!details || typeof details !== 'object') return { usage: null, model }
    const completion = num(details.generated_tokens)
    const prompt = Array.isArray(details.prefill) ? details.prefill.length : 0
    return { usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }, model }
  },
}
