// cors config (kong/plugins/cors/schema.lua, Kong 3.10).
import { Type, type Static } from 'typebox'

const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const

export const schema = Type.Object({
  /** allowed origins: `*`, exact origins, or regexes (anything beyond [A-Za-z0-9.:/-]) */
  origins: Type.Optional(Type.Array(Type.String())),
  /** Access-Control-Allow-Headers; when unset the preflight's Access-Control-Request-Headers is echoed */
  headers: Type.Optional(Type.Array(Type.String())),
  exposed_headers: Type.Optional(Type.Array(Type.String())),
  methods: Type.Array(Type.Union(METHODS.map((m) => Type.Literal(m))), { default: [...METHODS] }),
  max_age: Type.Optional(Type.Number()),
  credentials: Type.Boolean({ default: false }),
  private_network: Type.Boolean({ default: false }),
  /** pass preflight requests to the upstream instead of answering them */
  preflight_continue: Type.Boolean({ default: false }),
  /** add CORS headers to responses to requests without an Origin header */
  allow_origin_absent: Type.Boolean({ default: true }),
}, { additionalProperties: false })

export type CorsConf = Static<typeof schema>
