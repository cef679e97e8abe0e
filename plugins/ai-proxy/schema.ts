// ai-proxy config (Kong 3.10–3.14 AiProxy.json; kong/plugins/ai-proxy/schema.lua).
import { Type, type Static } from 'typebox'
import type { FieldErrors } from '../../core/config/types.ts'
import { LlmFields, schemaOverModel, type ModelSchemaT } from '../llm/schema.ts'
import { oneOf } from '../llm/schema-fields.ts'
import { llmEntityChecks, nativeFormatChecks } from '../llm/entity-checks.ts'

const build = (model: ModelSchemaT) => Type.Object({
  route_type: LlmFields.route_type,
  llm_format: LlmFields.llm_format,
  genai_category: oneOf(
    ['audio/speech', 'audio/transcription', 'image/generation', 'text/embeddings', 'text/generation', 'video/generation'] as const,
    { default: 'text/generation' },
  ),
  response_streaming: LlmFields.response_streaming,
  max_request_body_size: LlmFields.max_request_body_size,
  model_name_header: LlmFields.model_name_header,
  logging: LlmFields.logging,
  auth: LlmFields.auth,
  model,
}, { additionalProperties: false })

/**
 * ai-proxy's config schema, with `model.options` composed from the provider registry: read by
 * the plugin registry when it compiles (after plugin packages have registered their providers).
 */
export const schema: () => ReturnType<typeof build> = schemaOverModel(build)

export type AiProxyConf = Static<ReturnType<typeof build>>

/** Kong's entity checks: the llm record's, then ai-proxy's native llm_format rules. */
export function check(conf: AiProxyConf): FieldErrors | null {
  const entity = llmEntityChecks(conf)
  const native = nativeFormatChecks(conf)
  entity.push(...native.entity)
  if (entity.length === 0) return null
  return { ...native.fields, '@entity': entity }
}
