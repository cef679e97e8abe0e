// ai-prompt-decorator's config, Kong 3.14 (kong/plugins/ai-prompt-decorator/schema.lua and the
// published 3.14 schema): up to 15 messages to prepend and 15 to append, content up to 100000
// characters (the 3.11 "longer content"), the 3.13 body default (0 = unlimited), every llm_format.
import { Type, type Static } from 'typebox'
import { oneOf, record } from '../llm/schema-fields.ts'
import { LLM_FORMATS } from '../llm/schema.ts'

const message = record({
  role: oneOf(['system', 'assistant', 'user'] as const, { default: 'system' }),
  content: Type.String({ minLength: 1, maxLength: 100000 }),
})

const messages = Type.Optional(Type.Array(message, { maxItems: 15 }))

export const schema = Type.Object({
  prompts: Type.Optional(record({ prepend: messages, append: messages })),
  max_request_body_size: Type.Integer({ minimum: 0, default: 1048576 }),
  llm_format: oneOf(LLM_FORMATS, { default: 'openai' }),
}, { additionalProperties: false })

export type DecoratorConf = Static<typeof schema>
export type DecoratorMessage = Static<typeof message>
