// kong.log.serialize(): Kong's log record for one request (kong/pdk/log.lua), built in `log`.
// Credentials never reach it: the names prepared at config load (./redaction.ts) are replaced by
// "REDACTED" in request and response headers, the query of request.uri/url/querystring, and
// upstream_uri. Request headers are the ones sent upstream, as in Kong (plugins edit the request
// itself there): a credential key-auth's hide_credentials removed is not logged at all.
import type { RequestContext } from './context.ts'
import { toObject } from './flat-headers.ts'
import { REDACTED, redactionOf, redactQuery } from './redaction.ts'
import { applyEdits } from './serialize-edits.ts'

export interface LogRecord {
  request: { id: string; uri: string; url: string; querystring: Record<string, unknown>; method: string; headers: Record<string, string>; size: number }
  upstream_uri: string
  upstream_status: string
  response: { status: number; headers: Record<string, string | string[]>; size: number }
  latencies: { kong: number; proxy: number; request: number; receive: number }
  tries: { ip: string; port: number; code?: number; state?: string }[]
  route: unknown
  service: unknown
  consumer: unknown
  authenticated_entity?: { id: string; consumer_id: string }
  client_ip: string
  started_at: number
  source: 'kong' | 'upstream'
  workspace: string
  workspace_name: string
  [extra: string]: unknown
}

const DEFAULT_WS = '0dc6f45b-8f8d-40d2-a504-473544ee190b'

/** The request headers as sent upstream: the client's, with the plugins' edits applied. */
function sentHeaders(ctx: RequestContext, secret: ReadonlySet<string>): Record<string, string> {
  // no prototype: header and argument names are the client's, `__proto__` included
  const headers: Record<string, string> = Object.create(null)
  const edits = ctx.upstream?.headers
  for (const k in ctx.headers) if (!edits?.has(k)) headers[k] = secret.has(k) ? REDACTED : ctx.headers[k]!
  if (edits) {
    for (const [k, v] of edits) {
      if (v !== null) headers[k] = secret.has(k) ? REDACTED : Array.isArray(v) ? v.join(', ') : v
    }
  }
  return headers
}

/** The record's `latencies`, ms (proxy -1 when the request never reached the service). */
export function latenciesOf(ctx: RequestContext): LogRecord['latencies'] {
  const proxied = ctx.proxyStart > 0
  const end = ctx.endAt || performance.now()
  return {
    kong: Math.round(proxied ? ctx.proxyStart - ctx.start : end - ctx.start),
    proxy: proxied && ctx.upstreamHeadAt ? Math.round(ctx.upstreamHeadAt - ctx.proxyStart) : -1,
    request: Math.round(end - ctx.start),
    receive: 0,
  }
}

/** The record's `request.size`: the body read, else the announced Content-Length. */
export function requestSizeOf(ctx: RequestContext): number {
  if (ctx.body !== null) return ctx.body.length
  return ctx.releasedBodySize >= 0 ? ctx.releasedBodySize : Number(ctx.headers['content-length'] ?? 0)
}

export function serialize(ctx: RequestContext): LogRecord {
  const redaction = redactionOf(ctx.config)
  const headers = sentHeaders(ctx, redaction.headers)
  const query: Record<string, unknown> = Object.create(null)
  if (ctx.rawQuery) for (const p of new URLSearchParams(ctx.rawQuery)) query[p[0]] = redaction.query.has(p[0].toLowerCase()) ? REDACTED : p[1]
  const rawQuery = redactQuery(ctx.rawQuery, redaction.query)
  const responseHeaders = ctx.responseHeaders ? toObject(ctx.responseHeaders) : {}
  for (const k in responseHeaders) if (redaction.headers.has(k)) responseHeaders[k] = REDACTED
  const host = ctx.headers.host ?? ''
  const u = ctx.upstream
  const record: LogRecord = {
    request: {
      id: ctx.requestId,
      uri: rawQuery ? `${ctx.path}?${rawQuery}` : ctx.path,
      url: `${ctx.scheme}://${host}${ctx.path}${rawQuery ? `?${rawQuery}` : ''}`,
      querystring: query,
      method: ctx.method,
      headers,
      size: requestSizeOf(ctx),
    },
    upstream_uri: u ? (u.query !== null && u.query !== '' ? `${u.path}?${redactQuery(u.query, redaction.query)}` : u.path) : '',
    upstream_status: ctx.upstreamStatus ? String(ctx.upstreamStatus) : '',
    response: { status: ctx.status, headers: responseHeaders, size: ctx.responseSize },
    latencies: latenciesOf(ctx),
    tries: ctx.tries ?? [],
    route: ctx.route,
    service: ctx.service,
    consumer: ctx.consumer,
    client_ip: ctx.clientIp,
    started_at: ctx.startedAt,
    source: ctx.source === 'service' ? 'upstream' : 'kong',
    workspace: DEFAULT_WS,
    workspace_name: 'default',
  }
  if (ctx.consumer) record.authenticated_entity = { id: ctx.consumer.id, consumer_id: ctx.consumer.id }
  if (ctx.serializeEdits !== null) applyEdits(record, ctx.serializeEdits)
  return record
}
