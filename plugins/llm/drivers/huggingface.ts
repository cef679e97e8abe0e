// Hugging Face through its router (Kong ≥3.10.0.7/3.11.0.5): chat → /v1/chat/completions
// (OpenAI-compatible), completions → /hf-inference/models/{model} (text-generation: `inputs` +
// `parameters`), embeddings → /hf-inference/models/{model}/pipeline/feature-extraction.
// https://huggingface.co/docs/inference-providers/tasks/chat-completion
// https://huggingface.co/docs/inference-providers/tasks/text-generation
// https://huggingface.co/docs/inference-providers/tasks/feature-extraction
import { embeddingsTarget } from '../embeddings-call.ts'
import { randomUUID } from 'node:crypto'
import { llmErrors } from '../errors.ts'
import { OpenAiPassthroughTranscoder } from '../transcoders/openai-passthrough.ts'
import { SseFramer, type SseEvent } from '../transcoders/sse.ts'
import { FramedTranscoder } from '../transcoders/framed-transcoder.ts'
import { ChunkLayout, OpenAiChunks } from '../transcoders/openai-chunk.ts'
import { nativeOperationPath, type NativeOperation } from './native-operations.ts'
import type { ChunkSink, DecodedResponse, DriverContext, LlmRequest, ProviderDriver, RouteType, StreamTranscoder, TokenUsage, UpstreamTarget } from '../types.ts'
import { withExtraBody } from './extra-body.ts'
import { bool, record } from '../schema-fields.ts'
import { Type } from 'typebox'
import type { ProviderRegistration } from '../registry.ts'
import { ownTable } from '../../../core/safe-merge.ts'

type Json = Record<string, unknown>

function failed(ctx: DriverContext, reason: string): never {
  throw llmErrors.failed(`transformation failed from type huggingface://${ctx.route}: ${reason}`)
}

/** The model id as path segments (`org/name`), each escaped; `..` cannot climb out of the path. */
function modelPath(ctx: DriverContext): string {
  const name = ctx.model.name
  const segments = name ? name.split('/') : []
  if (segments.length === 0 || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw llmErrors.badRequest('Could not parse the Hugging Face model endponit')
  }
  return segments.map(encodeURIComponent).join('/')
}

function encode(req: LlmRequest, ctx: DriverContext): string {
  const model = ctx.model.name ?? req.model
  let body: Json
  if (ctx.route === 'llm/v1/chat') {
    // the router speaks OpenAI: only the model changes (the pipeline merged the tuning defaults)
    body = { ...req, model }
    delete body.extra_body
  } else if (ctx.route === 'llm/v1/completions') {
    const given = (req.parameters && typeof req.parameters === 'object' ? req.parameters : {}) as Json
    // Kong: tuning goes into `parameters` unless the request already set it there
    const parameters: Json = {
      max_new_tokens: req.max_tokens,
      temperature: req.temperature,
      top_p: req.top_p,
      top_k: req.top_k,
      ...given,
    }
    if (req.stop !== undefined && parameters.stop === undefined) parameters.stop = typeof req.stop === 'string' ? [req.stop] : req.stop
    body = { inputs: req.prompt, parameters, model }
    if (req.stream) body.stream = true
  } else {
    body = { inputs: req.input }
  }
  return JSON.stringify(withExtraBody(body, req.extra_body))
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

function usageOf(u: unknown): TokenUsage | null {
  if (!u || typeof u !== 'object') return null
  const x = u as Json
  const prompt = num(x.prompt_tokens)
  const completion = num(x.completion_tokens)
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: num(x.total_tokens) || prompt + completion }
}

const TGI_FINISH = ownTable<string>({ eos_token: 'stop', stop_sequence: 'stop', length: 'length' })

function decode(body: Buffer, ctx: DriverContext): DecodedResponse {
  let res: unknown
  try { res = JSON.parse(body.toString('utf8')) } catch { return failed(ctx, 'Failed to decode response') }
  const name = ctx.model.name ?? null
  if (res && typeof res === 'object' && !Array.isArray(res)) {
    const r = res as Json
    if (r.error !== undefined || (r.message !== undefined && r.choices === undefined)) {
      const e = r.error ?? r.message
      failed(ctx, `API error: ${typeof e === 'string' ? e : JSON.stringify(e)}`)
    }
  }

  if (ctx.route === 'llm/v1/embeddings') {
    // one input → one vector, several inputs → a list of vectors
    if (!Array.isArray(res)) failed(ctx, 'Invalid response format')
    const vectors = res.length > 0 && Array.isArray(res[0]) ? res as unknown[] : [res]
    const out = { object: 'list', data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })), model: name, usage: { prompt_tokens: 0, total_tokens: 0 } }
    return { body: JSON.stringify(out), usage: null, model: name, parsed: out }
  }

  if (res && typeof res === 'object' && Array.isArray((res as Json).choices)) {
    // the router's OpenAI-shaped answer: forwarded as it came
    const r = res as Json
    return { body: null, usage: usageOf(r.usage), model: typeof r.model === 'string' ? r.model : name }
  }
  const first = Array.isArray(res) ? res[0] as Json | undefined : res as Json
  if (!first || typeof first !== 'object' || typeof first.generated_text !== 'string') failed(ctx, 'Invalid response format')
  const details = first.details as Json | undefined
  const finish = typeof details?.finish_reason === 'string' ? TGI_FINISH[details.finish_reason] ?? details.finish_reason : 'stop'
  const completion = num(details?.generated_tokens)
  const usage = completion > 0 ? { prompt_tokens: 0, completion_tokens: completion, total_tokens: completion } : null
  const out: Json = ctx.route === 'llm/v1/completions'
    ? { object: 'text_completion', model: name, choices: [{ index: 0, text: first.generated_text, finish_reason: finish }] }
    : { object: 'chat.completion', model: name, choices: [{ index: 0, message: { role: 'assistant', content: first.generated_text }, finish_reason: finish }] }
  if (usage) out.usage = usage
  return { body: JSON.stringify(out), usage, model: name, parsed: out }
}

