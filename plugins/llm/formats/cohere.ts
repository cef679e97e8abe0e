// llm_format `cohere` (Kong 3.11): Cohere SDK clients call `/v1/rerank` and `/v2/rerank` (and the
// chat endpoints) through the gateway; with provider cohere the body and the answer pass
// unchanged. The OpenAI-shaped copy (the query, or the chat, as messages) serves checks and
// analytics. Answers from another provider come back as Cohere v2 chat answers / stream events.
// https://docs.cohere.com/reference/rerank  https://docs.cohere.com/reference/chat
// https://docs.cohere.com/reference/chat-stream
import type { ChatMessage, ClientFormat, LlmRequest, TokenUsage } from '../types.ts'
import { ownTable } from '../../../core/safe-merge.ts'

type Json = Record<string, unknown>

const V1_ROLES = ownTable<string>({ USER: 'user', CHATBOT: 'assistant', SYSTEM: 'system', TOOL: 'tool' })

function toOpenAi(b: Json): LlmRequest {
  const req: LlmRequest = {}
  if (Array.isArray(b.messages)) {
    // v2 chat: OpenAI-like messages already
    req.messages = b.messages as ChatMessage[]
  } else if (typeof b.message === 'string') {
    // v1 chat: preamble + chat_history + message
    const messages: ChatMessage[] = []
    if (typeof b.preamble === 'string') messages.push({ role: 'system', content: b.preamble })
    if (Array.isArray(b.chat_history)) {
      for (const h of b.chat_history as Json[]) messages.push({ role: V1_ROLES[h.role as string] ?? 'user', content: h.message as string })
    }
    messages.push({ role: 'user', content: b.message })
    req.messages = messages
  } else if (typeof b.query === 'string') {
    // rerank: the query is what a prompt guard or a cache should see
    req.messages = [{ role: 'user', content: b.query }]
  } else if (typeof b.prompt === 'string') {
    req.prompt = b.prompt
  } else if (Array.isArray(b.texts)) {
    req.input = b.texts
  }
  if (typeof b.max_tokens === 'number') req.max_tokens = b.max_tokens
  if (typeof b.temperature === 'number') req.temperature = b.temperature
  if (typeof b.p === 'number') req.top_p = b.p
  if (typeof b.k === 'number') req.top_k = b.k
  if (b.stream === true) req.stream = true
  return req
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

const FINISH = ownTable<string>({ stop: 'COMPLETE', length: 'MAX_TOKENS', tool_calls: 'TOOL_CALL', content_filter: 'ERROR' })

function cohereUsage(u: Json | undefined): Json {
  const input = num(u?.prompt_tokens)
  const output = num(u?.completion_tokens)
  return { billed_units: { input_tokens: input, output_tokens: output }, tokens: { input_tokens: input, output_tokens: output } }
}

function sse(event: string, data: Json): Buffer {
  return Buffer.from(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`)
}

const EMPTY = Buffer.alloc(0)

export const cohereFormat: ClientFormat = {
  id: 'cohere',

  nativeFor: (provider) => provider === 'cohere',

  parseRequest(body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { request: {}, model: null, stream: false }
    const b = body as Json
    return { request: toOpenAi(b), model: typeof b.model === 'string' ? b.model : null, stream: b.stream === true }
  },

  encodeResponse(openai) {
    const choice = (openai.choices as Json[] | undefined)?.[0] ?? {}
    const message = (choice.message ?? {}) as Json
    const text = typeof message.content === 'string' ? message.content : typeof choice.text === 'string' ? choice.text : ''
    const out: Json = {
      id: openai.id,
      finish_reason: FINISH[choice.finish_reason as string] ?? 'COMPLETE',
      message: { role: 'assistant', content: [{ type: 'text', text }] },
      usage: cohereUsage(openai.usage as Json | undefined),
    }
    if (Array.isArray(message.tool_calls)) (out.message as Json).tool_calls = message.tool_calls
    return JSON.stringify(out)
  },

  streamEncoder() {
    let started = false
    let ended = false
    let finish = 'COMPLETE'
    let usage: Json | undefined
    const start = (id: unknown, out: Buffer[]) => {
      if (started) return
      started = true
      out.push(sse('message-start', { id, delta: { message: { role: 'assistant', content: [] } } }))
      out.push(sse('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }))
    }
    const finishEvents = (out: Buffer[]) => {
      if (ended) return
      ended = true
      out.push(sse('content-end', { index: 0 }))
      out.push(sse('message-end', { delta: { finish_reason: finish, usage: cohereUsage(usage) } }))
    }
    return {
      push(chunk) {
        if (ended) return EMPTY
        const out: Buffer[] = []
        if (chunk.usage && typeof chunk.usage === 'object') usage = chunk.usage as Json
        const choice = (chunk.choices as Json[] | undefined)?.[0]
        if (!choice) return EMPTY
        start(chunk.id, out)
        const delta = (choice.delta ?? {}) as Json
        const text = typeof delta.content === 'string' ? delta.content : typeof choice.text === 'string' ? choice.text : ''
        if (text) out.push(sse('content-delta', { index: 0, delta: { message: { content: { text } } } }))
        if (typeof choice.finish_reason === 'string') finish = FINISH[choice.finish_reason] ?? 'COMPLETE'
        return out.length === 0 ? EMPTY : Buffer.concat(out)
      },
      end() {
        const out: Buffer[] = []
        start(undefined, out)
        finishEvents(out)
        return Buffer.concat(out)
      },
    }
  },

  usageOf(body) {
    if (!body || typeof body !== 'object') return { usage: null, model: null }
    const b = body as Json
    // v1 answers carry meta.billed_units, v2 answers usage.billed_units; rerank bills search units only
    const billed = ((b.meta as Json | undefined)?.billed_units ?? (b.usage as Json | undefined)?.billed_units) as Json | undefined
    if (!billed || (billed.input_tokens === undefined && billed.output_tokens === undefined)) return { usage: null, model: null }
    const usage: TokenUsage = { prompt_tokens: num(billed.input_tokens), completion_tokens: num(billed.output_tokens), total_tokens: 0 }
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens
    return { usage, model: null }
  },
}
