// key-auth's config (kong/plugins/key-auth/schema.lua, Kong 3.10).
import { Type, type Static } from 'typebox'

export const schema = Type.Object({
  /** where the key is looked for: header names, query and body argument names */
  key_names: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]+$', errorMessage: "bad header name '%s', allowed characters are A-Z, a-z, 0-9, '_', and '-'" }), { minItems: 1, default: ['apikey'] }),
  /** remove the key from the request before it goes upstream */
  hide_credentials: Type.Boolean({ default: false }),
  /** consumer id or username used when authentication fails (logical OR with other auth plugins) */
  anonymous: Type.Optional(Type.String({ minLength: 1 })),
  key_in_header: Type.Boolean({ default: true }),
  key_in_query: Type.Boolean({ default: true }),
  key_in_body: Type.Boolean({ default: false }),
  /** authenticate OPTIONS requests too (false lets CORS preflights through) */
  run_on_preflight: Type.Boolean({ default: true }),
  /** realm in the WWW-Authenticate challenge (`Key realm="..."`); just `Key` when unset */
  realm: Type.Optional(Type.String({ minLength: 1 })),
}, { additionalProperties: false })

export type KeyAuthConf = Static<typeof schema>
