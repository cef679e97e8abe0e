// A hit answered by the gateway (Kong's serve-response filter): the cached OpenAI answer, its id
// the entry's key, in the client's format (ai-proxy's llm_format: OpenAI, or the format's encoder)
// and as a stream when the request streams: one chunk with the whole answer, one with the finish
// reason (the usage chunk too when stream_options.include_usage asks), then the end of stream.
import type { ClientFormat, TokenUsage } from '../llm/types.ts'
import { SSE_DONE } from '../llm/transcoders/sse.ts'

type Json = Record<string, unknown>

export interface HitAnswer {
  readonly body: Buffer
  readonly contentType: string
  readonly usage: TokenUsage | null
  readonly model: string | null
}

const own = (o: unknown, k: string): unknown =>
  o !== null && typeof o === 'object' ? Object.getOwnPropertyDescriptor(o, k)?.value : undefined

function usageOf(v: unknown): TokenUsage | null {
  const p = own(v, 'prompt_tokens'), c = own(v, 'completion_tokens'), t = own(v, 'total_tokens')
  if (typeof p !== 'number' || typeof c !== 'number') return null
  return { prompt_tokens: p, completion_tokens: c, total_tokens: typeof t === 'number' ? t : p + c }
}

/** The stream chunks of a cached answer (OpenAI chunk objects). */
function chunksOf(answer: Json, key: string, includeUsage: boolean): Json[] {
  const choice = own(own(answer, 'choices'), '0')
  const message = own(choice, 'message')
  const content = own(message, 'content')
  const toolCalls = own(message, 'tool_calls')
  const base = { id: key, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: own(answer, 'model') ?? null }
  const delta: Json = { role: 'assistant', content: typeof content === 'string' ? content : null }
  if (Array.isArray(toolCalls)) delta.tool_calls = toolCalls.map((t, index) => ({ index, ...(t as Json) }))
  const out: Json[] = [
    { ...base, choices: [{ index: 0, delta, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: own(choice, 'finish_reason') ?? 'stop' }] },
  ]
  const usage = own(answer, 'usage')
  if (includeUsage && usage !== undefined) out.push({ ...base, choices: [], usage })
  return out
}

/**
 * The response for a cached answer (JSON text of an OpenAI chat.completion); null when the stored
 * text is not one (it is then treated as a miss).
 */
export function hitAnswer(stored: string, key: string, stream: boolean, includeUsage: boolean, format: ClientFormat | null): HitAnswer | null {
  let parsed: unknown
  try { parsed = JSON.parse(stored) } catch { return null }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Array.isArray(own(parsed, 'choices'))) return null
  const answer: Json = { ...(parsed as Json), id: key }
  const usage = usageOf(own(answer, 'usage'))
  const model = typeof answer.model === 'string' ? answer.model : null
  if (!stream) {
    const body = format === null ? JSON.stringify(answer) : format.encodeResponse(answer)
    return { body: Buffer.from(body), contentType: 'application/json; charset=utf-8', usage, model }
  }
  const chunks = chunksOf(answer, key, includeUsage && format === null)
  let body: Buffer
  if (format === null) {
    body = Buffer.concat([Buffer.from(chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')), SSE_DONE])
  } else {
    const enc = format.streamEncoder()
    body = Buffer.concat([...chunks.map((c) => enc.push(c)), enc.end()])
  }
  return { body, contentType: 'text/event-stream', usage, model }
}
