// Config schema pieces shared by ai-proxy and ai-proxy-advanced (kong/llm/schemas/init.lua and the
// 3.10–3.14 published schemas): model, auth, logging, embeddings, with Kong's defaults. The config
// types are derived from these schemas; the entity checks are in entity-checks.ts.
import { Type, type Static } from 'typebox'
import { embeddingsProviderIds, providerIds } from './registry.ts'
import { bool, num, oneOf, record, str, type OptionalDeep } from './schema-fields.ts'

/**
 * A provider id, checked against the registry when a config is loaded (not when this module is):
 * a provider registered by a plugin package validates like a bundled one, with Kong's one_of
 * message listing the registered ids. Other types are left to the string check ("expected a string").
 */
const registeredProvider = (ids: () => string[]) => Type.Refine(
  Type.String(),
  (v) => typeof v !== 'string' || ids().includes(v),
  () => `expected one of: ${ids().sort().join(', ')}`,
)

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
  provider: registeredProvider(providerIds),
  name: str(),
  model_alias: str(),
  options: ModelOptionsSchema,
})

/** Semantic routing's (and caches') embeddings model: any registered provider that serves embeddings. */
export const EmbeddingsSchema = record({
  auth: Type.Optional(AuthSchema),
  model: record({
    provider: registeredProvider(embeddingsProviderIds),
    name: Type.String(),
    options: Type.Optional(record({
      upstream_url: str(),
      azure: Type.Optional(record({ instance: str(), deployment_id: str(), api_version: Type.String({ default: '2023-05-15' }) })),
      bedrock: Type.Optional(record({
        aws_region: str(), aws_assume_role_arn: str(), aws_role_session_name: str(), aws_sts_endpoint_url: str(),
        embeddings_normalize: Type.Boolean({ default: false }),
      })),
      gemini: Type.Optional(record({ api_endpoint: str(), project_id: str(), location_id: str() })),
      huggingface: Type.Optional(record({ use_cache: bool(), wait_for_model: bool() })),
    })),
  }),
})

/**
 * What the LLM stages run on: ai-proxy's config, or one ai-proxy-advanced target merged with the
 * plugin's client-facing fields. The plugins' schemas are built from these same fields.
 */
export const LlmFields = {
  route_type: oneOf(ROUTE_TYPES),
  llm_format: oneOf(LLM_FORMATS, { default: 'openai' }),
  response_streaming: oneOf(['allow', 'deny', 'always'] as const, { default: 'allow' }),
  max_request_body_size: Type.Integer({ default: 1048576, minimum: 0 }),
  model_name_header: Type.Boolean({ default: true }),
  logging: LoggingSchema,
  auth: AuthSchema,
  model: ModelSchema,
}
export const LlmConfSchema = Type.Object(LlmFields, { additionalProperties: false })

export type LlmConf = Static<typeof LlmConfSchema>
/** `config.auth` as auth strategies read it (see OptionalDeep) */
export type AuthConf = OptionalDeep<Static<typeof AuthSchema>>
export type LoggingConf = Static<typeof LoggingSchema>
export type ModelConfig = Static<typeof ModelSchema>
/** `config.model.options` as drivers read it (see OptionalDeep) */
export type ModelOptions = OptionalDeep<Static<typeof ModelOptionsSchema>>
export type EmbeddingsConf = Static<typeof EmbeddingsSchema>
export type EmbeddingsModel = EmbeddingsConf['model']
