// ai-prompt-guard's config, Kong 3.14 field for field (kong/plugins/ai-prompt-guard/schema.lua and
// the published 3.14 schema): up to 10 patterns of 1–500 characters each way, the 1 MiB body
// default of 3.13 (0 = unlimited), every llm_format of 3.13+.
import { Type, type Static } from 'typebox'
import { oneOf } from '../llm/schema-fields.ts'
import { LLM_FORMATS } from '../llm/schema.ts'

export const GENAI_CATEGORIES = [
  'audio/speech', 'audio/transcription', 'image/generation', 'realtime/generation', 'text/embeddings', 'text/generation', 'video/generation',
] as const

const patterns = Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 10 }))

export const schema = Type.Object({
  allow_patterns: patterns,
  deny_patterns: patterns,
  /** true: check only the newest message that is checked at all */
  allow_all_conversation_history: Type.Boolean({ default: false }),
  /** check every role's messages, not only `user`'s */
  match_all_roles: Type.Boolean({ default: false }),
  max_request_body_size: Type.Integer({ minimum: 0, default: 1048576 }),
  llm_format: oneOf(LLM_FORMATS, { default: 'openai' }),
  genai_category: oneOf(GENAI_CATEGORIES, { default: 'text/generation' }),
}, { additionalProperties: false })

export type GuardConf = Static<typeof schema>
