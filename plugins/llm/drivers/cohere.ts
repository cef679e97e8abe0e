// Cohere: chat → /v1/chat (chat_history + message), or /v2/chat for a chat with `documents`
// (grounded, with citations; streamed: cohere-v2-stream.ts), completions → /v1/generate, embeddings → /v2/embed; streams are NDJSON (stream-start / text-generation / stream-end). Kong: cohere.lua.
// https://docs.cohere.com/v1/reference/chat  https://docs.cohere.com/v1/reference/generate
// https://docs.cohere.com/reference/embed  https://docs.cohere.com/v1/docs/streaming
import { randomUUID } from 'node:crypto'
import { llmErrors } from '../errors.ts'
import { createNdjsonFramer } from '../transcoders/ndjson.ts'
import { FramedTranscoder } from '../transcoders/framed-transcoder.ts'
import { ChunkLayout, OpenAiChunks } from '../transcoders/openai-chunk.ts'
import type { ChunkSink, DecodedResponse, DriverContext, LlmRequest, ProviderDriver, RouteType, StreamTranscoder, TokenUsage, UpstreamTarget,
} from '../types.ts'
import { contentText } from './openai-shape.ts'
import { embeddingsDimensions } from '../common-options.ts'
import { bool, oneOf, record } from '../schema-fields.ts'
import { Type } from 'typebox'
import type { ProviderRegistration } from '../registry.ts'
import { withExtraBody } from './extra-body.ts'
import { nativeOperationPath, type NativeOperation } from './native-operations.ts'
import { copyJson, isJsonObject, ownTable } from '../../../core/safe-merge.ts'
import { CohereV2StreamTranscoder } from './cohere-v2-stream.ts'

type Json = Record<string, unknown>

const PATHS: Partial<Record<RouteType, string>> = {
  'llm/v1/chat': '/v1/chat',
  'llm/v1/completions': '/v1/generate',
  'llm/v1/embeddings': '/v2/embed',
}

// OpenAI fields Cohere v1 does not know; the others pass through, as in Kong
const DROPPED = ['messages', 'top_p', 'top_k', 'stop', 'stream_options', 'n', 'user', 'max_completion_tokens', 'logprobs', 'top_logprobs', 'parallel_tool_calls', 'extra_body', 'tool_choice']

function failed(ctx: DriverContext, reason: string): never {
  throw llmErrors.failed(`transformation failed from type cohere://${ctx.route}: ${reason}`)
}


/** Tuning as the pipeline merged it (request wins, model.options are defaults): no second merge here. */
function tuned(req: LlmRequest): Json {
  return {
    max_tokens: req.max_tokens ?? req.max_completion_tokens,
    temperature: req.temperature,
    p: req.top_p,
    k: req.top_k,
  }
}

function encoded(body: Json, req: LlmRequest): string {
  return JSON.stringify(withExtraBody(body, req.extra_body))
}

function encodeGeneration(req: LlmRequest, ctx: DriverContext): string {
  if (req.prompt !== undefined && req.messages !== undefined) {
    throw llmErrors.badRequest("cannot run a 'prompt' and a history of 'messages' at the same time - refer to schema")
  }
  if (ctx.route === 'llm/v1/chat' && Array.isArray(req.documents) && !req.tools) {
    return encodeGroundedChat(req, ctx, req.documents as unknown[])
  }
  if (req.tools) {
    // Kong hands tool requests to its OpenAI driver: the body stays OpenAI-shaped (for Cohere's
    // OpenAI-compatible endpoint, set through upstream_url)
    return encoded({ ...req, model: ctx.model.name ?? req.model, stream: req.stream ?? false }, req)
  }
  const body: Json = { ...req }
  for (const k of DROPPED) delete body[k]
  Object.assign(body, tuned(req))
  body.model = ctx.model.name ?? req.model
  body.stream = req.stream ?? false
  if (req.stop !== undefined) body.stop_sequences = typeof req.stop === 'string' ? [req.stop] : req.stop
  const messages = req.messages
  if (messages && messages.length > 0) {
    // every message but the last is history (assistant → CHATBOT, anything else → USER, as Kong)
    if (messages.length > 1) {
      const history = new Array<Json>(messages.length - 1)
      for (let i = 0; i < messages.length - 1; i++) {
        const m = messages[i]
        history[i] = { role: m.role === 'assistant' || m.role === 'CHATBOT' ? 'CHATBOT' : 'USER', message: contentText(m.content) }
      }
      body.chat_history = history
    }
    body.message = contentText(messages[messages.length - 1].content)
  }
  return encoded(body, req)
}

