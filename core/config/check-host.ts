// Host, SNI and route-host checks with Kong's messages (kong/tools/ip.lua `normalize_ip`, and the
// validate_* functions of kong/db/schema/typedefs.lua). Each returns an error message or null.

interface Parsed {
  type: 'ipv4' | 'ipv6' | 'name'
  port?: number
}

/** Kong's normalize_ip: classify the address and split off a port; a string is the error. */
function normalizeIp(address: string): Parsed | string {
  const colons = address.split(':').length - 1
  if (colons > 1) return ipv6(address)
  if (/^[\d.]+$/.test(address.replace(':', ''))) return ipv4(address)
  return hostname(address)
}

function ipv4(address: string): Parsed | string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d+))?$/.exec(address)
  if (m === null || m.slice(1, 5).some((o) => Number(o) > 255)) return `invalid ipv4 address: ${address}`
  return withPort('ipv4', m[5])
}

function ipv6(address: string): Parsed | string {
  let check = address
  let port: string | undefined
  const bracketed = /^\[([^\]]*)\](.*)$/.exec(address)
  if (bracketed !== null) {
    check = bracketed[1]
    if (bracketed[2] !== '') {
      const p = /^:(\d*)$/.exec(bracketed[2])
      if (p === null) return 'invalid ipv6 address'
      port = p[1]
    }
  }
  if (check.startsWith(':')) check = '0' + check
  if (check.endsWith(':')) check += '0'
  if (check.includes('::')) {
    const count = check.split(':').length - 1
    check = check.replace('::', ':' + '0:'.repeat(Math.max(0, 8 - count)))
  }
  if (!/^([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}$/.test(check)) return `invalid ipv6 address: ${address}`
  return withPort('ipv6', port)
}

function hostname(address: string): Parsed | string {
  let name = address
  const p = /:(\d+)$/.exec(address)
  if (p !== null) name = name.slice(0, -(p[1].length + 1))
  if (!/^[A-Za-z0-9\-._]+$/.test(name)) return `invalid hostname: ${address}`
  const segments = name.split('.')
  // dashes may not end a label; only the last label may be empty (FQDN with a trailing dot)
  if (segments.some((s, i) => s.endsWith('-') || (s === '' && i !== segments.length - 1))) {
    return `invalid hostname: ${address}`
  }
  return withPort('name', p?.[1])
}

function withPort(type: Parsed['type'], port: string | undefined): Parsed | string {
  if (port === undefined || port === '') return { type }
  const n = Number(port)
  return n > 65535 ? 'invalid port number' : { type, port: n }
}

/** typedefs.host: a hostname or IP, without a port. */
export function checkHost(host: string): string | null {
  const res = normalizeIp(host)
  if (res === 'invalid port number') return 'must not have a port'
  if (typeof res === 'string') return `invalid value: ${host}`
  return res.port !== undefined ? 'must not have a port' : null
}

/** typedefs.wildcard_host (route `snis`): a name, one wildcard at either end, no IP, no port. */
export function checkWildcardHost(host: string): string | null {
  const idx = host.indexOf('*')
  let mock = host
  if (idx !== -1) {
    if (idx !== 0 && idx !== host.length - 1) return 'wildcard must be leftmost or rightmost character'
    if (host.split('*').length > 2) return 'only one wildcard must be specified'
    mock = host.replace('*', 'wildcard')
  }
  const res = normalizeIp(mock)
  if (res === 'invalid port number') return 'must not have a port'
  if (typeof res === 'string') return `invalid value: ${mock}`
  if (res.type !== 'name') return 'must not be an IP'
  return res.port !== undefined ? 'must not have a port' : null
}

/** typedefs.hosts element (route `hosts`): optional port, at most one wildcard at either end. */
export function checkRouteHost(host: string): string | null {
  if (!/^[^*]*\*?[^*]*$/.test(host)) return 'invalid wildcard: must have at most one wildcard'
  if (!/^\*\.|\.\*$|^[^*]*$/.test(host)) return 'invalid wildcard: must be placed at leftmost or rightmost label'
  const res = normalizeIp(host.replace('*', 'abc'))
  return typeof res === 'string' ? res : null
}

/** tools/http.lua validate_header_name */
export function checkHeaderName(name: string): string | null {
  if (name === '') return 'no header name provided'
  return /^[a-zA-Z0-9_-]+$/.test(name) ? null : `bad header name '${name}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`
}
