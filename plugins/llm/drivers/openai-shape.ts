// What every OpenAI-compatible driver shares: request tweaks (top_k is not an OpenAI parameter;
// the reasoning families take max_completion_tokens), the 200 answer passed through after a
// shape check, and the passthrough stream transcoder.
// Spec: https://platform.openai.com/docs/api-reference/chat/create
import { llmError } from '../errors.ts'
import type { ChatMessage, DecodedResponse, DriverContext, LlmRequest, ProviderId, StreamTranscoder, TokenUsage } from '../types.ts'
import { OpenAiPassthroughTranscoder } from '../transcoders/openai-passthrough.ts'

/** o1/o3/o4/gpt-5 reject max_tokens (Kong 3.13 maps it) */
const REASONING = /^(o1|o3|o4|gpt-5)/

/** The request for an OpenAI-compatible upstream; null when nothing needs to change. */
export function encodeOpenAi(req: LlmRequest, drop: readonly string[] = []): string | null {
  let out: LlmRequest | null = null
  const copy = (): LlmRequest => (out ??= { ...req })
  if (req.top_k !== undefined) delete copy().top_k
  for (const k of drop) if (req[k] !== undefined) delete copy()[k]
  if (req.max_tokens !== undefined && typeof req.model === 'string' && REASONING.test(req.model) && req.max_completion_tokens === undefined) {
    const o = copy()
    o.max_completion_tokens = o.max_tokens
    delete o.max_tokens
  }
  return out === null ? null : JSON.stringify(out)
}

function usageOf(u: unknown): TokenUsage | null {
  if (u === null || typeof u !== 'object') return null
  const r = u as Record<string, unknown>
  const prompt = typeof r.prompt_tokens === 'number' ? r.prompt_tokens : 0
  const completion = typeof r.completion_tokens === 'number' ? r.completion_tokens : 0
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: typeof r.total_tokens === 'number' ? r.total_tokens : prompt + completion }
}

/** A 200 answer: unchanged, after Kong's check that a chat/completions answer has `choices`. */
export function decodeOpenAi(id: ProviderId, body: Buffer, ctx: DriverContext): DecodedResponse {
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>
  } catch {
    throw llmError(500, `transformation failed from type ${id}://${ctx.route}: failed to decode response body`)
  }
  if ((ctx.route === 'llm/v1/chat' || ctx.route === 'llm/v1/completions') && (parsed === null || typeof parsed !== 'object' || !('choices' in parsed))) {
    throw llmError(500, `transformation failed from type ${id}://${ctx.route}: 'choices' not in ${ctx.route} response`)
  }
  return { body: null, usage: usageOf(parsed?.usage), model: typeof parsed?.model === 'string' ? parsed.model : null, parsed }
}

export function openAiStream(): StreamTranscoder {
  return new OpenAiPassthroughTranscoder()
}

/** OpenAI message content (a string or parts) as plain text: the text parts joined, others dropped. */
export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let s = ''
  for (const p of content) if (p.type === 'text' && typeof p.text === 'string') s += p.text
  return s
}
