// kong.log.serialize(): Kong's log record for one request (kong/pdk/log.lua), built in `log`.
import type { RequestContext } from './context.ts'
import { toObject } from './flat-headers.ts'

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

const REDACTED = new Set(['authorization', 'proxy-authorization'])
const DEFAULT_WS = '0dc6f45b-8f8d-40d2-a504-473544ee190b'

function setPath(obj: Record<string, unknown>, key: string, value: unknown, mode: string): void {
  const parts = key.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'))
  let o = obj
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== 'object' || o[p] === null) o[p] = {}
    o = o[p] as Record<string, unknown>
  }
  const last = parts[parts.length - 1]!
  const has = o[last] !== undefined
  if (mode === 'add' && has) return
  if (mode === 'replace' && !has) return
  o[last] = value
}

export function serialize(ctx: RequestContext): LogRecord {
  const headers: Record<string, string> = {}
  for (const k in ctx.headers) headers[k] = REDACTED.has(k) ? 'REDACTED' : ctx.headers[k]!
  const query: Record<string, unknown> = {}
  if (ctx.rawQuery) for (const p of new URLSearchParams(ctx.rawQuery)) query[p[0]] = p[1]
  const host = ctx.headers.host ?? ''
  const proxied = ctx.proxyStart > 0
  const end = ctx.endAt || performance.now()
  const kongMs = proxied ? ctx.proxyStart - ctx.start : end - ctx.start
  const u = ctx.upstream
  const record: LogRecord = {
    request: {
      id: ctx.requestId,
      uri: ctx.rawQuery ? `${ctx.path}?${ctx.rawQuery}` : ctx.path,
      url: `${ctx.scheme}://${host}${ctx.path}${ctx.rawQuery ? `?${ctx.rawQuery}` : ''}`,
      querystring: query,
      method: ctx.method,
      headers,
      size: ctx.body?.length ?? Number(ctx.headers['content-length'] ?? 0),
    },
    upstream_uri: u ? (u.query !== null && u.query !== '' ? `${u.path}?${u.query}` : u.path) : '',
    upstream_status: ctx.upstreamStatus ? String(ctx.upstreamStatus) : '',
    response: { status: ctx.status, headers: ctx.responseHeaders ? toObject(ctx.responseHeaders) : {}, size: ctx.responseSize },
    latencies: {
      kong: Math.round(kongMs),
      proxy: proxied && ctx.upstreamHeadAt ? Math.round(ctx.upstreamHeadAt - ctx.proxyStart) : -1,
      request: Math.round(end - ctx.start),
      receive: 0,
    },
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
  if (ctx.serializeEdits) for (const [k, v, mode] of ctx.serializeEdits) setPath(record, k, v, mode)
  return record
}