/**
 * TGI `generate_stream` SSE (`{token:{text}, generated_text, details}` events) → OpenAI chunks.
 * Also serves llama2 `raw`, whose endpoints are TGI-style.
 */
export class TgiStreamTranscoder extends FramedTranscoder<SseEvent> {
  private readonly chunks: OpenAiChunks
  private first = true

  constructor(ctx: DriverContext) {
    super(new SseFramer())
    const completions = ctx.route === 'llm/v1/completions'
    this.chunks = new OpenAiChunks(ChunkLayout.tgi, completions, `chatcmpl-${randomUUID()}`, Math.floor(Date.now() / 1000), ctx.model.name ?? null)
  }

  private chunk(content: string, finish: string | null): Json {
    if (this.chunks.object === 'text_completion') return this.chunks.text(content, finish)
    const delta: Json = content || finish === null ? { content } : {}
    if (this.first) { delta.role = 'assistant'; this.first = false }
    return this.chunks.delta(delta, finish)
  }

  protected convert(sink: ChunkSink): void {
    for (const ev of this.events) {
      if (this.done || ev.data === '') continue
      if (ev.data === '[DONE]') { this.finish(sink); continue }
      let e: Json
      try { e = JSON.parse(ev.data) as Json } catch { continue }
      if (!e || typeof e !== 'object') continue
      if (e.error !== undefined) {
        sink.chunk({ error: { message: String(e.error) } })
        this.finish(sink)
        continue
      }
      const token = e.token as Json | undefined
      const text = token?.special === true ? '' : typeof token?.text === 'string' ? token.text : ''
      if (text) this.keepText(text)
      const details = e.details as Json | undefined
      let finish: string | null = null
      if (details && typeof details === 'object') {
        finish = typeof details.finish_reason === 'string' ? TGI_FINISH[details.finish_reason] ?? details.finish_reason : 'stop'
        this.finishReason = finish
        this.usage.completion_tokens = num(details.generated_tokens)
        this.usage.total_tokens = this.usage.prompt_tokens + this.usage.completion_tokens
      }
      sink.chunk(this.chunk(text, finish))
    }
    this.clearEvents()
  }
}

const ROUTER = { scheme: 'https', host: 'router.huggingface.co', port: 443, query: null } as const

// TGI's own operations for a native (llm_format huggingface) client: nothing after them.
// https://huggingface.github.io/text-generation-inference/
const NATIVE_OPERATIONS: readonly NativeOperation[] = [{ method: 'POST', path: /^\/generate(?:_stream)?$/ }]

/** model.options fields of this provider */
export const huggingfaceOptions = { huggingface: Type.Optional(record({ use_cache: bool(), wait_for_model: bool() })) }

export const huggingfaceDriver: ProviderRegistration = {
  options: huggingfaceOptions,
  id: 'huggingface',
  routes: new Set<RouteType>(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings']),
  streamUsage: false,
  embeddings(m) {
    const hf = m.options?.huggingface
    return {
      target: embeddingsTarget(m, `https://router.huggingface.co/hf-inference/models/${m.name}/pipeline/feature-extraction`),
      body: (inputs) => ({ inputs, ...(hf && { options: { use_cache: hf.use_cache, wait_for_model: hf.wait_for_model } }) }),
      vector: (a) => (Array.isArray(a) && Array.isArray(a[0]) ? a[0] : a),
    }
  },
  target(ctx): UpstreamTarget {
    // upstream_url replaces all of it (the pipeline applies it): no model id needed in the path
    if (ctx.model.options.upstream_url) return { ...ROUTER, path: '/' }
    // llm_format huggingface: TGI's own operation, for a TGI server named by upstream_url
    if (ctx.llmFormat === 'huggingface') {
      const at = ctx.clientPath.lastIndexOf('/generate')
      if (at >= 0) {
        const op = nativeOperationPath('huggingface', NATIVE_OPERATIONS, ctx.clientMethod, ctx.clientPath.slice(at))
        return { ...ROUTER, path: `/hf-inference/models/${modelPath(ctx)}${op}` }
      }
    }
    switch (ctx.route) {
      case 'llm/v1/chat': return { ...ROUTER, path: '/v1/chat/completions' }
      case 'llm/v1/completions': return { ...ROUTER, path: `/hf-inference/models/${modelPath(ctx)}` }
      case 'llm/v1/embeddings': return { ...ROUTER, path: `/hf-inference/models/${modelPath(ctx)}/pipeline/feature-extraction` }
      default: return { ...ROUTER, path: ctx.clientPath }
    }
  },
  headers(ctx) {
    // the inference API's options (Kong sent them in the body, which the router no longer reads)
    const hf = ctx.model.options.huggingface
    const out: [string, string][] = []
    if (hf?.wait_for_model === true) out.push(['x-wait-for-model', 'true'])
    if (hf?.use_cache === false) out.push(['x-use-cache', 'false'])
    return out
  },
  encodeRequest(req, _raw, ctx) {
    return ctx.route === 'preserve' ? null : encode(req, ctx)
  },
  decodeResponse: decode,
  stream(ctx) {
    // the router's chat stream is OpenAI SSE already: forwarded verbatim, read on the side
    return ctx.route === 'llm/v1/chat' ? new OpenAiPassthroughTranscoder() : new TgiStreamTranscoder(ctx)
  },
}
