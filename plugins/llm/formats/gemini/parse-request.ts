// A native Gemini generateContent request → the OpenAI shape (Kong's kong/llm/adapters/gemini.lua
// to_kong_req), for checks, analytics and conversion to providers that do not speak Gemini. The
// native body itself goes upstream unchanged to provider gemini. Google's SDKs send camelCase,
// REST examples snake_case; both are read, and `contents`/`parts` may be one object or a list.
// https://ai.google.dev/api/generate-content#request-body
import type { ChatMessage, ContentPart, LlmRequest, ToolCall } from '../../types.ts'
import { ownTable } from '../../../../core/safe-merge.ts'
import { builtinTool } from '../../drivers/gemini/builtin-tools.ts'

type Json = Record<string, unknown>

interface GeminiPart {
  text?: string
  thought?: boolean
  inlineData?: { mimeType?: string; data?: string }
  inline_data?: { mime_type?: string; data?: string }
  fileData?: { fileUri?: string }
  file_data?: { file_uri?: string }
  functionCall?: { name?: string; args?: unknown; id?: string }
  function_call?: { name?: string; args?: unknown; id?: string }
  functionResponse?: { name?: string; response?: Json; id?: string }
  function_response?: { name?: string; response?: Json; id?: string }
  thoughtSignature?: string
}

const ROLES = ownTable<string>({ user: 'user', human: 'user', model: 'assistant', assistant: 'assistant', function: 'tool', tool: 'tool' })

// `.../models/{model}:{operation}`, the model URL-escaped by some clients
const MODEL_PATH = /\/models\/([^/:]+):([^/:]+)$/

export function modelAndStream(path: string): { model: string | null; stream: boolean } {
  const m = MODEL_PATH.exec(path)
  if (m === null) return { model: null, stream: false }
  let model = m[1]
  try { model = decodeURIComponent(model) } catch { /* kept as it came */ }
  return { model, stream: m[2] === 'streamGenerateContent' }
}

const list = <T>(v: T | T[] | undefined | null): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v])

/** Calls get ids here (Gemini has none before 2.5); a response takes the oldest open call of its name. */
class CallIds {
  private n = 0
  private open = new Map<string, string[]>()
  issue(name: string, id: string | undefined): string {
    const callId = id ?? `call_${++this.n}`
    const q = this.open.get(name)
    if (q) q.push(callId)
    else this.open.set(name, [callId])
    return callId
  }
  answer(name: string, id: string | undefined): string | undefined {
    const q = this.open.get(name)
    if (id !== undefined) {
      if (q) { const at = q.indexOf(id); if (at >= 0) q.splice(at, 1) }
      return id
    }
    return q?.shift()
  }
}

function partOf(p: GeminiPart): ContentPart | null {
  if (typeof p.text === 'string') return p.thought ? null : { type: 'text', text: p.text }
  const inline = p.inlineData ?? p.inline_data
  if (inline) {
    const mime = (inline as { mimeType?: string }).mimeType ?? (inline as { mime_type?: string }).mime_type
    return { type: 'image_url', image_url: { url: `data:${mime};base64,${inline.data}` } }
  }
  const file = p.fileData ?? p.file_data
  if (file) return { type: 'image_url', image_url: { url: (file as { fileUri?: string }).fileUri ?? (file as { file_uri?: string }).file_uri ?? '' } }
  return null
}

function messagesOf(content: Json, ids: CallIds, out: ChatMessage[]): void {
  const role = typeof content.role === 'string' ? ROLES[content.role] ?? content.role : 'user'
  let parts: ContentPart[] | undefined
  let calls: ToolCall[] | undefined
  for (const p of list(content.parts as GeminiPart | GeminiPart[])) {
    if (p === null || typeof p !== 'object') continue
    const call = p.functionCall ?? p.function_call
    if (call) {
      const name = call.name ?? ''
      const tc: ToolCall = { id: ids.issue(name, call.id), type: 'function', function: { name, arguments: JSON.stringify(call.args ?? {}) } }
      if (p.thoughtSignature) (tc as ToolCall & Json).extra_content = { google: { thought_signature: p.thoughtSignature } }
      ;(calls ??= []).push(tc)
      continue
    }
    const res = p.functionResponse ?? p.function_response
    if (res) {
      const name = res.name ?? ''
      const body = res.response?.content ?? res.response ?? null
      const msg: ChatMessage = { role: 'tool', content: typeof body === 'string' ? body : JSON.stringify(body) }
      const id = ids.answer(name, res.id)
      if (id !== undefined) msg.tool_call_id = id
      out.push(msg)
      continue
    }
    const part = partOf(p)
    if (part) (parts ??= []).push(part)
  }
  if (parts === undefined && calls === undefined) return
  const msg: ChatMessage = { role: role === 'tool' ? 'user' : role }
  if (parts !== undefined) msg.content = parts
  if (calls !== undefined) msg.tool_calls = calls
  out.push(msg)
}

