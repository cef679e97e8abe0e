// Routes (kong/db/schema/entities/routes.lua and routes_subschemas.lua, traditional_compatible
// flavor): fields, defaults, matcher checks and the per-protocol-family entity checks.

import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { checkHeaderName, checkRouteHost, checkWildcardHost } from './check-host.ts'
import { defaultsOf, orNull, type EntityDef, type Fields } from './entity-def.ts'
import type { ErrorCollector, Path } from './field-errors.ts'
import { checkRoutePath } from './path-checks.ts'
import { extras, httpMethod, id, oneOf, PROTOCOLS, set, tags, timestamp, utf8Name } from './typedefs.ts'
import { nullObject } from '../safe-merge.ts'
import type { Route, RouteProtocol } from './types.ts'

export const RouteSchema = Type.Object(
  {
    id: Type.Optional(id),
    name: Type.Optional(utf8Name),
    created_at: Type.Optional(timestamp),
    updated_at: Type.Optional(timestamp),
    protocols: Type.Optional(set(oneOf(PROTOCOLS), { minItems: 1, default: ['http', 'https'] })),
    https_redirect_status_code: Type.Optional(oneOf([426, 301, 302, 307, 308], { default: 426 })),
    // default depends on the protocols (false for grpc): applied in check()
    strip_path: Type.Optional(Type.Boolean()),
    preserve_host: Type.Optional(Type.Boolean({ default: false })),
    request_buffering: Type.Optional(Type.Boolean({ default: true })),
    response_buffering: Type.Optional(Type.Boolean({ default: true })),
    tags: Type.Optional(tags),
    snis: Type.Optional(set(Type.String())),
    methods: Type.Optional(set(httpMethod)),
    hosts: Type.Optional(Type.Array(Type.String())),
    paths: Type.Optional(Type.Array(Type.String())),
    headers: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { kongType: 'map' })),
    regex_priority: Type.Optional(Type.Integer({ default: 0 })),
    path_handling: Type.Optional(oneOf(['v0', 'v1'], { default: 'v0' })),
    ...extras,
  },
  { additionalProperties: false },
)

const SUBSCHEMA: Readonly<Record<string, 'http' | 'grpc' | 'stream'>> = {
  http: 'http', https: 'http', ws: 'http', wss: 'http',
  grpc: 'grpc', grpcs: 'grpc',
  tcp: 'stream', tls: 'stream', udp: 'stream', tls_passthrough: 'stream',
}
const EXCLUSIVE_SETS = [['http', 'https'], ['tcp', 'tls', 'udp'], ['tls_passthrough'], ['grpc', 'grpcs'], ['ws', 'wss']]
const SNI_PROTOCOLS = ['grpcs', 'https', 'tls', 'tls_passthrough', 'wss']
const STREAM_ERR = "when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'"

const quoted = (words: readonly string[]): string => words.map((w) => `'${w}'`).join(', ')

/** Kong cannot pick a subschema when no protocol is known, and says only that. */
function refuseUnknownProtocols(fields: Fields, out: ErrorCollector, path: Path): void {
  const protocols = fields.protocols
  if (Array.isArray(protocols) && protocols.length > 0 && !protocols.some((p) => typeof p === 'string' && p in SUBSCHEMA)) {
    out.field([...path, 'protocols'], `unknown type: ${String(protocols[0])}`)
  }
}

function nonEmpty(value: unknown): boolean {
  if (value === undefined) return false
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0
  return true
}

function checkFields(value: Fields, out: ErrorCollector, path: Path): void {
  const protocols = value.protocols
  const groups = Array.isArray(protocols) ? EXCLUSIVE_SETS.filter((g) => g.some((p) => protocols.includes(p))) : []
  if (groups.length > 1) {
    out.field([...path, 'protocols'], `these sets are mutually exclusive: ${groups.map((g) => `(${quoted(g)})`).join(', ')}`)
  }
  eachElement(value.hosts, [...path, 'hosts'], checkRouteHost, out)
  eachElement(value.paths, [...path, 'paths'], checkRoutePath, out)
  eachElement(value.snis, [...path, 'snis'], checkWildcardHost, out)
  const headers = value.headers
  if (headers !== null && typeof headers === 'object') {
    for (const name of Object.keys(headers)) {
      const bad = /^host$/i.test(name)
        ? "cannot contain 'host' header, which must be specified in the 'hosts' attribute"
        : checkHeaderName(name)
      if (bad !== null) out.field([...path, 'headers'], bad)
    }
  }
}

