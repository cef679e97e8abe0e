// Config schema pieces shared by ai-proxy and ai-proxy-advanced (kong/llm/schemas/init.lua and the
// 3.10–3.14 published schemas): model, auth, logging, with Kong's defaults, and the entity checks
// with Kong's messages (kong/llm/schemas/init.lua).
import { Type, type Static, type TSchema } from 'typebox'
import type { FieldErrors } from '../../core/config/types.ts'

const str = () => Type.Optional(Type.String())
const bool = () => Type.Optional(Type.Boolean())
const num = () => Type.Optional(Type.Number())
function oneOf<const T extends readonly string[]>(values: T, opts: Record<string, unknown> = {}): TSchema {
  return Type.Union(values.map((v) => Type.Literal(v)), opts)
}
const record = <P extends Record<string, TSchema>>(props: P, opts: Record<string, unknown> = {}) =>
  Type.Object(props, { additionalProperties: false, ...opts })

export const PROVIDERS = [
  'anthropic', 'azure', 'bedrock', 'cerebras', 'cohere', 'dashscope', 'databricks', 'deepseek', 'gemini',
  'huggingface', 'llama2', 'mistral', 'ollama', 'openai', 'vllm', 'xai',
] as const

export const ROUTE_TYPES = [
  'llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings', 'preserve',
  // Kong 3.11's OpenAI API routes (types.ts OpenAiApiRoute): served by openai and azure
  'llm/v1/responses', 'llm/v1/files', 'llm/v1/batches', 'llm/v1/assistants',
  'audio/v1/audio/speech', 'audio/v1/audio/transcriptions', 'audio/v1/audio/translations',
  'image/v1/images/generations', 'image/v1/images/edits',
] as const

export const LLM_FORMATS = ['openai', 'anthropic', 'bedrock', 'cohere', 'gemini', 'huggingface'] as const

export const AuthSchema = record({
  header_name: str(),
  header_value: str(),
  param_name: str(),
  param_value: str(),
  param_location: Type.Optional(oneOf(['query', 'body'] as const)),
  allow_override: Type.Boolean({ default: false }),
  azure_use_managed_identity: Type.Boolean({ default: false }),
  azure_client_id: str(),
  azure_client_secret: str(),
  azure_tenant_id: str(),
  gcp_use_service_account: Type.Boolean({ default: false }),
  gcp_service_account_json: str(),
  gcp_metadata_url: str(),
  gcp_oauth_token_url: str(),
  aws_access_key_id: str(),
  aws_secret_access_key: str(),
}, { default: {} })

export const LoggingSchema = record({
  log_statistics: Type.Boolean({ default: false }),
  log_payloads: Type.Boolean({ default: false }),
}, { default: {} })

export const ModelOptionsSchema = record({
  max_tokens: Type.Optional(Type.Integer()),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 5 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  top_k: Type.Optional(Type.Integer({ minimum: 0, maximum: 500 })),
  input_cost: num(),
  output_cost: num(),
  cache_read_cost: num(),
  cache_write_cost: num(),
  cache_write_cost_list: Type.Optional(Type.Array(record({ ttl: Type.String(), cost: Type.Number() }))),
  context_window_factor: Type.Optional(Type.Array(record({ above: Type.String(), input_factor: Type.Number(), output_factor: Type.Number() }))),
  service_tier_factor: Type.Optional(Type.Array(record({ tier: Type.String(), factor: Type.Number() }))),
  upstream_url: str(),
  upstream_path: str(),
  upstream_tls_verify: Type.Optional(Type.Boolean({ description: "verify the provider's TLS certificate (against lua_ssl_trusted_certificate); unset = the service's tls_verify, else verify. Not a Kong field." })),
  anthropic_version: str(),
  azure_instance: str(),
  azure_api_version: Type.String({ default: '2023-05-15' }),
  azure_deployment_id: str(),
  llama2_format: Type.Optional(oneOf(['raw', 'openai', 'ollama'] as const)),
  mistral_format: Type.Optional(oneOf(['openai', 'ollama'] as const)),
  embeddings_dimensions: Type.Optional(Type.Integer()),
  gemini: Type.Optional(record({ api_endpoint: str(), project_id: str(), location_id: str(), endpoint_id: str() })),
  bedrock: Type.Optional(record({
    aws_region: str(),
    aws_assume_role_arn: str(),
    aws_role_session_name: str(),
    aws_sts_endpoint_url: str(),
    embeddings_normalize: Type.Boolean({ default: false }),
    performance_config_latency: str(),
    video_output_s3_uri: str(),
    batch_bucket_prefix: str(),
    batch_role_arn: str(),
  })),
  cohere: Type.Optional(record({
    embedding_input_type: oneOf(['classification', 'clustering', 'image', 'search_document', 'search_query'] as const, { default: 'classification' }),
    wait_for_model: bool(),
  })),
  huggingface: Type.Optional(record({ use_cache: bool(), wait_for_model: bool() })),
  dashscope: Type.Optional(record({ international: Type.Boolean({ default: true }) })),
  databricks: Type.Optional(record({ workspace_instance_id: str() })),
}, { default: {} })

