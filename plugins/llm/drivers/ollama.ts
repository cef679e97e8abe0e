// The Ollama wire format (Kong shared.lua to_ollama / from_ollama), spoken by the `ollama`
// provider and by mistral and llama2 with `*_format: ollama`: chat → /api/chat, completions →
// /api/generate, embeddings → /api/embed; streams are NDJSON, the `done: true` line carries the
// token counts. https://github.com/ollama/ollama/blob/main/docs/api.md
import { embeddingsTarget, openAiVector, valueAt } from '../embeddings-call.ts'
import { randomUUID } from 'node:crypto'
import { llmErrors } from '../errors.ts'
import { createNdjsonFramer } from '../transcoders/ndjson.ts'
import { FramedTranscoder } from '../transcoders/framed-transcoder.ts'
import { ChunkLayout, OpenAiChunks } from '../transcoders/openai-chunk.ts'
import { withExtraBody } from './extra-body.ts'
import { embeddingsDimensions } from '../common-options.ts'
import type { ProviderRegistration } from '../registry.ts'
import type {
  ChatMessage, ChunkSink, DecodedResponse, DriverContext, LlmRequest, ProviderDriver, RouteType, StreamTranscoder, TokenUsage, ToolCall, UpstreamTarget,
} from '../types.ts'

type Json = Record<string, unknown>

function failed(ctx: DriverContext, reason: string): never {
  throw llmErrors.failed(`transformation failed from type ${ctx.model.provider}://${ctx.route}: ${reason}`)
}

function badRequest(ctx: DriverContext, reason: string): never {
  throw llmErrors.badRequest(`error transforming to ${ctx.model.provider}://${ctx.route}: ${reason}`)
}

const DATA_URL = /^data:[^;,]+;base64,(.*)$/s

/** OpenAI message → Ollama message: text parts joined, data-URL images to `images`, tool arguments as objects. */
function toOllamaMessage(m: ChatMessage, ctx: DriverContext): Json {
  const out: Json = { ...m }
  if (Array.isArray(m.content)) {
    let text = ''
    const images: string[] = []
    for (const p of m.content) {
      if (p.type === 'text' && typeof p.text === 'string') text += p.text
      else if (p.type === 'image_url') {
        const url = (p as { image_url?: { url?: unknown } }).image_url?.url
        const data = typeof url === 'string' ? DATA_URL.exec(url) : null
        if (!data) badRequest(ctx, 'Ollama accepts images only as base64 data URLs')
        images.push(data[1])
      }
    }
    out.content = text
    if (images.length > 0) out.images = images
  } else if (m.content === null) out.content = ''
  if (Array.isArray(m.tool_calls)) {
    // Ollama wants the arguments as an object (Kong flattens them back on the way out)
    out.tool_calls = m.tool_calls.map((tc) => {
      const args = tc.function?.arguments
      if (typeof args !== 'string') return tc
      let parsed: unknown
      try { parsed = JSON.parse(args) } catch { badRequest(ctx, 'tool call arguments are not JSON') }
      return { ...tc, function: { ...tc.function, arguments: parsed } }
    })
  }
  return out
}

