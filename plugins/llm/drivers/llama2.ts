// llama2 (Kong llama2.lua), self-hosted, so model.options.upstream_url is required: by
// `llama2_format`, `raw` (Llama 2 [INST] prompt, TGI-style, llama2-raw.ts), `ollama` (ollama.ts)
// or `openai` (any OpenAI-compatible server, e.g. llama.cpp's or vLLM's).
import { llmError } from '../errors.ts'
import { requireOption } from '../entity-checks.ts'
import { Type } from 'typebox'
import type { DriverContext, RouteType } from '../types.ts'
import type { ProviderRegistration } from '../registry.ts'
import { oneOf } from '../schema-fields.ts'
import { decodeOllamaResponse, encodeOllamaRequest, ollamaStream } from './ollama.ts'
import { decodeRawResponse, encodeRawRequest, rawStream } from './llama2-raw.ts'
import { decodeOpenAi, encodeOpenAi, openAiStream } from './openai-shape.ts'

type Format = 'raw' | 'ollama' | 'openai'

const ROUTES: Record<Format, ReadonlySet<RouteType>> = {
  raw: new Set(['llm/v1/chat', 'llm/v1/completions']),
  ollama: new Set(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings']),
  openai: new Set(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings', 'preserve']),
}

/** The format for this request; throws Kong's message for a route that format has no transformer for. */
function formatOf(ctx: DriverContext): Format {
  const format = ctx.model.options.llama2_format
  if (format === undefined || !(format in ROUTES) || !ROUTES[format].has(ctx.route)) {
    throw llmError(400, `no transformer available to format llama2://${ctx.route}/${format}`)
  }
  return format
}

/** model.options fields of this provider */
export const llama2Options = { llama2_format: Type.Optional(oneOf(['raw', 'openai', 'ollama'] as const)) }

export const llama2Driver: ProviderRegistration = {
  options: llama2Options,
  id: 'llama2',
  routes: ROUTES.openai,
  streamUsage: true, // Kong counts llama2 among the providers with usage in their streams
  checkOptions(conf, out) {
    requireOption(conf, 'llama2_format', 'llama2 provider', out)
    requireOption(conf, 'upstream_url', 'self-hosted providers/models', out)
  },
  target(ctx) {
    if (!ctx.model.options.upstream_url) throw llmError(500, "must set 'model.options.upstream_url' for self-hosted providers/models")
    // only the pipeline's upstream_url override is used: scheme, host, port and path all come from it
    return { scheme: 'http', host: 'localhost', port: 80, path: ctx.clientPath, query: null }
  },
  encodeRequest(req, _raw, ctx) {
    switch (formatOf(ctx)) {
      case 'raw': return encodeRawRequest(req, ctx)
      case 'ollama': return encodeOllamaRequest(req, ctx)
      default: return encodeOpenAi(req)
    }
  },
  decodeResponse(body, ctx) {
    switch (formatOf(ctx)) {
      case 'raw': return decodeRawResponse(body, ctx)
      case 'ollama': return decodeOllamaResponse(body, ctx)
      default: return decodeOpenAi('llama2', body, ctx)
    }
  },
  stream(ctx) {
    switch (formatOf(ctx)) {
      case 'raw': return rawStream(ctx)
      case 'ollama': return ollamaStream(ctx)
      default: return openAiStream()
    }
  },
}
