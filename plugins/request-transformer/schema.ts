// request-transformer config (kong/plugins/request-transformer/schema.lua). Entries are
// "name:value" strings (just "name" for remove); values may use templates like $(headers.x).
import { Type, type Static } from 'typebox'

const list = () => Type.Array(Type.String(), { default: [] })
const colonList = () => Type.Array(Type.String({ pattern: '^[^:]+:.*$', errorMessage: "invalid value: %s" }), { default: [] })
const names = () => Type.Object({ body: list(), headers: list(), querystring: list() }, { additionalProperties: false, default: {} })
const pairs = () => Type.Object({ body: colonList(), headers: colonList(), querystring: colonList() }, { additionalProperties: false, default: {} })

export const schema = Type.Object({
  http_method: Type.Optional(Type.String({ pattern: '^[A-Z]+$', errorMessage: 'invalid value: %s' })),
  remove: names(),
  rename: pairs(),
  replace: Type.Object({ body: colonList(), headers: colonList(), querystring: colonList(), uri: Type.Optional(Type.String()) }, { additionalProperties: false, default: {} }),
  add: pairs(),
  append: pairs(),
}, { additionalProperties: false })

export type RequestTransformerConf = Static<typeof schema>
