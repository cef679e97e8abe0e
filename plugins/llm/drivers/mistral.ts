// Mistral (Kong mistral.lua): `mistral_format: openai` is La Plateforme's OpenAI-compatible API
// (the table-driven driver in openai-compatible.ts); `mistral_format: ollama` speaks Ollama's
// format (ollama.ts), to https://api.mistral.ai unless upstream_url says otherwise.
// https://docs.mistral.ai/api/
import { llmError } from '../errors.ts'
import { embeddingsTarget, openAiVector } from '../embeddings-call.ts'
import { requireOption } from '../entity-checks.ts'
import { Type } from 'typebox'
import type { DriverContext, RouteType } from '../types.ts'
import type { ProviderRegistration } from '../registry.ts'
import { oneOf } from '../schema-fields.ts'
import { openAiCompatible } from './openai-compatible.ts'
import { decodeOllamaResponse, encodeOllamaRequest, ollamaStream } from './ollama.ts'

const openAiFormat = openAiCompatible.find((d) => d.id === 'mistral')!

// Kong's ollama transformers for mistral: chat and completions only
const OLLAMA_ROUTES = new Set<RouteType>(['llm/v1/chat', 'llm/v1/completions'])

/** true for the ollama format; throws Kong's message for a route that format has no transformer for */
function ollama(ctx: DriverContext): boolean {
  const format = ctx.model.options.mistral_format ?? 'openai'
  if (format === 'openai') return false
  if (format !== 'ollama' || !OLLAMA_ROUTES.has(ctx.route)) {
    throw llmError(400, `no transformer available to format mistral://${ctx.route}/${format}`)
  }
  return true
}

/** model.options fields of this provider */
export const mistralOptions = { mistral_format: Type.Optional(oneOf(['openai', 'ollama'] as const)) }

export const mistralDriver: ProviderRegistration = {
  options: mistralOptions,
  id: 'mistral',
  routes: new Set<RouteType>([...openAiFormat.routes, ...OLLAMA_ROUTES]),
  streamUsage: false, // Kong counts mistral among the providers without stream usage
  target(ctx) {
    const t = openAiFormat.target(ctx)
    // Kong's mistral operation path serves both formats
    if (ctx.route === 'llm/v1/completions') t.path = '/v1/chat/completions'
    return t
  },
  encodeRequest: (req, raw, ctx) => (ollama(ctx) ? encodeOllamaRequest(req, ctx) : openAiFormat.encodeRequest(req, raw, ctx)),
  decodeResponse: (body, ctx) => (ollama(ctx) ? decodeOllamaResponse(body, ctx) : openAiFormat.decodeResponse(body, ctx)),
  stream: (ctx) => (ollama(ctx) ? ollamaStream(ctx) : openAiFormat.stream(ctx)),
  checkOptions: (conf, out) => requireOption(conf, 'mistral_format', 'mistral provider', out),
  embeddings: (m) => ({
    target: embeddingsTarget(m, 'https://api.mistral.ai/v1/embeddings'),
    body: (input) => ({ input, model: m.name }),
    vector: openAiVector,
  }),
}
