// A native Bedrock Converse request → the OpenAI shape (Kong's kong/llm/adapters/bedrock.lua
// to_kong_req), for checks and analytics; the native body itself is forwarded unchanged.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_RequestSyntax
import type { ChatMessage, ContentPart, LlmRequest, ToolCall } from '../../types.ts'
import { isJsonObject, ownTable } from '../../../../core/safe-merge.ts'

type Json = Record<string, unknown>

interface ConverseBlock {
  text?: string
  image?: { format?: string; source?: { bytes?: string; s3Location?: { uri?: string } } }
  toolUse?: { toolUseId?: string; name?: string; input?: unknown }
  toolResult?: { toolUseId?: string; content?: { json?: unknown; text?: string }[]; status?: string }
}

const ROLES = ownTable<string>({ user: 'user', assistant: 'assistant', tool: 'tool' })

// The model id and operation are the last two path segments: `.../model/{modelId}/{operation}`.
const MODEL_PATH = /\/model\/([^/]+)\/([^/]+)$/

/** The model id (URL-unescaped, as the AWS SDK escapes `:` and `/`) and whether the call streams. */
export function modelAndStream(path: string): { model: string | null; stream: boolean } {
  const m = MODEL_PATH.exec(path)
  if (m === null) return { model: null, stream: false }
  let model = m[1]
  try {
    model = decodeURIComponent(model)
  } catch {
    // a malformed escape is kept as it came, like ngx.unescape_uri does
  }
  return { model, stream: m[2] === 'converse-stream' }
}

function toolResultText(result: NonNullable<ConverseBlock['toolResult']>): string {
  const first: unknown = Array.isArray(result.content) ? result.content[0] : undefined
  if (isJsonObject(first) && first.json !== undefined) return JSON.stringify(first.json)
  if (isJsonObject(first) && typeof first.text === 'string') return first.text
  return JSON.stringify(result.content ?? [])
}

function partOf(block: ConverseBlock): ContentPart | null {
  if (typeof block.text === 'string') return { type: 'text', text: block.text }
  const image = block.image
  if (isJsonObject(image)) {
    const source = isJsonObject(image.source) ? image.source as NonNullable<NonNullable<ConverseBlock['image']>['source']> : undefined
    const s3 = isJsonObject(source?.s3Location) ? source.s3Location : undefined
    const url = source?.bytes !== undefined ? `data:image/${image.format};base64,${source.bytes}` : s3?.uri ?? ''
    return { type: 'image_url', image_url: { url } }
  }
  return null
}

/** One Converse message may hold several tool results: each becomes its own OpenAI `tool` message. */
function messagesOf(msg: { role?: string; content?: ConverseBlock[] }, out: ChatMessage[]): void {
  const role = typeof msg.role === 'string' ? ROLES[msg.role] ?? msg.role : 'user'
  if (!Array.isArray(msg.content)) {
    out.push({ role })
    return
  }
  let parts: ContentPart[] | undefined
  let toolCalls: ToolCall[] | undefined
  // the client's blocks may be anything: what is not an object of the expected shape is ignored
  for (const block of msg.content as unknown[]) {
    if (!isJsonObject(block)) continue
    if (isJsonObject(block.toolResult)) {
      out.push({ role: 'tool', tool_call_id: block.toolResult.toolUseId as string | undefined, content: toolResultText(block.toolResult) })
      continue
    }
    if (isJsonObject(block.toolUse)) {
      const use = block.toolUse as NonNullable<ConverseBlock['toolUse']>
      ;(toolCalls ??= []).push({ id: use.toolUseId ?? '', type: 'function', function: { name: use.name ?? '', arguments: JSON.stringify(use.input ?? {}) } })
      continue
    }
    const part = partOf(block as ConverseBlock)
    if (part !== null) (parts ??= []).push(part)
  }
  if (parts === undefined && toolCalls === undefined) return
  const converted: ChatMessage = { role }
  if (parts !== undefined) converted.content = parts
  if (toolCalls !== undefined) converted.tool_calls = toolCalls
  out.push(converted)
}

function toolsOf(tools: unknown): LlmRequest['tools'] {
  if (!Array.isArray(tools)) return undefined
  const out: NonNullable<LlmRequest['tools']> = []
  for (const tool of tools as { toolSpec?: { name: string; description?: string; inputSchema?: { json?: unknown } } }[]) {
    const spec = tool?.toolSpec
    if (spec === undefined) continue
    const fn: { name: string; description?: string; parameters?: unknown } = { name: spec.name }
    if (spec.description !== undefined) fn.description = spec.description
    if (spec.inputSchema?.json !== undefined) fn.parameters = spec.inputSchema.json
    out.push({ type: 'function', function: fn })
  }
  return out.length > 0 ? out : undefined
}

/** Rerank's `queries[].textQuery.text` or RetrieveAndGenerate's `input.text`, joined, or null. */
function agentQueryOf(native: Json): string | null {
  if (Array.isArray(native.queries)) {
    const texts: string[] = []
    for (const q of native.queries as unknown[]) {
      const t = isJsonObject(q) && isJsonObject(q.textQuery) ? q.textQuery.text : undefined
      if (typeof t === 'string') texts.push(t)
    }
    return texts.length > 0 ? texts.join('\n') : null
  }
  const input = native.input
  return isJsonObject(input) && typeof input.text === 'string' ? input.text : null
}

export function parseConverse(body: unknown, path: string): { request: LlmRequest; model: string | null; stream: boolean } {
  const { model, stream } = modelAndStream(path)
  const native = (body !== null && typeof body === 'object' ? body : {}) as Json
  const request: LlmRequest = { model, stream }

  if (Array.isArray(native.messages) && native.messages.length > 0) {
    const messages: ChatMessage[] = []
    const system = Array.isArray(native.system) ? (native.system as ConverseBlock[]) : []
    const systemParts: ContentPart[] = []
    for (const block of system) if (typeof block?.text === 'string') systemParts.push({ type: 'text', text: block.text })
    if (systemParts.length > 0) messages.push({ role: 'system', content: systemParts })
    for (const msg of native.messages as { role?: string; content?: ConverseBlock[] }[]) messagesOf(msg ?? {}, messages)
    request.messages = messages
  }

  const inference = native.inferenceConfig as { temperature?: number; maxTokens?: number; topP?: number; stopSequences?: string[] } | undefined
  if (inference !== null && typeof inference === 'object') {
    if (inference.temperature !== undefined) request.temperature = inference.temperature
    if (inference.maxTokens !== undefined) request.max_tokens = inference.maxTokens
    if (inference.topP !== undefined) request.top_p = inference.topP
    if (inference.stopSequences !== undefined) request.stop = inference.stopSequences
  }

  const tools = toolsOf((native.toolConfig as { tools?: unknown } | undefined)?.tools)
  if (tools !== undefined) request.tools = tools
  // the agent runtime's calls: what a prompt guard or a cache should see is the query
  if (request.messages === undefined) {
    const text = agentQueryOf(native)
    if (text !== null) request.messages = [{ role: 'user', content: text }]
  }
  return { request, model, stream }
}
