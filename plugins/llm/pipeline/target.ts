// `model.options.upstream_url` as an upstream target: scheme, host, port and path used verbatim
// (port 80/443 by scheme when absent, as Kong ≥3.11), the query kept when the URL has one.
import { defaultPort, isDefaultPort } from '../../../core/proxy/default-port.ts'
import { llmError } from '../errors.ts'
import type { UpstreamTarget } from '../types.ts'

export function parseUpstreamUrl(url: string): UpstreamTarget {
  let u: URL
  try { u = new URL(url) } catch { throw llmError(500, `invalid upstream_url '${url}'`) }
  const scheme = u.protocol === 'https:' ? 'https' : u.protocol === 'http:' ? 'http' : null
  if (!scheme || !u.hostname) throw llmError(500, `invalid upstream_url '${url}'`)
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname
  return {
    scheme,
    host,
    port: u.port ? Number(u.port) : defaultPort(scheme),
    path: u.pathname || '/',
    query: u.search ? u.search.slice(1) : null,
  }
}

/** Host header value for a target: the port only when it is not the scheme's default. */
export function hostHeader(t: UpstreamTarget): string {
  const host = t.host.includes(':') && !t.host.startsWith('[') ? `[${t.host}]` : t.host
  return isDefaultPort(t.scheme, t.port) ? host : `${host}:${t.port}`
}