/**
 * Document-grounded chat (an OpenAI-shaped chat with Cohere's `documents`, Kong's "Cohere rerank
 * API for document-grounded chat"): Cohere's v2 chat, which filters the documents for relevance
 * and answers with citations (`message.citations`, handed to the client on the choice's
 * message; streamed, on the deltas). Requests that took this path: the target is `/v2/chat` for them.
 * https://docs.cohere.com/reference/chat  https://docs.cohere.com/docs/retrieval-augmented-generation-rag
 */
const groundedChat = new WeakSet<DriverContext>()

/** A document as v2 takes it: a string, or `{id?, data: {...}}` (a bare object becomes its data). */
function documentOf(d: unknown): unknown {
  if (typeof d === 'string') return d
  if (!isJsonObject(d)) throw llmErrors.badRequest('error transforming to cohere://llm/v1/chat: each document must be a string or an object')
  if (isJsonObject(d.data)) return copyJson({ ...(typeof d.id === 'string' ? { id: d.id } : {}), data: copyJson(d.data) })
  return { data: copyJson(d) }
}

const V2_ROLES = ownTable<string>({ system: 'system', developer: 'system', user: 'user', assistant: 'assistant', tool: 'tool' })

function encodeGroundedChat(req: LlmRequest, ctx: DriverContext, documents: unknown[]): string {
  if (documents.length > MAX_DOCUMENTS) throw llmErrors.badRequest(`error transforming to cohere://llm/v1/chat: at most ${MAX_DOCUMENTS} documents`)
  const messages = (req.messages ?? []).map((m) => ({ role: V2_ROLES[m.role] ?? 'user', content: contentText(m.content) }))
  const body: Json = { model: ctx.model.name ?? req.model, messages, documents: documents.map(documentOf), stream: req.stream === true }
  const t = tuned(req)
  for (const k of Object.keys(t)) if (t[k] !== undefined) body[k] = t[k]
  if (req.stop !== undefined) body.stop_sequences = typeof req.stop === 'string' ? [req.stop] : req.stop
  if (req.citation_options !== undefined) body.citation_options = req.citation_options
  groundedChat.add(ctx)
  return encoded(body, req)
}

/** Cohere takes up to 1000 documents a call; more is refused here rather than there. */
const MAX_DOCUMENTS = 1000

function encodeEmbeddings(req: LlmRequest, ctx: DriverContext): string {
  const input = req.input
  const texts = typeof input === 'string' ? [input] : input
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) {
    throw llmErrors.badRequest('error transforming to cohere://llm/v1/embeddings: input must be a string or an array of strings')
  }
  const o = ctx.model.options
  const body: Json = {
    model: ctx.model.name ?? req.model,
    texts,
    input_type: o.cohere?.embedding_input_type ?? 'classification',
    embedding_types: ['float'],
  }
  const dims = req.dimensions ?? o.embeddings_dimensions
  if (dims !== undefined) body.output_dimension = dims
  return encoded(body, req)
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

/** meta.billed_units, else token_count (Kong reads one or the other depending on the route). */
function usageOf(res: Json | undefined, preferTokenCount = false): TokenUsage {
  const billed = ((res?.meta as Json | undefined)?.billed_units ?? (res?.usage as Json | undefined)?.billed_units) as Json | undefined
  const count = res?.token_count as Json | undefined
  let prompt: number, completion: number
  if (count && (preferTokenCount || !billed)) {
    prompt = num(count.prompt_tokens)
    completion = num(count.response_tokens)
  } else {
    prompt = num(billed?.input_tokens)
    completion = num(billed?.output_tokens)
  }
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}

