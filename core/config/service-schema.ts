// Services (kong/db/schema/entities/services.lua): fields, defaults, the `url` shorthand and the
// protocol-conditional checks.

import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { checkHost } from './check-host.ts'
import { defaultsOf, orNull, type EntityDef, type Fields } from './entity-def.ts'
import type { ErrorCollector, Path } from './field-errors.ts'
import { checkServicePath } from './path-checks.ts'
import { undiciLoadError } from '../proxy/load-undici.ts'
import { between, extras, id, oneOf, PROTOCOLS, tags, timeout, timestamp, utf8Name } from './typedefs.ts'
import type { Service, ServiceProtocol } from './types.ts'

export const ServiceSchema = Type.Object(
  {
    id: Type.Optional(id),
    name: Type.Optional(utf8Name),
    created_at: Type.Optional(timestamp),
    updated_at: Type.Optional(timestamp),
    retries: Type.Optional(between(0, 32767, { default: 5 })),
    protocol: Type.Optional(oneOf(PROTOCOLS, { default: 'http' })),
    host: Type.String(),
    port: Type.Optional(between(0, 65535)),
    path: Type.Optional(Type.String()),
    connect_timeout: Type.Optional(timeout),
    write_timeout: Type.Optional(timeout),
    read_timeout: Type.Optional(timeout),
    tags: Type.Optional(tags),
    tls_verify: Type.Optional(Type.Boolean({ description: 'verify the upstream TLS certificate; unset (null) = the node default, which is to verify' })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    ...extras,
  },
  { additionalProperties: false },
)

const TLS_PROTOCOLS = new Set(['https', 'tls', 'grpcs', 'wss'])
const PATHLESS_PROTOCOLS = new Set(['tcp', 'tls', 'udp', 'tls_passthrough', 'grpc', 'grpcs'])
/** protocols whose requests go upstream over https (core/proxy/upstream-request.ts), which only undici sends */
const UNDICI_PROTOCOLS = new Set(['https', 'grpcs', 'wss'])

/**
 * Kong's port default is 80 whatever the protocol, which sends TLS to port 80 for a service
 * declared as `protocol: https` without a port. No working Kong config relies on that, so we
 * default TLS protocols to 443 (the url shorthand already did so in Kong).
 */
function defaultPort(protocol: unknown): number {
  return TLS_PROTOCOLS.has(String(protocol)) ? 443 : 80
}

// LuaSocket's url.parse, which Kong's shorthand uses: a generic RFC 3986 split, no scheme rules,
// so "example.com" is a path and yields a missing host, as in Kong.
const URL_RE = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?[^#]*)?(?:#.*)?$/

function expandUrl(fields: Fields, out: ErrorCollector, path: Path): void {
  const url = fields.url
  delete fields.url
  if (url === undefined) return
  if (typeof url !== 'string') return out.field([...path, 'url'], 'expected a string')
  const m = URL_RE.exec(url)
  if (m === null) return out.field([...path, 'url'], `invalid url: ${url}`)
  const [, scheme, authority, urlPath] = m
  let host: string | undefined
  let portText: string | undefined
  if (authority !== undefined) {
    const hostport = authority.replace(/^.*@/, '')
    const hp = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostport)
    host = hp?.[1].replace(/^\[(.*)\]$/, '$1') || undefined
    portText = hp?.[2]
  }
  // a non-numeric port stays a string so that validation says "expected an integer", as in Kong
  const port = portText === undefined || portText === '' ? undefined : /^\d+$/.test(portText) ? Number(portText) : portText
  const protocol = scheme?.toLowerCase() ?? (port === 443 ? 'https' : 'http')
  fields.protocol = protocol
  if (host !== undefined) fields.host = host
  else delete fields.host
  fields.port = port ?? defaultPort(protocol)
  if (urlPath !== '') fields.path = urlPath
  else delete fields.path
}

function checkFields(value: Fields, out: ErrorCollector, path: Path): void {
  const hostError = typeof value.host === 'string' ? checkHost(value.host) : null
  if (hostError !== null) out.field([...path, 'host'], hostError)
  const pathError = typeof value.path === 'string' ? checkServicePath(value.path) : null
  if (pathError !== null) out.field([...path, 'path'], pathError)
}

function check(value: Fields, _given: Fields, out: ErrorCollector, path: Path): void {
  value.port ??= defaultPort(value.protocol)
  const protocol = value.protocol as string
  if (PATHLESS_PROTOCOLS.has(protocol) && value.path !== undefined) conditional(out, path, 'path')
  if (!TLS_PROTOCOLS.has(protocol) && value.tls_verify !== undefined) conditional(out, path, 'tls_verify')
  // undici is loaded when a config first has an https service (not at start): a failure to load it
  // refuses this config here rather than failing its requests
  if (UNDICI_PROTOCOLS.has(protocol)) {
    const loadError = undiciLoadError('pool')
    if (loadError !== null) out.field([...path, 'protocol'], loadError)
  }
}

/** Kong's `conditional` entity check on `protocol`: the field must be null. */
function conditional(out: ErrorCollector, path: Path, field: string): void {
  out.field([...path, field], 'value must be null')
  out.entity(path, "failed conditional validation given value of field 'protocol'")
}

export const services: EntityDef<Service> = {
  name: 'services',
  singular: 'service',
  validator: Compile(ServiceSchema),
  defaults: defaultsOf(ServiceSchema),
  children: ['routes', 'plugins'],
  foreign: {},
  requiredForeign: [],
  unique: ['name'],
  prepare: expandUrl,
  checkFields,
  check,
  build: (v, id) => ({
    id,
    name: orNull(v.name),
    protocol: v.protocol as ServiceProtocol,
    host: v.host as string,
    port: v.port as number,
    path: orNull(v.path),
    retries: v.retries as number,
    connect_timeout: v.connect_timeout as number,
    write_timeout: v.write_timeout as number,
    read_timeout: v.read_timeout as number,
    enabled: v.enabled as boolean,
    tls_verify: orNull(v.tls_verify),
    tags: orNull(v.tags),
  }),
}
