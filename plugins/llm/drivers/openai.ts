// OpenAI (Kong provider `openai`). Passthrough: the client already speaks this API.
// Spec: https://platform.openai.com/docs/api-reference (chat, completions, embeddings)
import type { DriverContext, ProviderDriver, RouteType, UpstreamTarget } from '../types.ts'
import { decodeOpenAi, encodeOpenAi, openAiStream } from './openai-shape.ts'

const PATHS: Partial<Record<RouteType, string>> = {
  'llm/v1/chat': '/v1/chat/completions',
  'llm/v1/completions': '/v1/completions',
  'llm/v1/embeddings': '/v1/embeddings',
}

export const openai: ProviderDriver = {
  id: 'openai',
  routes: new Set<RouteType>(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings', 'preserve']),
  streamUsage: false,
  passthroughResponse: true,
  target(ctx: DriverContext): UpstreamTarget {
    return { scheme: 'https', host: 'api.openai.com', port: 443, path: PATHS[ctx.route] ?? ctx.clientPath, query: null }
  },
  encodeRequest: (req) => encodeOpenAi(req),
  decodeResponse: (body, ctx) => decodeOpenAi('openai', body, ctx),
  stream: openAiStream,
}