export const ModelSchema = record({
  provider: oneOf(PROVIDERS),
  name: str(),
  model_alias: str(),
  options: ModelOptionsSchema,
})

export type AuthConfig = Static<typeof AuthSchema>
export type ModelConfig = Static<typeof ModelSchema>

/** What the entity checks read: ai-proxy's config, or one ai-proxy-advanced target. */
interface Checked {
  route_type?: string
  llm_format?: string
  auth?: Record<string, unknown> | null
  model?: { provider?: string; options?: Record<string, unknown> | null } | null
  logging?: { log_statistics?: boolean } | null
}

const set = (v: unknown) => v !== undefined && v !== null

function allOrNone(values: Record<string, unknown>, fields: readonly string[], prefix: string, out: string[]): void {
  const n = fields.filter((f) => set(values[f])).length
  if (n !== 0 && n !== fields.length) out.push(`all or none of these fields must be set: ${fields.map((f) => `'${prefix}${f}'`).join(', ')}`)
}

/** Kong's llm record entity checks: the messages, in Kong's order (empty when valid). */
export function llmEntityChecks(conf: Checked): string[] {
  const out: string[] = []
  const auth = conf.auth ?? {}
  const model = conf.model ?? {}
  const options = model.options ?? {}
  const provider = model.provider
  allOrNone(auth, ['header_name', 'header_value'], 'auth.', out)
  allOrNone(auth, ['param_name', 'param_value', 'param_location'], 'auth.', out)
  if ((provider === 'bedrock' || provider === 'gemini') && auth.allow_override === true) out.push('bedrock and gemini only support auth.allow_override = false')
  if (provider === 'llama2' && !set(options.llama2_format)) out.push("must set 'model.options.llama2_format' for llama2 provider")
  if (provider === 'mistral' && !set(options.mistral_format)) out.push("must set 'model.options.mistral_format' for mistral provider")
  if (provider === 'anthropic' && !set(options.anthropic_version)) out.push("must set 'model.options.anthropic_version' for anthropic provider")
  if (provider === 'azure') {
    for (const f of ['azure_instance', 'azure_api_version', 'azure_deployment_id']) {
      if (!set(options[f])) out.push(`must set 'model.options.${f}' for azure provider`)
    }
  }
  if ((provider === 'llama2' || provider === 'vllm') && !set(options.upstream_url)) out.push("must set 'model.options.upstream_url' for self-hosted providers/models")
  const gemini = options.gemini as Record<string, unknown> | undefined | null
  if (gemini) allOrNone(gemini, ['api_endpoint', 'project_id', 'location_id'], 'model.options.gemini.', out)
  if (provider === 'anthropic' && conf.route_type === 'llm/v1/completions' && conf.logging?.log_statistics === true) {
    out.push('anthropic does not support statistics when route_type is llm/v1/completions')
  }
  return out
}

/**
 * ai-proxy's checks of the native llm_format rules (OSS 3.10 ai-proxy/schema.lua): an entity
 * message plus a field error, as Kong's conditional checks report them.
 */
export function nativeFormatChecks(conf: Checked): { entity: string[]; fields: Record<string, FieldErrors> } {
  const entity: string[] = []
  const fields: Record<string, FieldErrors> = {}
  const f = conf.llm_format
  if (f === 'bedrock' || f === 'gemini') {
    if (conf.route_type !== 'llm/v1/chat') {
      entity.push("native provider options in llm_format can only be used with the 'llm/v1/chat' route_type")
      fields.route_type = 'value must be llm/v1/chat'
    }
    if (conf.model?.provider !== f) {
      entity.push(`native llm_format '${f}' can only be used with the '${f}' model.provider`)
      fields.model = { provider: `value must be ${f}` }
    }
  }
  return { entity, fields }
}
