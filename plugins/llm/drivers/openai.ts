// OpenAI (Kong provider `openai`). Passthrough: the client already speaks this API.
// Spec: https://platform.openai.com/docs/api-reference (chat, completions, embeddings; responses,
// files, batches, assistants, audio and images as Kong 3.11's OpenAI API route types)
import type { DriverContext, LlmRequest, RouteType, UpstreamTarget } from '../types.ts'
import type { ProviderRegistration } from '../registry.ts'
import { VIDEO_ROUTE, videoOptions } from './video-request.ts'
import { OPENAI_API_ROUTES, isOpenAiApiRoute, resourceSuffix } from '../openai-api-routes.ts'
import { embeddingsTarget, openAiVector } from '../embeddings-call.ts'
import { decodeOpenAi, encodeOpenAi, openAiStream } from './openai-shape.ts'
import { realtimeQuery } from '../realtime/realtime-query.ts'

const PATHS: Partial<Record<RouteType, string>> = {
  'llm/v1/chat': '/v1/chat/completions',
  'llm/v1/completions': '/v1/completions',
  'llm/v1/embeddings': '/v1/embeddings',
}

/**
 * A JSON video request with model.options `seconds` and `size` added where it has none (OpenAI
 * takes `seconds` as a string); null when nothing is added. A multipart create goes as it came.
 */
export function withVideoDefaults(req: LlmRequest, ctx: DriverContext): string | null {
  const o = ctx.model.options as { seconds?: number | string; size?: string }
  const add: Record<string, string> = {}
  if (o.seconds !== undefined && req.seconds === undefined) add.seconds = String(o.seconds)
  if (o.size !== undefined && req.size === undefined) add.size = o.size
  return Object.keys(add).length === 0 ? null : JSON.stringify({ ...req, ...add })
}

export const openai: ProviderRegistration = {
  id: 'openai',
  options: videoOptions,
  routes: new Set<RouteType>(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings', 'preserve', ...OPENAI_API_ROUTES.keys()]),
  streamUsage: false,
  passthroughResponse: true,
  target(ctx: DriverContext): UpstreamTarget {
    let path = PATHS[ctx.route]
    if (path === undefined && isOpenAiApiRoute(ctx.route)) {
      const resource = OPENAI_API_ROUTES.get(ctx.route)!
      path = `/v1/${resource}${resourceSuffix(resource, ctx.clientPath)}`
    }
    const query = ctx.route === 'realtime/v1/realtime' ? realtimeQuery(ctx.clientQuery, [['model', ctx.model.name]]) : null
    return { scheme: 'https', host: 'api.openai.com', port: 443, path: path ?? ctx.clientPath, query }
  },
  // the API routes' bodies (JSON or multipart) go as they came
  encodeRequest: (req, _raw, ctx) => (ctx.route === VIDEO_ROUTE ? withVideoDefaults(req, ctx) : isOpenAiApiRoute(ctx.route) ? null : encodeOpenAi(req)),
  decodeResponse: (body, ctx) => decodeOpenAi('openai', body, ctx),
  stream: openAiStream,
  embeddings: (m, dimensions) => ({
    target: embeddingsTarget(m, 'https://api.openai.com/v1/embeddings'),
    body: (input) => ({ input, model: m.name, dimensions }),
    vector: openAiVector,
  }),
}