/** Header names match case-insensitively: lower-case them, merging values of names that collide. */
function lowerCaseHeaders(headers: unknown): Record<string, string[]> | null {
  if (headers === undefined) return null
  // header names are config strings: `constructor` or `__proto__` must not find Object.prototype's
  const out: Record<string, string[]> = nullObject() as Record<string, string[]>
  for (const [name, values] of Object.entries(headers as Record<string, string[]>)) {
    const key = name.toLowerCase()
    out[key] = [...(out[key] ?? []), ...values]
  }
  return out
}

function check(value: Fields, given: Fields, out: ErrorCollector, path: Path): void {
  const protocols = value.protocols as string[]
  const family = SUBSCHEMA[protocols.find((p) => p in SUBSCHEMA) ?? 'http']
  value.strip_path ??= family !== 'grpc'
  if (!protocols.some((p) => SNI_PROTOCOLS.includes(p)) && nonEmpty(value.snis)) {
    out.entity(path, "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'")
  }
  if (family === 'http') {
    const secure = protocols.find((p) => p === 'https' || p === 'wss')
    const tls = secure !== undefined
    const fields = tls ? ['methods', 'hosts', 'headers', 'paths', 'snis'] : ['methods', 'hosts', 'headers', 'paths']
    const named = secure ?? protocols.find((p) => p === 'http' || p === 'ws') ?? 'http'
    atLeastOne(value, fields, `must set one of ${quoted(fields)} when 'protocols' is '${named}'`, out, path)
  } else if (family === 'grpc') {
    const err = "when 'protocols' is 'grpc' or 'grpcs'"
    if (given.strip_path === true) out.field([...path, 'strip_path'], `cannot set 'strip_path' ${err}`)
    if (value.methods !== undefined) out.field([...path, 'methods'], `cannot set 'methods' ${err}`)
    const tls = protocols.includes('grpcs')
    const fields = tls ? ['hosts', 'headers', 'paths', 'snis'] : ['hosts', 'headers', 'paths']
    atLeastOne(value, fields, `must set one of ${quoted(fields)} when 'protocols' is '${tls ? 'grpcs' : 'grpc'}'`, out, path)
  } else {
    for (const f of ['methods', 'hosts', 'paths', 'headers']) {
      if (value[f] !== undefined) out.field([...path, f], `cannot set '${f}' ${STREAM_ERR}`)
    }
    if (protocols.includes('tls_passthrough')) {
      atLeastOne(value, ['snis'], "must set snis when 'protocols' is 'tls_passthrough'", out, path)
    } else {
      // sources/destinations are not supported, so snis is the only way to match a stream route
      atLeastOne(value, ['snis'], "must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'", out, path)
    }
  }
}

function atLeastOne(value: Fields, fields: readonly string[], message: string, out: ErrorCollector, path: Path): void {
  if (!fields.some((f) => nonEmpty(value[f]))) out.entity(path, message)
}

function eachElement(list: unknown, path: Path, fn: (s: string) => string | null, out: ErrorCollector): void {
  if (!Array.isArray(list)) return
  list.forEach((item: unknown, i) => {
    const err = typeof item === 'string' ? fn(item) : null
    if (err !== null) out.field([...path, i], err)
  })
}

export const routes: EntityDef<Route> = {
  name: 'routes',
  singular: 'route',
  validator: Compile(RouteSchema),
  defaults: defaultsOf(RouteSchema),
  children: ['plugins'],
  foreign: { service: 'services' },
  requiredForeign: [],
  unique: ['name'],
  prepare: refuseUnknownProtocols,
  checkFields,
  check,
  build: (v, id, refs) => ({
    id,
    name: orNull(v.name),
    service: refs.service ?? null,
    protocols: v.protocols as RouteProtocol[],
    methods: orNull(v.methods),
    hosts: orNull(v.hosts),
    paths: orNull(v.paths),
    headers: lowerCaseHeaders(v.headers),
    snis: orNull(v.snis),
    strip_path: v.strip_path as boolean,
    preserve_host: v.preserve_host as boolean,
    path_handling: v.path_handling as Route['path_handling'],
    regex_priority: v.regex_priority as number,
    https_redirect_status_code: v.https_redirect_status_code as Route['https_redirect_status_code'],
    request_buffering: v.request_buffering as boolean,
    response_buffering: v.response_buffering as boolean,
    tags: orNull(v.tags),
  }),
}
