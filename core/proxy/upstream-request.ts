// Builds what is sent upstream: target from the service, path from the router, and Kong's
// request headers (kong/templates/nginx_kong.lua): Host, X-Forwarded-*, X-Real-IP, Via,
// X-Kong-Request-Id; hop-by-hop headers dropped.
import { isDefaultPort } from './default-port.ts'
import type { Service } from '../config/types.ts'
import type { RouteMatch } from '../router/router.ts'
import type { RequestContext, UpstreamRequest } from '../runloop/context.ts'
import { entryOf } from '../runloop/tracing-hook.ts'
import { VIA_TOKEN } from '../version.ts'

/** Request headers never forwarded as received (RFC 9110 hop-by-hop, plus ones we set ourselves). */
const SKIP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'host', 'content-length', 'via',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-path', 'x-forwarded-prefix',
  'x-real-ip', 'x-kong-request-id',
])

export function initUpstream(service: Service, match: RouteMatch, ctx: RequestContext): UpstreamRequest {
  return {
    scheme: service.protocol === 'https' || service.protocol === 'grpcs' || service.protocol === 'wss' ? 'https' : 'http',
    host: service.host,
    port: service.port,
    method: ctx.method,
    path: match.upstreamPath,
    query: ctx.rawQuery,
    headers: null,
    body: null,
    hostHeader: null,
    connectTimeout: service.connect_timeout,
    readTimeout: service.read_timeout,
    writeTimeout: service.write_timeout,
    retries: service.retries,
    tlsVerify: service.tls_verify,
  }
}

export function upstreamPathWithQuery(u: UpstreamRequest): string {
  return u.query ? `${u.path}?${u.query}` : u.path
}


/** Flat [name, value, ...] list for undici. `bodyLength` null = streamed body of unknown length. */
export function upstreamHeaders(ctx: RequestContext, u: UpstreamRequest, requestIdHeader: boolean): string[] {
  const h = ctx.headers
  const overrides = u.headers
  // a tracing plugin's headers (kong.tracing.propagate, kept on the request's trace record for
  // every attempt): they replace the client's and the plugins' headers of the same names, as if set
  // last; a null value removes one. Read here rather than copied into `u.headers` per attempt.
  const tr = ctx.trace
  const traced = tr === null ? 0 : tr.upstreamHeaderCount
  const th = traced > 0 ? tr!.upstreamHeaders : null
  // most clients send none of them: only then is each client header compared with them
  const clientTraced = th !== null && sendsAny(h, th, traced)
  const out: string[] = []
  for (const k in h) {
    if (SKIP.has(k)) continue
    if (overrides !== null && overrides.has(k)) continue
    if (clientTraced && entryOf(th!, traced, k) >= 0) continue
    out.push(k, h[k]!)
  }
  // Connection-listed hop-by-hop headers ("Connection: close, x-foo")
  const conn = h.connection
  if (conn !== undefined && conn !== 'keep-alive' && conn !== 'close') {
    const listed = new Set(conn.toLowerCase().split(',').map((s) => s.trim()))
    for (let i = out.length - 2; i >= 0; i -= 2) if (listed.has(out[i]!)) out.splice(i, 2)
  }
  if (overrides !== null) {
    for (const [k, v] of overrides) {
      if (v === null) continue
      if (th !== null && entryOf(th, traced, k) >= 0) continue
      if (Array.isArray(v)) for (const x of v) out.push(k, x)
      else out.push(k, v)
    }
  }
  if (th !== null) {
    for (let i = 0; i < traced; i += 2) {
      const v = th[i + 1]
      if (v !== null && v !== undefined) out.push(th[i]!, v)
    }
  }
  const host = u.hostHeader ?? (ctx.match?.preserveHost && h.host !== undefined ? h.host : isDefaultPort(u.scheme, u.port) ? u.host : `${u.host}:${u.port}`)
  out.push('host', host)
  if (!ctx.bodyStreamed) {
    // a buffered or replaced body: undici sets Content-Length from it
  } else if (h['content-length'] !== undefined) out.push('content-length', h['content-length'])
  const xff = h['x-forwarded-for']
  out.push(
    'x-forwarded-for', xff === undefined ? ctx.clientIp : `${xff}, ${ctx.clientIp}`,
    'x-forwarded-proto', ctx.scheme,
    'x-forwarded-host', ctx.host,
    'x-forwarded-port', String(ctx.serverPort),
    'x-forwarded-path', ctx.path,
    'x-real-ip', ctx.clientIp,
    'via', h.via === undefined ? VIA_TOKEN : `${h.via}, ${VIA_TOKEN}`,
  )
  const prefix = ctx.match?.forwardedPrefix
  if (prefix) out.push('x-forwarded-prefix', prefix)
  if (requestIdHeader) out.push('x-kong-request-id', ctx.requestId)
  if (h.te !== undefined && h.te.toLowerCase().includes('trailers')) out.push('te', 'trailers')
  return out
}

/** Whether the client's headers hold any of the first `n` trace header entries' names (lowercase, as `h` keys them). */
function sendsAny(h: Readonly<Record<string, string | undefined>>, th: readonly (string | null)[], n: number): boolean {
  for (let i = 0; i < n; i += 2) if (h[th[i]!] !== undefined) return true
  return false
}