const FINISH = ownTable<string>({ COMPLETE: 'stop', STOP_SEQUENCE: 'stop', MAX_TOKENS: 'length', TOOL_CALL: 'tool_calls', ERROR_TOXIC: 'content_filter' })
function finishOf(reason: unknown): string {
  return typeof reason === 'string' ? FINISH[reason] ?? reason.toLowerCase() : 'stop'
}

function decode(body: Buffer, ctx: DriverContext): DecodedResponse {
  let res: Json
  try { res = JSON.parse(body.toString('utf8')) as Json } catch { return failed(ctx, 'failed to decode cohere response') }
  if (!res || typeof res !== 'object') failed(ctx, 'failed to decode cohere response')
  const name = ctx.model.name ?? null

  if (ctx.route === 'llm/v1/embeddings') {
    const e = res.embeddings as Json | unknown[] | undefined
    const vectors = Array.isArray(e) ? e : (e as Json | undefined)?.float
    if (!Array.isArray(vectors)) failed(ctx, "'embeddings' missing from cohere response body")
    const usage = usageOf(res)
    usage.total_tokens = usage.prompt_tokens
    const out = {
      object: 'list',
      data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      model: name,
      usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.total_tokens },
    }
    return { body: JSON.stringify(out), usage, model: name, parsed: out }
  }

  if (Array.isArray(res.choices)) {
    // Cohere's OpenAI-compatible answer (tool requests): already in shape
    const u = res.usage as Partial<TokenUsage> | undefined
    const usage = u ? { prompt_tokens: num(u.prompt_tokens), completion_tokens: num(u.completion_tokens), total_tokens: num(u.total_tokens) } : null
    return { body: null, usage, model: typeof res.model === 'string' ? res.model : name }
  }

  let out: Json
  let usage: TokenUsage
  if (res.prompt !== undefined && Array.isArray(res.generations)) {
    usage = usageOf(res)
    out = {
      choices: (res.generations as Json[]).map((g, i) => ({ index: i, text: g.text, finish_reason: 'stop' })),
      object: 'text_completion', model: name, id: res.id, usage,
    }
  } else if (typeof res.text === 'string') {
    usage = usageOf(res, ctx.route === 'llm/v1/completions')
    out = {
      choices: [{ index: 0, message: { role: 'assistant', content: res.text }, finish_reason: 'stop' }],
      object: 'chat.completion', model: name, id: res.generation_id, usage,
    }
  } else if (res.message && typeof res.message === 'object') {
    // a v2 chat answer
    const m = res.message as Json
    const content = typeof m.content === 'string' ? m.content
      : Array.isArray(m.content) ? (m.content as Json[]).map((p) => (typeof p.text === 'string' ? p.text : '')).join('') : null
    const message: Json = { role: 'assistant', content: (m.tool_plan as string | undefined) ?? content }
    if (Array.isArray(m.tool_calls)) message.tool_calls = m.tool_calls
    // document-grounded answers: the citations (spans of the answer and the documents they cite)
    if (Array.isArray(m.citations)) message.citations = m.citations
    usage = usageOf(res)
    out = { choices: [{ index: 0, message, finish_reason: finishOf(res.finish_reason) }], object: 'chat.completion', model: name, id: res.id, usage }
  } else {
    return failed(ctx, "'text' or 'generations' missing from cohere response body")
  }
  return { body: JSON.stringify(out), usage, model: name, parsed: out }
}

/** Cohere v1 NDJSON stream → OpenAI chunks; `stream-end` carries the usage and ends the stream. */
class CohereStreamTranscoder extends FramedTranscoder<string> {
  private readonly chunks: OpenAiChunks

  constructor(ctx: DriverContext) {
    super(createNdjsonFramer())
    const completions = ctx.route === 'llm/v1/completions'
    this.chunks = new OpenAiChunks(ChunkLayout.cohere, completions, `chatcmpl-${randomUUID()}`, Math.floor(Date.now() / 1000), ctx.model.name ?? null)
  }

