// OpenAI chat.completion → Anthropic Messages answer.
// Spec: https://docs.anthropic.com/en/api/messages (response body)
import { toStopReason } from '../../drivers/anthropic/stop-reasons.ts'

type Json = Record<string, unknown>

export function openAiToAnthropic(o: Json): Json {
  const choice = Array.isArray(o.choices) ? (o.choices[0] as Json | undefined) : undefined
  if (!choice && o.error) return anthropicError(o.error)
  const message = (choice?.message as Json | undefined) ?? {}
  const content: Json[] = []
  const text = typeof message.content === 'string' ? message.content
    : Array.isArray(message.content) ? partsText(message.content as Json[])
    : typeof choice?.text === 'string' ? choice.text : ''
  if (text) content.push({ type: 'text', text })
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls as Json[]) {
      const fn = call?.function as Json | undefined
      if (!fn) continue
      content.push({ type: 'tool_use', id: call.id, name: fn.name, input: parseArguments(fn.arguments) })
    }
  }
  // some providers say "stop" after tool calls: the Anthropic client must see tool_use to run them
  const toolUse = content.length > 0 && content[content.length - 1]!.type === 'tool_use'
  return {
    id: typeof o.id === 'string' ? o.id : 'msg_gateway',
    type: 'message',
    role: 'assistant',
    model: o.model,
    content,
    stop_reason: toolUse ? 'tool_use' : toStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(o.usage),
  }
}

/** OpenAI usage → Anthropic usage; cached prompt tokens are Anthropic's cache reads. */
export function anthropicUsage(u: unknown): Json {
  const usage = u && typeof u === 'object' ? (u as Json) : {}
  const prompt = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0
  const output = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0
  const cached = (usage.prompt_tokens_details as Json | undefined)?.cached_tokens
  if (typeof cached === 'number' && cached > 0) {
    return { input_tokens: prompt - cached, cache_read_input_tokens: cached, output_tokens: output }
  }
  return { input_tokens: prompt, output_tokens: output }
}

export function anthropicError(error: unknown): Json {
  const e = error && typeof error === 'object' ? (error as Json) : {}
  const message = typeof e.message === 'string' ? e.message : typeof error === 'string' ? error : 'upstream error'
  return { type: 'error', error: { type: typeof e.type === 'string' ? e.type : 'api_error', message } }
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string') return args ?? {}
  if (args.trim() === '') return {}
  try { return JSON.parse(args) } catch { return {} }
}

function partsText(parts: Json[]): string {
  let s = ''
  for (const p of parts) if (p?.type === 'text' && typeof p.text === 'string') s += p.text
  return s
}
