// OpenAI answers → Gemini GenerateContentResponse, for a `gemini` client served by a provider that
// does not speak Gemini: the JSON answer, and the stream as SSE `data:` events (what Google's
// SDKs ask for with `alt=sse`).
// https://ai.google.dev/api/generate-content#generatecontentresponse
import { ownTable } from '../../../../core/safe-merge.ts'

type Json = Record<string, unknown>

const EMPTY = Buffer.alloc(0)

const FINISH = ownTable<string>({ stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP', function_call: 'STOP', content_filter: 'SAFETY' })

const finishOf = (r: unknown): string | undefined => (typeof r === 'string' ? FINISH[r] ?? 'OTHER' : undefined)

interface OpenAiUsage { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number; completion_tokens_details?: { reasoning_tokens?: number } }
interface OpenAiToolCall { index?: number; id?: string; function?: { name?: string; arguments?: string }; extra_content?: { google?: { thought_signature?: string } } }

function usageMetadata(u: OpenAiUsage | undefined): Json | undefined {
  if (!u || typeof u !== 'object') return undefined
  const prompt = u.prompt_tokens ?? 0
  const completion = u.completion_tokens ?? 0
  const thoughts = u.completion_tokens_details?.reasoning_tokens ?? 0
  const meta: Json = { promptTokenCount: prompt, candidatesTokenCount: completion - thoughts, totalTokenCount: u.total_tokens ?? prompt + completion }
  if (thoughts) meta.thoughtsTokenCount = thoughts
  return meta
}

function args(raw: string | undefined): unknown {
  if (!raw) return {}
  try { return JSON.parse(raw) } catch { return {} }
}

function callPart(call: OpenAiToolCall): Json {
  const part: Json = { functionCall: { name: call.function?.name, args: args(call.function?.arguments) } }
  const sig = call.extra_content?.google?.thought_signature
  if (sig) part.thoughtSignature = sig
  return part
}

export function toGenerateContentResponse(openai: Json): string {
  const candidates = ((openai.choices as Json[] | undefined) ?? []).map((choice, i) => {
    const m = (choice.message ?? {}) as { content?: unknown; reasoning_content?: unknown; tool_calls?: OpenAiToolCall[] }
    const parts: Json[] = []
    if (typeof m.reasoning_content === 'string' && m.reasoning_content !== '') parts.push({ text: m.reasoning_content, thought: true })
    if (typeof m.content === 'string' && m.content !== '') parts.push({ text: m.content })
    else if (typeof choice.text === 'string') parts.push({ text: choice.text })
    for (const call of m.tool_calls ?? []) parts.push(callPart(call))
    const c: Json = { content: { role: 'model', parts }, index: typeof choice.index === 'number' ? choice.index : i }
    const finish = finishOf(choice.finish_reason)
    if (finish) c.finishReason = finish
    return c
  })
  const out: Json = { candidates }
  const meta = usageMetadata(openai.usage as OpenAiUsage | undefined)
  if (meta) out.usageMetadata = meta
  if (typeof openai.model === 'string') out.modelVersion = openai.model
  if (typeof openai.id === 'string') out.responseId = openai.id
  return JSON.stringify(out)
}

/**
 * OpenAI chunks → Gemini stream events. Text goes out as it comes; a tool call's arguments arrive
 * in pieces, so calls are held until the choice finishes; the finishing event is held until the
 * end so that OpenAI's usage (sent after the finish reason) rides on Gemini's last event.
 */
export function createGeminiStreamEncoder(): { push(chunk: Json): Buffer; end(): Buffer } {
  const calls = new Map<number, OpenAiToolCall & { arguments: string }>()
  let finish: string | undefined
  let usage: OpenAiUsage | undefined
  let model: string | undefined
  let id: string | undefined

  const event = (parts: Json[], extra: Json = {}): string => {
    const c: Json = { content: { role: 'model', parts }, index: 0 }
    if (extra.finishReason) c.finishReason = extra.finishReason
    const ev: Json = { candidates: [c] }
    if (extra.usageMetadata) ev.usageMetadata = extra.usageMetadata
    if (model) ev.modelVersion = model
    if (id) ev.responseId = id
    return `data: ${JSON.stringify(ev)}\r\n\r\n`
  }

  return {
    push(chunk) {
      if (typeof chunk.model === 'string') model = chunk.model
      if (typeof chunk.id === 'string') id = chunk.id
      if (chunk.usage) usage = chunk.usage as OpenAiUsage
      const choice = (chunk.choices as Json[] | undefined)?.[0]
      if (!choice) return EMPTY
      const delta = (choice.delta ?? {}) as { content?: unknown; reasoning_content?: unknown; tool_calls?: OpenAiToolCall[] }
      for (const tc of delta.tool_calls ?? []) {
        const at = tc.index ?? 0
        const held = calls.get(at)
        if (held) held.arguments += tc.function?.arguments ?? ''
        else calls.set(at, { ...tc, function: { ...tc.function }, arguments: tc.function?.arguments ?? '' })
      }
      if (choice.finish_reason) finish = finishOf(choice.finish_reason)
      const parts: Json[] = []
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') parts.push({ text: delta.reasoning_content, thought: true })
      const text = typeof delta.content === 'string' ? delta.content : typeof choice.text === 'string' ? choice.text : ''
      if (text !== '') parts.push({ text })
      return parts.length > 0 ? Buffer.from(event(parts)) : EMPTY
    },
    end() {
      const parts = [...calls.values()].map((c) => callPart({ ...c, function: { name: c.function?.name, arguments: c.arguments } }))
      calls.clear()
      return Buffer.from(event(parts, { finishReason: finish ?? 'STOP', usageMetadata: usageMetadata(usage) }))
    },
  }
}
