// Anthropic Messages request (as Anthropic SDKs and Claude Code send it) → OpenAI chat request.
// Spec: https://docs.anthropic.com/en/api/messages
// Tool results become `tool` messages placed right after the assistant turn that called them, as
// OpenAI requires; cache_control and thinking blocks have no OpenAI equivalent and are dropped.
import type { ChatMessage, ContentPart, LlmRequest, ToolCall } from '../../types.ts'

type Json = Record<string, unknown>

export function anthropicToOpenAi(body: Json): LlmRequest {
  const messages: ChatMessage[] = []
  const system = textOf(body.system)
  if (system !== null) messages.push({ role: 'system', content: system })
  if (Array.isArray(body.messages)) {
    for (const m of body.messages as Json[]) if (m && typeof m === 'object') pushMessage(messages, m)
  }

  const req: LlmRequest = { messages }
  if (typeof body.model === 'string') req.model = body.model
  if (typeof body.max_tokens === 'number') req.max_tokens = body.max_tokens
  if (typeof body.temperature === 'number') req.temperature = body.temperature
  if (typeof body.top_p === 'number') req.top_p = body.top_p
  if (typeof body.top_k === 'number') req.top_k = body.top_k
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) req.stop = body.stop_sequences as string[]
  if (body.stream === true) {
    req.stream = true
    // the Anthropic stream ends with usage in message_delta: ask OpenAI-style upstreams for it
    req.stream_options = { include_usage: true }
  }
  const userId = (body.metadata as Json | undefined)?.user_id
  if (typeof userId === 'string') req.user = userId

  if (Array.isArray(body.tools)) {
    const tools = (body.tools as Json[]).filter((t) => t && typeof t.name === 'string' && t.input_schema).map(toTool)
    if (tools.length > 0) req.tools = tools
  }
  const choice = body.tool_choice as Json | undefined
  if (choice && typeof choice === 'object') {
    if (choice.type === 'any') req.tool_choice = 'required'
    else if (choice.type === 'auto' || choice.type === 'none') req.tool_choice = choice.type
    else if (choice.type === 'tool' && typeof choice.name === 'string') req.tool_choice = { type: 'function', function: { name: choice.name } }
    if (choice.disable_parallel_tool_use === true) req.parallel_tool_calls = false
  }
  return req
}

function pushMessage(out: ChatMessage[], m: Json): void {
  const role = m.role === 'assistant' ? 'assistant' : 'user'
  if (typeof m.content === 'string') { out.push({ role, content: m.content }); return }
  if (!Array.isArray(m.content)) return
  const blocks = m.content as Json[]

  if (role === 'assistant') {
    let text = ''
    let calls: ToolCall[] | undefined
    for (const b of blocks) {
      if (b?.type === 'text' && typeof b.text === 'string') text += b.text
      else if (b?.type === 'tool_use') {
        (calls ??= []).push({ id: String(b.id), type: 'function', function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) } })
      }
    }
    const msg: ChatMessage = { role, content: calls && !text ? null : text }
    if (calls) msg.tool_calls = calls
    out.push(msg)
    return
  }

  const parts: ContentPart[] = []
  for (const b of blocks) {
    if (!b || typeof b !== 'object') continue
    if (b.type === 'tool_result') {
      out.push({ role: 'tool', tool_call_id: String(b.tool_use_id), content: toolResultText(b) })
      continue
    }
    const part = toPart(b)
    if (part) parts.push(part)
  }
  if (parts.length === 0) return
  const only = parts.length === 1 && parts[0]!.type === 'text' ? (parts[0] as { text: string }).text : null
  out.push({ role: 'user', content: only ?? parts })
}

function toPart(b: Json): ContentPart | null {
  if (b.type === 'text' && typeof b.text === 'string') return { type: 'text', text: b.text }
  const source = b.source as Json | undefined
  if (!source || typeof source !== 'object') return null
  const url = source.type === 'base64' ? `data:${String(source.media_type)};base64,${String(source.data)}`
    : source.type === 'url' ? String(source.url) : null
  if (url === null) return null
  if (b.type === 'image') return { type: 'image_url', image_url: { url } }
  if (b.type === 'document' && source.type === 'base64') return { type: 'file', file: { file_data: url } }
  return null
}

/** A tool_result's content (string or text blocks) as the tool message's text. */
function toolResultText(b: Json): string {
  return textOf(b.content) ?? ''
}

function toTool(t: Json): NonNullable<LlmRequest['tools']>[number] {
  const fn: { name: string; description?: string; parameters?: unknown } = { name: t.name as string, parameters: t.input_schema }
  if (typeof t.description === 'string') fn.description = t.description
  return { type: 'function', function: fn }
}

/** A string, or the text of an array of text blocks joined by newlines; null when absent. */
function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (!Array.isArray(v)) return null
  const texts: string[] = []
  for (const b of v as Json[]) if (b?.type === 'text' && typeof b.text === 'string') texts.push(b.text)
  return texts.length > 0 ? texts.join('\n') : null
}
