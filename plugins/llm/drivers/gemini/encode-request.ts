// OpenAI-shaped request → Gemini generateContent / batchEmbedContents / Vertex predict bodies.
// Spec: https://ai.google.dev/api/generate-content#request-body and
// https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
// Conversion errors are returned as Kong's detail strings; the driver wraps them in
// `error transforming to gemini://<route>: <detail>`.
import type { ChatMessage, ContentPart, LlmRequest, ModelOptions, ToolCall } from '../../types.ts'
import { isUnsafeKey, mergeJson, nullObject } from '../../../../core/safe-merge.ts'
import { withExtraBody } from '../extra-body.ts'
import { builtinTool } from './builtin-tools.ts'

export type Json = Record<string, unknown>
export class ConversionError extends Error {}

/** Keys that belong in generationConfig when a client puts them at the top of `extra_body`. */
const GENERATION_CONFIG_KEYS = new Set([
  'thinkingConfig', 'imageConfig', 'speechConfig', 'responseModalities', 'mediaResolution', 'candidateCount',
  'seed', 'presencePenalty', 'frequencyPenalty', 'responseLogprobs', 'logprobs', 'responseMimeType',
  'responseSchema', 'responseJsonSchema', 'stopSequences', 'maxOutputTokens', 'temperature', 'topP', 'topK',
  'enableEnhancedCivicAnswers', 'thinking_config', 'image_config',
])

/** Native Gemini fields an OpenAI-shaped body may carry and that go through as they are (Kong 3.14). */
const PASSTHROUGH_KEYS = ['safetySettings', 'safety_settings', 'cachedContent', 'cached_content', 'labels', 'tool_config', 'toolConfig']

const DATA_URI = /^data:([^;,]+)(?:;[^,]*)?,(.*)$/s

export function toGeminiPart(part: ContentPart): Json {
  if (part.type === 'text') {
    if (typeof (part as { text?: unknown }).text !== 'string') throw new ConversionError("message part type is 'text' but is missing .text block")
    return { text: (part as { text: string }).text }
  }
  if (part.type === 'image_url') {
    const img = (part as { image_url?: unknown }).image_url
    const url = typeof img === 'object' && img !== null ? (img as { url?: unknown }).url : undefined
    if (typeof url !== 'string') throw new ConversionError("message part type is 'image_url' but is missing .image_url.url block")
    const m = url.startsWith('data:') ? DATA_URI.exec(url) : null
    if (m) return { inlineData: { mimeType: m[1], data: m[2] } }
    return { fileData: { fileUri: url, mimeType: 'image/generic' } }
  }
  if (part.type === 'input_audio') {
    const audio = (part as { input_audio?: { data?: string; format?: string } }).input_audio
    if (audio && typeof audio.data === 'string') return { inlineData: { mimeType: `audio/${audio.format ?? 'wav'}`, data: audio.data } }
  }
  if (part.type === 'file') {
    const file = (part as { file?: { file_data?: string; file_id?: string } }).file
    const m = typeof file?.file_data === 'string' ? DATA_URI.exec(file.file_data) : null
    if (m) return { inlineData: { mimeType: m[1], data: m[2] } }
    if (typeof file?.file_id === 'string') return { fileData: { fileUri: file.file_id } }
  }
  throw new ConversionError(`cannot transform part of type '${String(part.type)}' to Gemini format`)
}

function contentParts(content: ChatMessage['content']): Json[] {
  if (typeof content === 'string') return [{ text: content }]
  if (Array.isArray(content)) return content.map(toGeminiPart)
  return []
}

function functionCallPart(call: ToolCall): Json {
  let args: unknown = {}
  const raw = call.function?.arguments
  if (typeof raw === 'string' && raw.trim() !== '') {
    try { args = JSON.parse(raw) } catch { throw new ConversionError("failed to decode function response arguments from assistant's message, not JSON format") }
  } else if (raw && typeof raw === 'object') args = raw
  const part: Json = { functionCall: { name: call.function?.name, args } }
  // Gemini 3 wants its thought signature back on the call it produced; we hand it out in the
  // same place as Google's own OpenAI-compatible endpoint.
  const sig = (call as { extra_content?: { google?: { thought_signature?: string } } }).extra_content?.google?.thought_signature
  if (typeof sig === 'string') part.thoughtSignature = sig
  return part
}

function toolResponse(content: ChatMessage['content']): Json {
  if (content === undefined || content === null) return { result: true }
  const text = typeof content === 'string' ? content
    : content.map((p) => (p.type === 'text' ? String((p as { text?: string }).text ?? '') : '')).join('')
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json
  } catch { /* a plain string result */ }
  return { result: text }
}

/** The tool name for a tool result: from the tool_calls of the assistant message before it. */
function calledName(messages: ChatMessage[], i: number, id: string | undefined): string {
  for (let j = i - 1; j >= 0; j--) {
    const m = messages[j]
    if (m.role === 'tool') continue
    for (const call of m.tool_calls ?? []) if (call.id === id) return call.function.name
    break
  }
  if (typeof messages[i].name === 'string') return messages[i].name as string
  throw new ConversionError('tool result message content does not match expected OpenAI format')
}

