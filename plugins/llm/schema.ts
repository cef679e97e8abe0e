// Config schema pieces shared by ai-proxy and ai-proxy-advanced (kong/llm/schemas/init.lua and the
// 3.10–3.14 published schemas): model, auth, logging, embeddings, with Kong's defaults. The config
// types are derived from these schemas; the entity checks are in entity-checks.ts. `model.options`
// is composed from the provider registry (modelSchema()): each provider's registration carries its fields.
import { Type, type Static, type TObject } from 'typebox'
import { embeddingsProviderIds, providerIds, providerOptionFields, providersRevision } from './registry.ts'
import { bool, oneOf, record, str, type OptionalDeep } from './schema-fields.ts'
import { CommonOptionsFields } from './common-options.ts'
import type { anthropicOptions } from './drivers/anthropic.ts'
import type { azureOptions } from './drivers/azure.ts'
import type { bedrockOptions } from './drivers/bedrock.ts'
import type { cohereOptions } from './drivers/cohere.ts'
import type { geminiOptions } from './drivers/gemini.ts'
import type { huggingfaceOptions } from './drivers/huggingface.ts'
import type { llama2Options } from './drivers/llama2.ts'
import type { mistralOptions } from './drivers/mistral.ts'
import type { ollamaOptions } from './drivers/ollama.ts'
import type { dashscopeOptions, databricksOptions } from './drivers/openai-compatible.ts'
import type { videoOptions } from './drivers/video-request.ts'

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
  // Kong 3.11's WebSocket route (openai, azure): the upgrade is proxied, see plugins/llm/realtime/
  'realtime/v1/realtime',
  // Kong 3.13: openai, azure, gemini (Veo), bedrock (Nova Reel)
  'video/v1/videos/generations',
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

/**
 * The bundled providers' option fields, as their registrations declare them: the static type of
 * the options record (third-party fields validate but are not typed here; their driver reads its own).
 */
type BundledOptionsFields = typeof CommonOptionsFields & typeof anthropicOptions & typeof azureOptions & typeof llama2Options
  & typeof mistralOptions & typeof ollamaOptions & typeof geminiOptions & typeof bedrockOptions & typeof cohereOptions
  & typeof huggingfaceOptions & typeof dashscopeOptions & typeof databricksOptions & typeof videoOptions

type ModelOptionsSchemaT = TObject<BundledOptionsFields>

const modelRecord = (options: ModelOptionsSchemaT) => record({
  provider: registeredProvider(providerIds),
  name: str(),
  model_alias: str(),
  options,
})
export type ModelSchemaT = ReturnType<typeof modelRecord>

let composed: { revision: number; model: ModelSchemaT } | undefined

/**
 * `model` with its options record composed from the registry: the shared fields, then every
 * registered provider's own fields. Built when a plugin registry compiles the AI plugins' schemas
 * (after plugin packages have registered their providers); rebuilt only after a registration.
 */
export function modelSchema(): ModelSchemaT {
  const revision = providersRevision()
  if (composed?.revision !== revision) {
    // the bundled providers are registered (bundled.ts) before any config loads, so the registry's
    // fields include BundledOptionsFields; a provider package adds its own beside them
    const fields = { ...CommonOptionsFields, ...providerOptionFields() } as BundledOptionsFields
    composed = { revision, model: modelRecord(record(fields, { default: {} })) }
  }
  return composed.model
}

/**
 * An AI plugin's config schema over `model` (modelSchema()): built on first use and again only
 * after a provider registration has recomposed the model record, so every plugin-registry compile
 * in between gets the same schema object.
 */
export function schemaOverModel<S>(build: (model: ModelSchemaT) => S): () => S {
  let built: { model: ModelSchemaT; schema: S } | undefined
  return () => {
    const model = modelSchema()
    if (built?.model !== model) built = { model, schema: build(model) }
    return built.schema
  }
}

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
}
/** the LLM fields with `model` (composed from the registry: modelSchema()) */
type LlmConfSchemaT = TObject<typeof LlmFields & { model: ModelSchemaT }>

export type LlmConf = Static<LlmConfSchemaT>
/** `config.auth` as auth strategies read it (see OptionalDeep) */
export type AuthConf = OptionalDeep<Static<typeof AuthSchema>>
export type LoggingConf = Static<typeof LoggingSchema>
export type ModelConfig = Static<ModelSchemaT>
/** `config.model.options` as drivers read it (see OptionalDeep) */
export type ModelOptions = OptionalDeep<Static<ModelOptionsSchemaT>>
export type EmbeddingsConf = Static<typeof EmbeddingsSchema>
export type EmbeddingsModel = EmbeddingsConf['model']
