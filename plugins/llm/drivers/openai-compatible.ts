// Providers that speak OpenAI's chat API at their own address, one table row each. Base URLs and
// paths from Kong's provider pages (developer.konghq.com/ai-gateway/):
//   cerebras   https://inference-docs.cerebras.ai/api-reference/chat-completions
//   xai        https://docs.x.ai/docs/api-reference
//   deepseek   https://api-docs.deepseek.com/api/create-chat-completion
//   dashscope  https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope
//   databricks https://docs.databricks.com/aws/en/machine-learning/model-serving/score-foundation-models
//   vllm       https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html (upstream_url required)
//   mistral    https://docs.mistral.ai/api/ (mistral_format openai; mistral.ts wraps this row for both formats)
import { llmError } from '../errors.ts'
import { requireOption } from '../entity-checks.ts'
import type { CheckedConf } from '../entity-checks.ts'
import type { DriverContext, ModelOptions, ProviderDriver, RouteType, UpstreamTarget } from '../types.ts'
import { decodeOpenAi, encodeOpenAi, openAiStream } from './openai-shape.ts'
import { OPENAI_API_ROUTES, isOpenAiApiRoute, resourceSuffix } from '../openai-api-routes.ts'
import { record, str } from '../schema-fields.ts'
import { Type } from 'typebox'
import type { OptionFields, ProviderRegistration } from '../registry.ts'

interface Row {
  id: string
  /** scheme, host and port; null = only upstream_url can say */
  base(o: ModelOptions): Pick<UpstreamTarget, 'scheme' | 'host' | 'port'> | null
  paths: Partial<Record<RouteType, string>>
  /** request fields this provider rejects */
  drop?: readonly string[]
  /** a config this driver cannot serve (checked per request, config-dependent) */
  refuse?(ctx: DriverContext): string | null
  /** this provider's own model.options fields */
  options?: OptionFields
  /** Kong's entity checks on this provider's options (config load) */
  checkOptions?(conf: CheckedConf, out: string[]): void
}

/** model.options fields of dashscope and databricks */
export const dashscopeOptions = { dashscope: Type.Optional(record({ international: Type.Boolean({ default: true }) })) }
export const databricksOptions = { databricks: Type.Optional(record({ workspace_instance_id: str() })) }

const https = (host: string) => ({ scheme: 'https' as const, host, port: 443 })
const CHAT = { 'llm/v1/chat': '/v1/chat/completions' }

const ROWS: Row[] = [
  { id: 'cerebras', base: () => https('api.cerebras.ai'), paths: CHAT },
  // Kong 3.13: xAI's Responses API and image generation, OpenAI's shapes
  { id: 'xai', base: () => https('api.x.ai'), paths: { ...CHAT, 'llm/v1/responses': '/v1/responses', 'image/v1/images/generations': '/v1/images/generations' } },
  { id: 'deepseek', base: () => https('api.deepseek.com'), paths: CHAT },
  {
    id: 'dashscope',
    options: dashscopeOptions,
    base: (o) => https(o.dashscope?.international === false ? 'dashscope.aliyuncs.com' : 'dashscope-intl.aliyuncs.com'),
    paths: { 'llm/v1/chat': '/compatible-mode/v1/chat/completions', 'llm/v1/embeddings': '/compatible-mode/v1/embeddings' },
  },
  {
    id: 'databricks',
    options: databricksOptions,
    base: (o) => (o.databricks?.workspace_instance_id ? https(`${o.databricks.workspace_instance_id}.cloud.databricks.com`) : null),
    paths: { 'llm/v1/chat': '/serving-endpoints/v1/chat/completions' },
    drop: ['stream_options'], // Kong 3.14.0.5: not forwarded to Databricks
  },
  {
    id: 'vllm',
    base: () => null,
    paths: { ...CHAT, 'llm/v1/completions': '/v1/completions', 'llm/v1/embeddings': '/v1/embeddings' },
    checkOptions: (conf, out) => requireOption(conf, 'upstream_url', 'self-hosted providers/models', out),
  },
  {
    id: 'mistral',
    base: () => https('api.mistral.ai'),
    paths: { ...CHAT, 'llm/v1/embeddings': '/v1/embeddings' },
    refuse: (ctx) => {
      const f = ctx.model.options.mistral_format ?? 'openai'
      return f === 'openai' ? null : `no transformer available to format mistral://${ctx.route}/${f}`
    },
  },
]

function driverFor(row: Row): ProviderRegistration {
  return {
    id: row.id,
    options: row.options,
    routes: new Set<RouteType>([...(Object.keys(row.paths) as RouteType[]), 'preserve']),
    checkOptions: row.checkOptions,
    streamUsage: false,
    passthroughResponse: true,
    target(ctx) {
      const base = row.base(ctx.model.options)
      if (base === null && !ctx.model.options.upstream_url) {
        throw llmError(500, `${row.id} needs model.options.upstream_url (or its provider options) to know where to send requests`)
      }
      let path = row.paths[ctx.route] ?? ctx.clientPath
      // an API resource's calls (retrieve, delete, ...) keep what follows the resource in the client's path
      if (isOpenAiApiRoute(ctx.route)) path += resourceSuffix(OPENAI_API_ROUTES.get(ctx.route)!, ctx.clientPath)
      return { ...(base ?? https('invalid')), path, query: null }
    },
    encodeRequest(req, _raw, ctx) {
      const refused = row.refuse?.(ctx)
      if (refused) throw llmError(400, refused)
      // the API routes' bodies go as they came, as with openai
      if (isOpenAiApiRoute(ctx.route)) return null
      return encodeOpenAi(req, row.drop)
    },
    decodeResponse: (body, ctx) => decodeOpenAi(row.id, body, ctx),
    stream: openAiStream,
  }
}

export const openAiCompatible: readonly ProviderRegistration[] = ROWS.map(driverFor)