export function toContents(messages: ChatMessage[], model: string | undefined): { contents: Json[]; systemInstruction?: Json } {
  const contents: Json[] = []
  const system: Json[] = []
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]
    if (m.role === 'system' || m.role === 'developer') {
      for (const p of contentParts(m.content)) if (typeof p.text === 'string') system.push(p)
      continue
    }
    if (m.role === 'tool') {
      const part = { functionResponse: { name: calledName(messages, i, m.tool_call_id), response: toolResponse(m.content) } }
      const prev = contents[contents.length - 1]
      // Gemini wants all results of one turn's calls in one content
      if (i > 0 && messages[i - 1].role === 'tool' && prev) (prev.parts as Json[]).push(part)
      else contents.push({ role: 'user', parts: [part] })
      continue
    }
    const parts = contentParts(m.content)
    if (m.tool_calls?.length) {
      for (let k = parts.length - 1; k >= 0; k--) if (parts[k].text === '') parts.splice(k, 1)
      for (const call of m.tool_calls) if (call.type === 'function' || call.function) parts.push(functionCallPart(call))
    }
    contents.push({ role: m.role === 'assistant' || m.role === 'model' ? 'model' : 'user', parts })
  }
  if (system.length === 0) return { contents }
  if (model?.startsWith('gemini-1.0')) throw new ConversionError("system prompts aren't supported on gemini-1.0 models")
  return { contents, systemInstruction: { parts: system } }
}

function toGenerationConfig(req: LlmRequest): Json {
  // tuning as the pipeline merged it (request wins, model.options are defaults): no second merge here
  const cfg: Json = {}
  const set = (k: string, v: unknown) => { if (v !== undefined && v !== null) cfg[k] = v }
  set('temperature', req.temperature)
  set('topK', req.top_k)
  set('topP', req.top_p)
  set('maxOutputTokens', req.max_tokens ?? req.max_completion_tokens)
  set('stopSequences', typeof req.stop === 'string' ? [req.stop] : req.stop)
  set('candidateCount', req.n)
  set('seed', req.seed)
  set('presencePenalty', req.presence_penalty)
  set('frequencyPenalty', req.frequency_penalty)
  const rf = req.response_format
  if (rf?.type === 'json_schema' && rf.json_schema?.schema && typeof rf.json_schema.schema === 'object') {
    cfg.response_mime_type = 'application/json'
    cfg.response_json_schema = rf.json_schema.schema
  } else if (rf?.type === 'json_object') cfg.response_mime_type = 'application/json'
  return cfg
}

function toToolConfig(choice: unknown): Json | undefined {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } }
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } }
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } }
  const name = (choice as { function?: { name?: unknown } } | null)?.function?.name
  if (typeof name === 'string') return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } }
  return undefined
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * `extra_body` deep-merged into the provider body (objects merge, anything else replaces); the
 * generation keys a client puts at its top level go into generationConfig. Through mergeJson: a
 * `__proto__` anywhere in it must not reach Object.prototype.
 */
function withGeminiExtraBody(body: Json, extra: unknown): Json {
  if (!isObject(extra)) return body
  const top = nullObject()
  const gen = nullObject()
  for (const k of Object.keys(extra)) if (!isUnsafeKey(k)) (GENERATION_CONFIG_KEYS.has(k) ? gen : top)[k] = extra[k]
  const out = withExtraBody(body, top, Infinity)
  if (Object.keys(gen).length === 0) return out
  out.generationConfig = mergeJson(isObject(out.generationConfig) ? out.generationConfig : nullObject(), gen, Infinity)
  return out
}

export function toGeminiChat(req: LlmRequest, model: string | undefined): Json {
  let messages = req.messages
  if (!Array.isArray(messages)) {
    if (req.prompt === undefined) throw new ConversionError('request body has neither messages nor prompt')
    messages = [{ role: 'user', content: Array.isArray(req.prompt) ? req.prompt.join('') : String(req.prompt) }]
  }
  const { contents, systemInstruction } = toContents(messages, model)
  const body: Json = { contents }
  if (systemInstruction) body.systemInstruction = systemInstruction
  body.generationConfig = toGenerationConfig(req)
  // function tools become one declarations entry; built-in tools (googleSearch, codeExecution,
  // urlContext, ...) each their own entry beside it
  const decls: unknown[] = []
  const tools: Json[] = []
  for (const t of Array.isArray(req.tools) ? req.tools as unknown[] : []) {
    const f = t as { type?: unknown; function?: unknown }
    if (f?.type === 'function' && f.function) decls.push(f.function)
    else {
      const b = builtinTool(t)
      if (b !== null) tools.push(b)
    }
  }
  if (decls.length > 0) tools.unshift({ function_declarations: decls })
  if (tools.length > 0) body.tools = tools
  const toolConfig = toToolConfig(req.tool_choice)
  if (toolConfig) body.toolConfig = toolConfig
  for (const k of PASSTHROUGH_KEYS) if (req[k] !== undefined) body[k] = req[k]
  return withGeminiExtraBody(body, req.extra_body)
}

function embeddingInputs(input: unknown): string[] {
  if (typeof input === 'string') return [input]
  if (Array.isArray(input) && input.every((s) => typeof s === 'string')) return input as string[]
  throw new ConversionError('embeddings input must be a string or an array of strings')
}

/** AI Studio batchEmbedContents: https://ai.google.dev/api/embeddings#method:-models.batchembedcontents */
export function toBatchEmbed(req: LlmRequest, opts: ModelOptions, model: string): Json {
  const dims = (req.dimensions as number | undefined) ?? opts.embeddings_dimensions
  const requests = embeddingInputs(req.input).map((text) => {
    const r: Json = { model: `models/${model}`, content: { parts: [{ text }] } }
    if (dims !== undefined) r.outputDimensionality = dims
    return r
  })
  return withExtraBody({ requests }, req.extra_body, Infinity)
}

/** Vertex text embeddings predict: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api */
export function toVertexEmbed(req: LlmRequest, opts: ModelOptions): Json {
  const dims = (req.dimensions as number | undefined) ?? opts.embeddings_dimensions
  const body: Json = { instances: embeddingInputs(req.input).map((content) => ({ content })) }
  if (dims !== undefined) body.parameters = { outputDimensionality: dims }
  return withExtraBody(body, req.extra_body, Infinity)
}
