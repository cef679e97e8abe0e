// OpenAI chat/completions request → Anthropic Messages / legacy Complete request.
// Spec: https://docs.anthropic.com/en/api/messages and https://docs.anthropic.com/en/api/complete
// Kong: kong/llm/drivers/anthropic.lua transformers_to (the later mapping of top_p/top_k/stop and
// of every system message, not only the last one).
import { llmErrors } from '../../errors.ts'
import { withExtraBody } from '../extra-body.ts'
import type { ChatMessage, ContentPart, DriverContext, LlmRequest, ToolCall } from '../../types.ts'

/** The forced tool that carries `response_format.json_schema` (Kong's name, byte for byte). */
export const STRUCTURED_OUTPUT_TOOL = 'kong_inc_to_structured_output'

type Block = Record<string, unknown>
interface AnthropicMessage { role: 'user' | 'assistant'; content: string | Block[] }

/** A conversion the request cannot survive: Kong answers 400 with this message. */
function bad(ctx: DriverContext): never {
  throw llmErrors.badRequest(`error transforming to anthropic://${ctx.route}`)
}

/**
 * The tuning fields as the pipeline merged them (normalize-request: the request's value wins, the
 * plugin's options are defaults); a driver never merges model.options a second time.
 */
function tuning(req: LlmRequest) {
  return {
    max_tokens: req.max_tokens ?? req.max_completion_tokens,
    temperature: req.temperature,
    top_p: req.top_p,
    top_k: req.top_k,
  }
}

export function encodeChatRequest(req: LlmRequest, ctx: DriverContext): Record<string, unknown> {
  if (!Array.isArray(req.messages)) bad(ctx)
  const system: string[] = []
  const messages: AnthropicMessage[] = []
  for (const m of req.messages) {
    if (m.role === 'user' || m.role === 'assistant') messages.push(chatMessage(m, ctx))
    else if (m.role === 'tool') pushToolResult(messages, m)
    else system.push(textOf(m.content))
  }

  const t = tuning(req)
  const body: Record<string, unknown> = { model: ctx.model.name ?? req.model ?? undefined, messages }
  if (system.length > 0) body.system = system.join('\n')
  if (t.max_tokens !== undefined) body.max_tokens = t.max_tokens
  if (t.temperature !== undefined) body.temperature = t.temperature
  if (t.top_p !== undefined) body.top_p = t.top_p
  if (t.top_k !== undefined) body.top_k = t.top_k
  if (req.stop !== undefined && req.stop !== null) body.stop_sequences = typeof req.stop === 'string' ? [req.stop] : req.stop
  body.stream = ctx.stream

  if (Array.isArray(req.tools)) body.tools = req.tools.filter((t) => t?.function).map(toTool)
  const choice = toToolChoice(req.tool_choice)
  if (choice) body.tool_choice = choice
  if (req.parallel_tool_calls === false) {
    body.tool_choice = { ...(body.tool_choice as Block | undefined ?? { type: 'auto' }), disable_parallel_tool_use: true }
  }

  const schema = req.response_format?.json_schema?.schema
  if (typeof req.response_format?.type === 'string' && schema && typeof schema === 'object') {
    // Anthropic has no JSON mode: a forced tool whose input is the answer; decode turns it back into content
    const tools = (body.tools as Block[] | undefined) ?? []
    tools.push({ name: STRUCTURED_OUTPUT_TOOL, description: 'Responds with strict structured output.', input_schema: schema })
    body.tools = tools
    body.tool_choice = { type: 'tool', name: STRUCTURED_OUTPUT_TOOL }
  }

  if (typeof req.user === 'string') body.metadata = { user_id: req.user }
  return withExtraBody(body, req.extra_body)
}

export function encodeCompletionsRequest(req: LlmRequest, ctx: DriverContext): Record<string, unknown> {
  const prompt = Array.isArray(req.prompt) ? req.prompt.join('\n') : req.prompt
  if (typeof prompt !== 'string') bad(ctx)
  const t = tuning(req)
  // Kong's legacy Complete mapping, unchanged: only max_tokens and temperature are carried over
  const body: Record<string, unknown> = {
    model: ctx.model.name ?? req.model ?? undefined,
    prompt: `Human: ${prompt}\n\nAssistant:`,
  }
  if (t.max_tokens !== undefined) body.max_tokens_to_sample = t.max_tokens
  if (t.temperature !== undefined) body.temperature = t.temperature
  body.stream = ctx.stream
  return body
}