  private piece(content: string, finish: string | null, role?: string): Json {
    if (this.chunks.object === 'text_completion') return this.chunks.text(content, finish)
    const delta: Json = finish !== null && content === '' ? {} : { content }
    if (role) delta.role = role
    return this.chunks.delta(delta, finish)
  }

  protected convert(sink: ChunkSink): void {
    const events = this.events
    for (const data of events) {
      if (this.done) break
      let e: Json
      try { e = JSON.parse(data) as Json } catch { continue }
      if (!e || typeof e !== 'object') continue
      switch (e.event_type) {
        case 'stream-start':
          if (typeof e.generation_id === 'string') this.chunks.id = e.generation_id
          sink.chunk(this.piece('', null, 'assistant'))
          break
        case 'text-generation': {
          const t = typeof e.text === 'string' ? e.text : ''
          if (t) this.keepText(t)
          sink.chunk(this.piece(t, null))
          break
        }
        case 'stream-end': {
          const u = usageOf(e.response as Json | undefined)
          this.usage.prompt_tokens += u.prompt_tokens
          this.usage.completion_tokens += u.completion_tokens
          this.usage.total_tokens = this.usage.prompt_tokens + this.usage.completion_tokens
          // Kong ≤3.14 ended with [DONE] only; a finish_reason chunk first is what OpenAI clients expect
          this.finishReason = finishOf(e.finish_reason)
          sink.chunk(this.piece('', this.finishReason))
          this.finish(sink)
          break
        }
        default:
          break // search-queries, citation-generation, tool-calls-generation: nothing to map
      }
    }
    this.clearEvents()
  }
}

const COHERE_URL = { scheme: 'https', host: 'api.cohere.com', port: 443, query: null } as const

// The SDK operations a native (llm_format cohere) client may call, all POST.
// https://docs.cohere.com/reference/rerank  https://docs.cohere.com/reference/chat  https://docs.cohere.com/reference/embed
const NATIVE_OPERATIONS: readonly NativeOperation[] = [
  { method: 'POST', path: /^\/v[12]\/(?:chat|embed|rerank)$/ },
  { method: 'POST', path: /^\/v1\/generate$/ },
]

/** model.options fields of this provider */
export const cohereOptions = {
  embeddings_dimensions: embeddingsDimensions,
  cohere: Type.Optional(record({
    embedding_input_type: oneOf(['classification', 'clustering', 'image', 'search_document', 'search_query'] as const, { default: 'classification' }),
    wait_for_model: bool(),
  })),
}

export const cohereDriver: ProviderRegistration = {
  options: cohereOptions,
  id: 'cohere',
  routes: new Set<RouteType>(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings', 'preserve']),
  streamUsage: true,
  target(ctx): UpstreamTarget {
    if (ctx.route === 'preserve') return { ...COHERE_URL, path: ctx.clientPath }
    // llm_format cohere: the SDK's own operation (/v1/rerank, /v2/rerank, /v2/chat ...), after the route's prefix
    if (ctx.llmFormat === 'cohere') {
      const at = ctx.clientPath.search(/\/v[12]\//)
      if (at >= 0) return { ...COHERE_URL, path: nativeOperationPath('cohere', NATIVE_OPERATIONS, ctx.clientMethod, ctx.clientPath.slice(at)) }
    }
    return { ...COHERE_URL, path: groundedChat.has(ctx) ? '/v2/chat' : PATHS[ctx.route] ?? '/' }
  },
  encodeRequest(req, _raw, ctx) {
    if (ctx.route === 'preserve') return null
    if (ctx.route === 'llm/v1/embeddings') return encodeEmbeddings(req, ctx)
    return encodeGeneration(req, ctx)
  },
  decodeResponse: decode,
  // a grounded chat streams v2's SSE events (citations included); the others v1's NDJSON
  stream: (ctx) => (groundedChat.has(ctx) ? new CohereV2StreamTranscoder(ctx, finishOf, usageOf) : new CohereStreamTranscoder(ctx)),
}
