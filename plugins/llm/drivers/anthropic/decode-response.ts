// Anthropic Messages / Complete answer → OpenAI chat.completion / text_completion.
// Spec: https://docs.anthropic.com/en/api/messages (response), Kong: anthropic.lua transformers_from.
import { llmErrors } from '../../errors.ts'
import type { DecodedResponse, DriverContext, TokenUsage, ToolCall } from '../../types.ts'
import { STRUCTURED_OUTPUT_TOOL } from './encode-request.ts'
import { toFinishReason } from './stop-reasons.ts'
import { nonNegative, withDetails } from '../../pipeline/usage-details.ts'

const NO_USAGE = 'no usage data returned from upstream'

interface AnthropicUsage {
  input_tokens?: unknown
  output_tokens?: unknown
  cache_creation_input_tokens?: unknown
  cache_read_input_tokens?: unknown
  /** per cache TTL: ephemeral_5m_input_tokens, ephemeral_1h_input_tokens */
  cache_creation?: unknown
  service_tier?: unknown
}

function failed(ctx: DriverContext, reason: string): never {
  throw llmErrors.failed(`transformation failed from type anthropic://${ctx.route}: ${reason}`)
}

function parse(body: Buffer, ctx: DriverContext): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'))
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
  } catch { /* reported below with Kong's wording */ }
  return failed(ctx, 'failed to decode anthropic response')
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/**
 * Kong's usage shapes: no `usage` at all → the string NO_USAGE; a usage object without token
 * counts → `{}`. Cache reads and writes are prompt tokens (Kong 3.14.0.8), as OpenAI counts them.
 */
export function usageFrom(raw: unknown): { field: unknown; usage: TokenUsage | null } {
  if (!raw || typeof raw !== 'object') return { field: NO_USAGE, usage: null }
  const u = raw as AnthropicUsage
  const input = num(u.input_tokens)
  const output = num(u.output_tokens)
  const cacheRead = num(u.cache_read_input_tokens)
  const prompt = input === undefined ? undefined : input + (num(u.cache_creation_input_tokens) ?? 0) + (cacheRead ?? 0)
  const field: Record<string, unknown> = {}
  if (prompt !== undefined) field.prompt_tokens = prompt
  if (output !== undefined) field.completion_tokens = output
  if (prompt === undefined || output === undefined) return { field, usage: null }
  field.total_tokens = prompt + output
  if (cacheRead) field.prompt_tokens_details = { cached_tokens: cacheRead }
  const usage = { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output }
  return { field, usage: withDetails(usage, cacheDetails(u)) }
}

/** Cache reads, writes (per TTL when Anthropic says) and service tier, for Kong 3.14's cost fields. */
function cacheDetails(u: AnthropicUsage): Parameters<typeof withDetails>[1] {
  const byTtl: [string, number][] = []
  const c = u.cache_creation
  if (c !== null && typeof c === 'object') {
    const m5 = nonNegative((c as Record<string, unknown>).ephemeral_5m_input_tokens)
    const h1 = nonNegative((c as Record<string, unknown>).ephemeral_1h_input_tokens)
    if (m5 > 0) byTtl.push(['5m', m5])
    if (h1 > 0) byTtl.push(['1h', h1])
  }
  return {
    cacheRead: nonNegative(u.cache_read_input_tokens),
    cacheWrite: nonNegative(u.cache_creation_input_tokens),
    cacheWriteByTtl: byTtl,
    serviceTier: typeof u.service_tier === 'string' ? u.service_tier : null,
    promptIncludesCache: true,
  }
}

export function decodeChatResponse(body: Buffer, ctx: DriverContext): DecodedResponse {
  const res = parse(body, ctx)
  if (!Array.isArray(res.content)) failed(ctx, "'content' not in anthropic://llm/v1/chat response")

  const texts: string[] = []
  let reasoning = ''
  let toolCalls: ToolCall[] | null = null
  let structured: string | null = null
  for (const block of res.content as Record<string, unknown>[]) {
    if (!block || typeof block !== 'object') continue
    if (block.type === 'tool_use') {
      const args = JSON.stringify(block.input ?? {})
      if (block.name === STRUCTURED_OUTPUT_TOOL) { structured = args; continue }
      ;(toolCalls ??= []).push({ id: block.id as string, type: 'function', function: { name: block.name as string, arguments: args } })
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reasoning += block.thinking
    } else if (typeof block.text === 'string') {
      texts.push(block.text)
    }
  }

  // the structured-output tool's input is the answer itself (Kong convert_structured_output_tool)
  const content = structured ?? (texts.length > 0 || !toolCalls ? texts.join('\n') : null)
  const message: Record<string, unknown> = { role: 'assistant', content }
  if (reasoning) message.reasoning_content = reasoning
  if (toolCalls) message.tool_calls = toolCalls
  const finish = structured !== null ? 'stop' : toFinishReason(res.stop_reason)

  const { field, usage } = usageFrom(res.usage)
  const model = typeof res.model === 'string' ? res.model : null
  const out: Record<string, unknown> = {}
  if (typeof res.id === 'string') out.id = res.id
  out.object = 'chat.completion'
  out.created = Math.floor(Date.now() / 1000)
  out.model = model ?? ctx.model.name
  out.choices = [{ index: 0, message, finish_reason: finish }]
  out.usage = field
  return { body: JSON.stringify(out), usage, model, parsed: out }
}

export function decodeCompletionsResponse(body: Buffer, ctx: DriverContext): DecodedResponse {
  const res = parse(body, ctx)
  // Kong's message names the chat route here too
  if (typeof res.completion !== 'string') failed(ctx, "'completion' not in anthropic://llm/v1/chat response")
  const model = typeof res.model === 'string' ? res.model : null
  const out = {
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: model ?? ctx.model.name,
    choices: [{ index: 0, text: res.completion, finish_reason: toFinishReason(res.stop_reason) }],
  }
  return { body: JSON.stringify(out), usage: null, model, parsed: out }
}
