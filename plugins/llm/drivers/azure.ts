// Azure OpenAI (Kong provider `azure`): OpenAI's API under a deployment,
// https://{azure_instance}.openai.azure.com/openai/deployments/{azure_deployment_id}/{operation},
// with `api-version` from the client's query when it sent one, else model.options.azure_api_version
// (kong/llm/drivers/azure.lua). Credentials: `api-key` header or Entra ID (auth strategies).
// Spec: https://learn.microsoft.com/azure/ai-services/openai/reference
import { embeddingsTarget, openAiVector } from '../embeddings-call.ts'
import { requireOption } from '../entity-checks.ts'
import { Type } from 'typebox'
import type { DriverContext, OpenAiApiRoute, RouteType, UpstreamTarget } from '../types.ts'
import type { ProviderRegistration } from '../registry.ts'
import { str } from '../schema-fields.ts'
import { OPENAI_API_ROUTES, isOpenAiApiRoute, resourceSuffix } from '../openai-api-routes.ts'
import { decodeOpenAi, encodeOpenAi, openAiStream } from './openai-shape.ts'
import { realtimeQuery } from '../realtime/realtime-query.ts'
import { withVideoDefaults } from './openai.ts'

const OPERATIONS: Partial<Record<RouteType, string>> = {
  'llm/v1/chat': '/chat/completions',
  'llm/v1/completions': '/completions',
  'llm/v1/embeddings': '/embeddings',
}

/**
 * Kong 3.11's OpenAI API routes on Azure: files, batches and assistants are resource-wide
 * (`/openai/<resource>`), responses is the v1 API (`/openai/v1/responses`, azure_api_version
 * `preview`), audio and images belong to a deployment (`/openai/deployments/<id>/<resource>`).
 * https://learn.microsoft.com/azure/ai-foundry/openai/reference-preview
 */
function apiRoutePath(route: OpenAiApiRoute, ctx: DriverContext): string {
  const resource = OPENAI_API_ROUTES.get(route)!
  const suffix = resourceSuffix(resource, ctx.clientPath)
  if (route === 'llm/v1/responses') return `/openai/v1/responses${suffix}`
  // Kong 3.13: Azure's video generation jobs API (Sora)
  if (route === 'video/v1/videos/generations') return `/openai/v1/video/generations/jobs${suffix}`
  if (resource.startsWith('audio/') || resource.startsWith('images/')) {
    return `/openai/deployments/${ctx.model.options.azure_deployment_id ?? ''}/${resource}${suffix}`
  }
  return `/openai/${resource}${suffix}`
}

/** The api-version this request uses. */
export function azureApiVersion(ctx: DriverContext): string {
  const m = /(?:^|&)api-version=([^&]*)/.exec(ctx.clientQuery)
  return m ? decodeURIComponent(m[1]!.replace(/\+/g, ' ')) : ctx.model.options.azure_api_version ?? '2023-05-15'
}

/** The client's query with api-version set (Kong: query_table["api-version"] = ...). */
function azureQuery(ctx: DriverContext): string {
  const kept = ctx.clientQuery ? ctx.clientQuery.split('&').filter((kv) => kv !== '' && !kv.startsWith('api-version=')) : []
  kept.push(`api-version=${encodeURIComponent(azureApiVersion(ctx))}`)
  return kept.join('&')
}

/** model.options fields of this provider */
export const azureOptions = {
  azure_instance: str(),
  azure_api_version: Type.String({ default: '2023-05-15' }),
  azure_deployment_id: str(),
}

export const azure: ProviderRegistration = {
  options: azureOptions,
  id: 'azure',
  routes: new Set<RouteType>(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings', 'preserve', ...OPENAI_API_ROUTES.keys()]),
  streamUsage: false,
  passthroughResponse: true,
  target(ctx: DriverContext): UpstreamTarget {
    const o = ctx.model.options
    const op = OPERATIONS[ctx.route]
    const path = op !== undefined ? `/openai/deployments/${o.azure_deployment_id ?? ''}${op}`
      : isOpenAiApiRoute(ctx.route) ? apiRoutePath(ctx.route, ctx) : ctx.clientPath
    // realtime: `/openai/realtime?api-version=...&deployment=...` (Azure's Realtime API over WebSocket)
    const query = ctx.route === 'realtime/v1/realtime'
      ? realtimeQuery(ctx.clientQuery, [['api-version', azureApiVersion(ctx)], ['deployment', o.azure_deployment_id]])
      : azureQuery(ctx)
    return { scheme: 'https', host: `${o.azure_instance ?? ''}.openai.azure.com`, port: 443, path, query }
  },
  // the API routes' bodies (JSON or multipart) go as they came
  encodeRequest: (req, _raw, ctx) => (ctx.route === 'video/v1/videos/generations' ? withVideoDefaults(req, ctx) : isOpenAiApiRoute(ctx.route) ? null : encodeOpenAi(req)),
  decodeResponse: (body, ctx) => decodeOpenAi('azure', body, ctx),
  stream: openAiStream,
  logMeta(ctx) {
    const o = ctx.model.options
    return { azure_instance_id: o.azure_instance, azure_deployment_id: o.azure_deployment_id, azure_api_version: azureApiVersion(ctx) }
  },
  checkOptions(conf, out) {
    for (const f of ['azure_instance', 'azure_api_version', 'azure_deployment_id']) requireOption(conf, f, 'azure provider', out)
  },
  embeddings(m, dimensions) {
    const az = m.options?.azure ?? { api_version: '2023-05-15' }
    const target = embeddingsTarget(m, `https://${az.instance ?? ''}.openai.azure.com/openai/deployments/${az.deployment_id ?? m.name}/embeddings`)
    if (target.query === null) target.query = `api-version=${encodeURIComponent(az.api_version)}`
    return { target, body: (input) => ({ input, model: m.name, dimensions }), vector: openAiVector }
  },
}
