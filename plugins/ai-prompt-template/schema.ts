// ai-prompt-template's config, Kong 3.14 (kong/plugins/ai-prompt-template/schema.lua and the
// published 3.14 schema). No llm_format: the plugin works on the raw body, before any parse.
import { Type, type Static } from 'typebox'
import { record } from '../llm/schema-fields.ts'

export const schema = Type.Object({
  /** first template of a name wins (Kong does not check names for uniqueness) */
  templates: Type.Array(record({ name: Type.String(), template: Type.String() })),
  allow_untemplated_requests: Type.Boolean({ default: true }),
  /** the client's body into the log field ai.payload.original_request */
  log_original_request: Type.Boolean({ default: false }),
  max_request_body_size: Type.Integer({ minimum: 0, default: 1048576 }),
}, { additionalProperties: false })

export type TemplateConf = Static<typeof schema>