function chatMessage(m: ChatMessage, ctx: DriverContext): AnthropicMessage {
  const role = m.role as 'user' | 'assistant'
  const content = typeof m.content === 'string' || m.content == null ? m.content ?? '' : m.content.map((p) => toBlock(p, ctx))
  if (role !== 'assistant' || !Array.isArray(m.tool_calls) || m.tool_calls.length === 0) return { role, content }
  const blocks: Block[] = typeof content === 'string' ? (content ? [{ type: 'text', text: content }] : []) : content
  for (const call of m.tool_calls) blocks.push(toToolUse(call, ctx))
  return { role, content: blocks }
}

function toToolUse(call: ToolCall, ctx: DriverContext): Block {
  const args = call.function?.arguments
  let input: unknown = {}
  if (typeof args === 'string' && args.trim() !== '') {
    try { input = JSON.parse(args) } catch { bad(ctx) }
  } else if (args && typeof args === 'object') {
    input = args
  }
  return { type: 'tool_use', id: call.id, name: call.function?.name, input }
}

/** Consecutive tool answers go into one user turn, as Anthropic expects for parallel tool calls. */
function pushToolResult(messages: AnthropicMessage[], m: ChatMessage): void {
  const content = typeof m.content === 'string' || m.content == null
    ? m.content ?? ''
    : m.content.filter((p) => p.type === 'text').map((p) => ({ type: 'text', text: (p as { text: string }).text }))
  const block: Block = { type: 'tool_result', tool_use_id: m.tool_call_id, content }
  const last = messages[messages.length - 1]
  if (last && last.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result')) {
    last.content.push(block)
  } else {
    messages.push({ role: 'user', content: [block] })
  }
}

function toBlock(part: ContentPart, ctx: DriverContext): Block {
  if (part.type === 'text') return { type: 'text', text: (part as { text: string }).text }
  if (part.type === 'image_url') {
    const img = (part as { image_url?: { url?: string } | string }).image_url
    const url = typeof img === 'string' ? img : img?.url
    if (typeof url !== 'string') bad(ctx)
    const source = dataUriSource(url)
    return { type: 'image', source: source ?? { type: 'url', url } }
  }
  if (part.type === 'file') {
    const data = (part as { file?: { file_data?: string } }).file?.file_data
    const source = typeof data === 'string' ? dataUriSource(data) : null
    if (!source) bad(ctx)
    return { type: 'document', source }
  }
  // already an Anthropic block (image with source, document, tool_result...): forwarded as given
  return part as Block
}

/** `data:<mime>[;params];base64,<data>` → an Anthropic base64 source; null for a plain URL. */
function dataUriSource(url: string): Block | null {
  if (!url.startsWith('data:')) return null
  const comma = url.indexOf(',')
  if (comma < 0) return null
  const header = url.slice(5, comma)
  const semi = header.indexOf(';')
  const mediaType = semi < 0 ? header : header.slice(0, semi)
  const payload = url.slice(comma + 1)
  const data = header.endsWith(';base64') ? payload : Buffer.from(decodeURIComponent(payload)).toString('base64')
  return { type: 'base64', media_type: mediaType || 'text/plain', data }
}

function toTool(t: NonNullable<LlmRequest['tools']>[number]): Block {
  const f = t.function
  const tool: Block = { name: f.name, input_schema: f.parameters ?? { type: 'object', properties: {} } }
  if (f.description !== undefined) tool.description = f.description
  return tool
}

/** OpenAI tool_choice → Anthropic (https://docs.anthropic.com/en/api/messages#body-tool-choice). */
function toToolChoice(choice: unknown): Block | null {
  if (choice === 'required') return { type: 'any' }
  if (choice === 'auto' || choice === 'none') return { type: choice }
  if (choice && typeof choice === 'object') {
    const c = choice as { type?: string; function?: { name?: string } }
    if (c.type === 'function' && c.function?.name) return { type: 'tool', name: c.function.name }
  }
  return null
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let s = ''
  for (const p of content) if (p.type === 'text') s += (p as { text: string }).text
  return s
}