function systemOf(si: unknown): ChatMessage | null {
  if (typeof si === 'string') return { role: 'system', content: [{ type: 'text', text: si }] }
  if (si === null || typeof si !== 'object') return null
  const texts: ContentPart[] = []
  for (const p of list((si as { parts?: GeminiPart | GeminiPart[] }).parts)) if (typeof p?.text === 'string') texts.push({ type: 'text', text: p.text })
  return texts.length > 0 ? { role: 'system', content: texts } : null
}

function toolsOf(tools: unknown): LlmRequest['tools'] {
  const out: NonNullable<LlmRequest['tools']> = []
  for (const t of list(tools as Json | Json[])) {
    const decls = (t?.functionDeclarations ?? t?.function_declarations) as { name: string; description?: string; parameters?: unknown }[] | undefined
    for (const d of list(decls)) if (d && typeof d.name === 'string') out.push({ type: 'function', function: d })
    // built-in tools stay in the OpenAI-shaped copy in Gemini's spelling (the encoder reads it back)
    const b = builtinTool(t)
    if (b !== null) out.push(b as never)
  }
  return out.length > 0 ? out : undefined
}

function toolChoiceOf(cfg: unknown): unknown {
  const c = (cfg as { functionCallingConfig?: Json; function_calling_config?: Json } | null)
  const f = c?.functionCallingConfig ?? c?.function_calling_config
  const mode = typeof f?.mode === 'string' ? f.mode.toUpperCase() : undefined
  const allowed = (f?.allowedFunctionNames ?? f?.allowed_function_names) as string[] | undefined
  if (mode === 'AUTO') return 'auto'
  if (mode === 'NONE') return 'none'
  if (mode === 'ANY') return allowed?.length === 1 ? { type: 'function', function: { name: allowed[0] } } : 'required'
  return undefined
}

export function parseGenerateContent(body: unknown, path: string): { request: LlmRequest; model: string | null; stream: boolean } {
  const { model, stream } = modelAndStream(path)
  const native = (body !== null && typeof body === 'object' ? body : {}) as Json
  const request: LlmRequest = { model, stream }

  const ids = new CallIds()
  const messages: ChatMessage[] = []
  const system = systemOf(native.systemInstruction ?? native.system_instruction)
  if (system) messages.push(system)
  for (const c of list(native.contents as Json | Json[])) if (c && typeof c === 'object') messagesOf(c, ids, messages)
  if (messages.length > 0) request.messages = messages

  const g = (native.generationConfig ?? native.generation_config) as Json | undefined
  if (g && typeof g === 'object') {
    const pick = (camel: string, snake: string) => g[camel] ?? g[snake]
    const set = (k: string, v: unknown) => { if (v !== undefined && v !== null) request[k] = v }
    set('temperature', g.temperature)
    set('max_tokens', pick('maxOutputTokens', 'max_output_tokens'))
    set('top_p', pick('topP', 'top_p'))
    set('top_k', pick('topK', 'top_k'))
    set('stop', pick('stopSequences', 'stop_sequences'))
    const schema = pick('responseJsonSchema', 'response_json_schema') ?? pick('responseSchema', 'response_schema')
    if (schema && typeof schema === 'object') request.response_format = { type: 'json_schema', json_schema: { name: 'response', schema } }
    else if (pick('responseMimeType', 'response_mime_type') === 'application/json') request.response_format = { type: 'json_object' }
  }

  const tools = toolsOf(native.tools)
  if (tools) request.tools = tools
  const choice = toolChoiceOf(native.toolConfig ?? native.tool_config)
  if (choice !== undefined) request.tool_choice = choice
  return { request, model, stream }
}
