// ai-proxy config (Kong 3.10–3.14 AiProxy.json; kong/plugins/ai-proxy/schema.lua).
import { Type, type Static } from 'typebox'
import type { FieldErrors } from '../../core/config/types.ts'
import { AuthSchema, LLM_FORMATS, LoggingSchema, ModelSchema, ROUTE_TYPES, llmEntityChecks, nativeFormatChecks } from '../llm/schema.ts'

const lit = <T extends string>(v: T) => Type.Literal(v)

export const schema = Type.Object({
  route_type: Type.Union(ROUTE_TYPES.map(lit)),
  llm_format: Type.Union(LLM_FORMATS.map(lit), { default: 'openai' }),
  genai_category: Type.Union(
    ['audio/speech', 'audio/transcription', 'image/generation', 'text/embeddings', 'text/generation', 'video/generation'].map(lit),
    { default: 'text/generation' },
  ),
  response_streaming: Type.Union([lit('allow'), lit('deny'), lit('always')], { default: 'allow' }),
  max_request_body_size: Type.Integer({ default: 1048576, minimum: 0 }),
  model_name_header: Type.Boolean({ default: true }),
  logging: LoggingSchema,
  auth: AuthSchema,
  model: ModelSchema,
}, { additionalProperties: false })

export type AiProxyConf = Static<typeof schema>

/** Kong's entity checks: the llm record's, then ai-proxy's native llm_format rules. */
export function check(conf: AiProxyConf): FieldErrors | null {
  const c = conf as unknown as Parameters<typeof llmEntityChecks>[0]
  const entity = llmEntityChecks(c)
  const native = nativeFormatChecks(c)
  entity.push(...native.entity)
  if (entity.length === 0) return null
  return { ...native.fields, '@entity': entity }
}
