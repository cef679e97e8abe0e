// Kong's field typedefs (kong/db/schema/typedefs.lua) as TypeBox schemas. Structure, ranges,
// enums and defaults live here so the compiled validator enforces them; checks a JSON schema
// cannot say (host syntax, path normalization, regex compilation) live next to each entity.
// `errorMessage` / `kongType` are read by schema-errors.ts to speak Kong's messages.

import { Type, type TSchema } from 'typebox'
import type { KongOptions } from './schema-errors.ts'

/** Kong's `constants.PROTOCOLS` (sorted), plus ws/wss which Tollgate's types admit. */
export const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] as const

/** Protocols served by the http subsystem: the default of a plugin's `protocols`. */
export const HTTP_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https'] as const

/** Kong's `one_of`: a union of literals, reported as "expected one of: a, b". */
export function oneOf(values: readonly (string | number)[], options: Record<string, unknown> = {}) {
  return Type.Union(values.map((v) => Type.Literal(v)), options)
}

/** Kong's `between`, reported as "value should be between a and b". */
export function between(min: number, max: number, options: Record<string, unknown> = {}) {
  return Type.Integer({ minimum: min, maximum: max, ...options })
}

/** Kong's `set`: an array reported as "expected a set". */
export function set<T extends TSchema>(items: T, options: Record<string, unknown> = {}) {
  return Type.Array(items, { kongType: 'set', ...options } satisfies KongOptions)
}

export const id = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  errorMessage: 'expected a valid UUID',
})

/** typedefs.utf8_name */
export const utf8Name = Type.String({
  pattern: '^[A-Za-z0-9._~\\-\\u{80}-\\u{10FFFF}]+$',
  errorMessage: "invalid value '%s': the only accepted ascii characters are alphanumerics or ., -, _, and ~",
})

/** typedefs.tags: printable ASCII except ',' and '/', or any non-ASCII character. */
export const tags = set(
  Type.String({
    pattern: '^[ !-+\\-.0-~\\u{80}-\\u{10FFFF}]+$',
    errorMessage: "invalid tag '%s': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
  }),
)

export const protocol = oneOf(PROTOCOLS)

export const port = between(0, 65535)

/** Kong's `nonzero_timeout`. */
export const timeout = between(1, 2 ** 31 - 2, { default: 60000 })

/** typedefs.auto_timestamp_s: accepted on input (exports carry it), not kept. */
export const timestamp = Type.Integer()

/** Meta fields any declarative record may carry (add_extra_attributes). */
export const extras = {
  _comment: Type.Optional(Type.String()),
  _ignore: Type.Optional(Type.Array(Type.Unknown())),
}

/** typedefs.http_method */
export const httpMethod = Type.String({ pattern: '^[A-Z]+$', errorMessage: 'invalid value: %s' })