export function encodeOllamaRequest(req: LlmRequest, ctx: DriverContext): string {
  const model = ctx.model.name ?? req.model
  const o = ctx.model.options
  if (ctx.route === 'llm/v1/embeddings') {
    const body: Json = { model, input: req.input }
    const dims = req.dimensions ?? o.embeddings_dimensions
    if (dims !== undefined) body.dimensions = dims
    return JSON.stringify(body)
  }
  if (req.prompt !== undefined && req.messages !== undefined) {
    throw llmErrors.badRequest("cannot run raw 'prompt' and chat history 'messages' requests at the same time - refer to schema")
  }
  const body: Json = { model }
  if (req.messages) body.messages = req.messages.map((m) => toOllamaMessage(m, ctx))
  else if (req.prompt !== undefined) body.prompt = req.prompt
  body.stream = req.stream ?? false
  if (req.tools) body.tools = req.tools
  if (req.tool_choice !== undefined) body.tool_choice = req.tool_choice
  const rf = req.response_format
  if (rf?.type === 'json_schema' && rf.json_schema?.schema) body.format = rf.json_schema.schema
  else if (rf?.type === 'json_object') body.format = 'json'
  // tuning as the pipeline merged it (request wins, model.options are defaults): no second merge here
  const options: Json = {
    num_predict: req.max_tokens ?? req.max_completion_tokens,
    temperature: req.temperature,
    top_p: req.top_p,
    top_k: req.top_k,
  }
  if (req.stop !== undefined) options.stop = typeof req.stop === 'string' ? [req.stop] : req.stop
  if (req.seed !== undefined) options.seed = req.seed
  body.options = options
  return JSON.stringify(withExtraBody(body, req.extra_body))
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

function usageOf(res: Json): TokenUsage {
  const prompt = num(res.prompt_eval_count)
  const completion = num(res.eval_count)
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}

/** Ollama tool calls (arguments as objects, often without ids) → OpenAI tool calls. */
function toolCallsOf(message: Json | undefined): ToolCall[] | null {
  const calls = message?.tool_calls
  if (!Array.isArray(calls) || calls.length === 0) return null
  return (calls as Json[]).map((tc) => {
    const fn = (tc.function ?? {}) as Json
    const args = fn.arguments
    return {
      id: typeof tc.id === 'string' ? tc.id : `call_${randomUUID()}`,
      type: 'function',
      function: { name: fn.name as string, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
    }
  })
}

/** Ollama gives no stop reason on old versions: Kong infers `length` from eval_count == max_tokens. */
function finishOf(res: Json, ctx: DriverContext, toolCalls: boolean): string {
  if (toolCalls) return 'tool_calls'
  if (res.done_reason === 'length') return 'length'
  const max = ctx.model.options.max_tokens
  return max !== undefined && res.eval_count === max ? 'length' : 'stop'
}

function createdOf(res: Json): number {
  const t = typeof res.created_at === 'string' ? Date.parse(res.created_at) : NaN
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000)
}

export function decodeOllamaResponse(body: Buffer, ctx: DriverContext): DecodedResponse {
  let res: Json
  try { res = JSON.parse(body.toString('utf8')) as Json } catch { return failed(ctx, 'failed to decode ollama response') }
  if (!res || typeof res !== 'object') failed(ctx, 'failed to decode ollama response')
  const model = typeof res.model === 'string' ? res.model : ctx.model.name ?? null

  if (ctx.route === 'llm/v1/embeddings') {
    if (!Array.isArray(res.embeddings)) failed(ctx, "'embeddings' not in ollama response")
    const prompt = num(res.prompt_eval_count)
    const usage = { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt }
    const out = {
      object: 'list',
      data: (res.embeddings as unknown[]).map((embedding, index) => ({ object: 'embedding', index, embedding })),
      model,
      usage: { prompt_tokens: prompt, total_tokens: prompt },
    }
    return { body: JSON.stringify(out), usage, model, parsed: out }
  }

  const usage = usageOf(res)
  let out: Json
  if (ctx.route === 'llm/v1/completions') {
    out = {
      model, created: createdOf(res), object: 'text_completion',
      choices: [{ index: 0, text: res.response, finish_reason: finishOf(res, ctx, false) }], usage,
    }
  } else {
    const m = (res.message ?? {}) as Json
    const toolCalls = toolCallsOf(m)
    const message: Json = { role: m.role ?? 'assistant', content: m.content ?? null }
    if (typeof m.thinking === 'string' && m.thinking) message.reasoning_content = m.thinking
    if (toolCalls) message.tool_calls = toolCalls
    out = {
      model, created: createdOf(res), object: 'chat.completion',
      choices: [{ finish_reason: finishOf(res, ctx, toolCalls !== null), index: 0, message }], usage,
    }
  }
  return { body: JSON.stringify(out), usage, model, parsed: out }
}

/** Ollama NDJSON stream → OpenAI chunks; the `done` line gives usage, a finish chunk and the end. */
class OllamaStreamTranscoder extends FramedTranscoder<string> {
  private readonly chunks: OpenAiChunks
  private toolIndex = 0
  private first = true

  constructor(private readonly ctx: DriverContext) {
    super(createNdjsonFramer())
    const completions = ctx.route === 'llm/v1/completions'
    this.chunks = new OpenAiChunks(ChunkLayout.tgi, completions, `chatcmpl-${randomUUID()}`, Math.floor(Date.now() / 1000), null)
  }

  private convertOne(e: Json, sink: ChunkSink): void {
    if (typeof e.error === 'string') {
      // a failure after the headers went out: OpenAI's in-stream error shape, then the end
      sink.chunk({ error: { message: e.error } })
      this.finish(sink)
      return
    }
    const chat = this.chunks.object === 'chat.completion.chunk'
    const m = e.message as Json | undefined
    const content = chat ? (typeof m?.content === 'string' ? m.content : '') : (typeof e.response === 'string' ? e.response : '')
    if (content) this.keepText(content)
    const toolCalls = chat ? toolCallsOf(m) : null
    if (e.done === true) {
      const u = usageOf(e)
      this.usage.prompt_tokens += u.prompt_tokens
      this.usage.completion_tokens += u.completion_tokens
      this.usage.total_tokens = this.usage.prompt_tokens + this.usage.completion_tokens
      this.finishReason = finishOf(e, this.ctx, toolCalls !== null || this.toolIndex > 0)
    }
    const finish = e.done === true ? this.finishReason : null
    // each line names its model
    this.chunks.model = (e.model ?? this.ctx.model.name ?? null) as string | null
    if (!chat) {
      sink.chunk(this.chunks.text(content, finish))
    } else {
      const delta: Json = {}
      if (this.first) { delta.role = 'assistant'; this.first = false }
      if (content || finish === null) delta.content = content
      if (toolCalls) delta.tool_calls = toolCalls.map((tc) => ({ index: this.toolIndex++, ...tc }))
      sink.chunk(this.chunks.delta(delta, finish))
    }
    if (e.done === true) this.finish(sink)
  }

  protected convert(sink: ChunkSink): void {
    const events = this.events
    for (const data of events) {
      if (this.done) break
      let e: Json
      try { e = JSON.parse(data) as Json } catch { continue }
      if (e && typeof e === 'object') this.convertOne(e, sink)
    }
    this.clearEvents()
  }
}

export function ollamaStream(ctx: DriverContext): StreamTranscoder {
  return new OllamaStreamTranscoder(ctx)
}

const PATHS: Partial<Record<RouteType, string>> = {
  'llm/v1/chat': '/api/chat',
  'llm/v1/completions': '/api/generate',
  'llm/v1/embeddings': '/api/embed',
}

/** model.options fields of this provider */
export const ollamaOptions = { embeddings_dimensions: embeddingsDimensions }

/** The `ollama` provider (Kong 3.14): Ollama's own API, at its default local address unless upstream_url says otherwise. */
export const ollamaDriver: ProviderRegistration = {
  options: ollamaOptions,
  id: 'ollama',
  routes: new Set<RouteType>(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings', 'preserve']),
  streamUsage: true,
  target(ctx): UpstreamTarget {
    return { scheme: 'http', host: 'localhost', port: 11434, path: PATHS[ctx.route] ?? ctx.clientPath, query: null }
  },
  encodeRequest(req, _raw, ctx) {
    return ctx.route === 'preserve' ? null : encodeOllamaRequest(req, ctx)
  },
  decodeResponse: decodeOllamaResponse,
  stream: ollamaStream,
  embeddings: (m) => ({
    target: embeddingsTarget(m, 'http://127.0.0.1:11434/api/embed'),
    body: (input) => ({ input, model: m.name }),
    vector: (a) => valueAt(a, 'embeddings', 0) ?? valueAt(a, 'embedding') ?? openAiVector(a),
  }),
}
