// The Admin API on its own listener (Kong's DB-less Admin API): node
// info, status, the declarative config (GET, and POST to validate and swap atomically on every
// worker), read-only entity listings, and Kong's 405 for writes without a database.
import type { HttpResponse, HttpRequest } from 'uWebSockets.js'
import { STATUS_CODES } from 'node:http'
import { hostname } from 'node:os'
import { uws, uwsNative } from '../server/uws.ts'
import { listen as listenApp } from '../server/listen.ts'
import type { Gateway } from '../gateway.ts'
import type { Settings } from '../settings.ts'
import { closeApp, type Listener } from '../server/proxy-server.ts'
import { errors, isGatewayError, type GatewayError } from '../errors.ts'
import { configErrorBody } from '../config/load.ts'
import { exportConfig, listEntities } from '../config/export.ts'
import { nodeId } from '../node-id.ts'
import { VERSION } from '../version.ts'
import { adminStats, type AdminStats } from './stats.ts'
import { createAdminGuard, type AdminGuard } from './admin-guard.ts'
import { ADMIN_MAX_BODY, configText } from './config-body.ts'
import { ownTable } from '../safe-merge.ts'
import { METRICS_CONTENT_TYPE } from '../status/node-metrics.ts'

/** Kong version whose Admin API shape this mirrors (decK and other clients read `version`). */
const KONG_API_VERSION = '3.10.0'
const JSON_TYPE = 'application/json; charset=utf-8'
type Kind = 'services' | 'routes' | 'consumers' | 'plugins'
const KINDS = new Set<string>(['services', 'routes', 'consumers', 'plugins'])
const WRITE_OPS = ownTable<string>({ post: 'create', put: 'create or update', patch: 'update', delete: 'delete' })

export interface AdminDeps {
  gateway: Gateway
  settings: Settings
  /** applies a validated config text on every serving thread; resolves when all have swapped */
  broadcast(source: string): Promise<void>
  /** worker thread ids, for GET / */
  workers(): number[]
  stats?: () => AdminStats
  /** the node's metrics in Prometheus' text format (GET /metrics, as Kong's prometheus plugin adds) */
  metrics?: () => Promise<string>
}

/** Per request: whether the client left, and the browser origin that may read the answer ('' = none). */
interface Exchange { v: boolean; cors: string }

const PREFLIGHT_METHODS = 'GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS'
const PREFLIGHT_HEADERS = 'Content-Type, Kong-Admin-Token'

function send(res: HttpResponse, status: number, body: unknown, aborted: Exchange, close = false): void {
  if (aborted.v) return
  aborted.v = true // answered: a later chunk or a late promise must not touch `res` again
  res.cork(() => {
    res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`)
    // only an allowed GUI origin is told it may read the answer; never `*`
    if (aborted.cors !== '') {
      res.writeHeader('Access-Control-Allow-Origin', aborted.cors)
      res.writeHeader('Access-Control-Allow-Credentials', 'true')
      res.writeHeader('Vary', 'Origin')
    }
    if (status === 304 || status === 204) return void res.endWithoutBody()
    res.writeHeader('Content-Type', JSON_TYPE)
    res.writeHeader('X-Kong-Admin-Request-ID', nodeId.slice(0, 8))
    res.end(JSON.stringify(body), close)
  })
}

function sendText(res: HttpResponse, type: string, body: string, aborted: Exchange): void {
  if (aborted.v) return
  aborted.v = true
  res.cork(() => {
    res.writeStatus('200 OK')
    if (aborted.cors !== '') {
      res.writeHeader('Access-Control-Allow-Origin', aborted.cors)
      res.writeHeader('Access-Control-Allow-Credentials', 'true')
      res.writeHeader('Vary', 'Origin')
    }
    res.writeHeader('Content-Type', type)
    res.end(body)
  })
}

function sendError(res: HttpResponse, e: GatewayError, aborted: Exchange, close = false): void {
  send(res, e.status, { message: e.message }, aborted, close)
}

/** An entity's own field (entities are typed per kind; these routes read them generically). */
function fieldOf(entity: object, name: string): unknown {
  return Object.getOwnPropertyDescriptor(entity, name)?.value
}

function byIdOrName(list: readonly object[], key: string): object | undefined {
  return list.find((e) => fieldOf(e, 'id') === key || fieldOf(e, 'name') === key || fieldOf(e, 'username') === key)
}

/** The id a foreign key field points to (`{ id }`), or undefined. */
function foreignId(entity: object, fk: string): unknown {
  const ref = fieldOf(entity, fk)
  return ref !== null && typeof ref === 'object' ? fieldOf(ref, 'id') : undefined
}

export function listenAdmin(deps: AdminDeps): Promise<Listener> {
  const { gateway, settings } = deps
  const app = uws.App()
  let loading = false

  const info = () => ({
    tagline: 'Welcome to kong',
    version: KONG_API_VERSION,
    edition: 'community',
    tollgate: { version: VERSION, uws_native: uwsNative.native, uws: uwsNative.why },
    hostname: hostname(),
    node_id: nodeId,
    plugins: {
      available_on_server: Object.fromEntries(gateway.registry.all().map((p) => [p.name, { version: p.version, priority: p.priority }])),
      enabled_in_cluster: [...new Set(gateway.state.snapshot.plugins.map((p) => p.name))],
    },
    configuration: { database: 'off', proxy_listen: [`${settings.proxyListen.host}:${settings.proxyListen.port}`], plugins: settings.plugins, nginx_worker_processes: settings.workers, log_level: settings.logLevel, tracing_instrumentations: settings.tracing.instrumentations, tracing_sampling_rate: settings.tracing.samplingRate },
    pids: { master: process.pid, workers: deps.workers() },
  })

  const handle = async (res: HttpResponse, method: string, path: string, query: URLSearchParams, body: Buffer, contentType: string, aborted: Exchange): Promise<void> => {
    const parts = decodeSegments(path)
    if (parts === null) return send(res, 400, { message: 'Bad request' }, aborted) // a malformed escape is the client's error, not a 500
    const snap = gateway.state.snapshot
    if (method === 'get' && parts.length === 0) return send(res, 200, info(), aborted)
    if (method === 'get' && parts[0] === 'status' && parts.length === 1) {
      return send(res, 200, { ...(deps.stats ?? adminStats)(), configuration_hash: snap.hash, tollgate: { uws_native: uwsNative.native } }, aborted)
    }
    if (method === 'get' && parts[0] === 'status' && parts[1] === 'ready') return send(res, 200, { message: 'ready' }, aborted)
    if (method === 'get' && parts[0] === 'endpoints') {
      return send(res, 200, { data: ['/', '/status', '/status/ready', '/config', '/endpoints', '/metrics', '/plugins/enabled', '/services', '/routes', '/consumers', '/plugins'] }, aborted)
    }
    if (parts[0] === 'metrics' && parts.length === 1 && deps.metrics) {
      if (method !== 'get') return send(res, 405, { message: 'Method not allowed' }, aborted)
      return sendText(res, METRICS_CONTENT_TYPE, await deps.metrics(), aborted)
    }
    if (parts[0] === 'config' && parts.length === 1) {
      if (method === 'get') return send(res, 200, { config: exportConfig(snap) }, aborted)
      if (method !== 'post') return send(res, 405, { message: 'Method not allowed' }, aborted)
      if (body.length === 0) return send(res, 400, { message: 'expected a declarative configuration' }, aborted)
      if (loading) return send(res, 429, { message: 'Currently loading previous configuration' }, aborted)
      const text = await configText(body, contentType)
      if (typeof text !== 'string') return sendError(res, text, aborted)
      let next
      try {
        next = gateway.validate(text)
      } catch (e) {
        if (isGatewayError(e) && e.details) {
          const b = configErrorBody(e) as Record<string, unknown>
          if (query.get('flatten_errors') !== '1' && query.get('flatten_errors') !== 'true') delete b.flattened_errors
          return send(res, 400, b, aborted)
        }
        if (isGatewayError(e)) return send(res, 400, { message: e.message }, aborted)
        throw e
      }
      if ((query.get('check_hash') === '1' || query.get('check_hash') === 'true') && next.hash === snap.hash) return send(res, 304, null, aborted)
      loading = true
      try {
        await deps.broadcast(text)
      } catch (e) {
        loading = false
        return send(res, 500, { message: `An unexpected error occurred: ${(e as Error).message}` }, aborted)
      }
      loading = false
      return send(res, 201, entitiesById(gateway.state.snapshot), aborted)
    }
    if (parts[0] === 'plugins' && parts[1] === 'enabled' && parts.length === 2 && method === 'get') {
      return send(res, 200, { enabled_plugins: gateway.registry.all().map((p) => p.name).sort() }, aborted)
    }
    if (parts.length >= 1 && KINDS.has(parts[0]!)) {
      if (method !== 'get') {
        return send(res, 405, { code: 12, name: 'operation unsupported', message: `cannot ${WRITE_OPS[method] ?? method} '${parts[0]}' entities when not using a database` }, aborted)
      }
      const kind = parts[0] as Kind
      const list: readonly object[] = listEntities(snap, kind)
      if (parts.length === 1) return send(res, 200, { data: filterTags(list, query.get('tags')), next: null }, aborted)
      const entity = byIdOrName(list, parts[1]!)
      if (!entity) return send(res, 404, { message: 'Not found' }, aborted)
      if (parts.length === 2) return send(res, 200, entity, aborted)
      if (parts.length === 3 && KINDS.has(parts[2]!)) {
        const fk = kind.slice(0, -1) // services → service
        const id = fieldOf(entity, 'id')
        const children = listEntities(snap, parts[2] as Kind).filter((c: object) => foreignId(c, fk) === id)
        return send(res, 200, { data: children, next: null }, aborted)
      }
    }
    return send(res, 404, { message: 'Not found' }, aborted)
  }

  // set once the port is bound (the Host check needs it); no request arrives before
  let guard: AdminGuard | null = null

  app.any('/*', (res: HttpResponse, req: HttpRequest) => {
    const aborted: Exchange = { v: false, cors: '' }
    res.onAborted(() => { aborted.v = true })
    const method = req.getMethod()
    const origin = req.getHeader('origin')
    // Host, Origin and token are checked before a byte of the body is read
    const refused = guard!.check(req.getHeader('host'), origin, req.getHeader('kong-admin-token'))
    if (origin !== '' && guard!.allowsOrigin(origin)) aborted.cors = origin
    if (refused && !(method === 'options' && aborted.cors !== '' && refused.status === 401)) return sendError(res, refused, aborted, true)
    if (method === 'options' && aborted.cors !== '') return preflight(res, aborted)
    const path = req.getUrl()
    const query = new URLSearchParams(req.getQuery() ?? '')
    const contentType = req.getHeader('content-type')
    const run = (body: Buffer) => {
      handle(res, method, path, query, body, contentType, aborted).catch((e: unknown) => {
        send(res, 500, { message: `An unexpected error occurred: ${(e as Error).message}` }, aborted)
      })
    }
    if (method === 'get' || method === 'head' || method === 'options') return run(Buffer.alloc(0))
    const declared = Number(req.getHeader('content-length') || 0)
    if (declared > ADMIN_MAX_BODY) return sendError(res, errors.bodyTooLarge(), aborted, true)
    const chunks: Buffer[] = []
    let size = 0
    res.onData((ab, isLast) => {
      if (aborted.v) return
      size += ab.byteLength
      if (size > ADMIN_MAX_BODY) return sendError(res, errors.bodyTooLarge(), aborted, true)
      chunks.push(Buffer.from(new Uint8Array(ab.slice(0))))
      if (isLast) run(Buffer.concat(chunks))
    })
  })

  return new Promise((resolve, reject) => {
    const listen = settings.adminListen!
    // one listener, never shared with another process
    listenApp(app, listen.host, listen.port, false, (socket) => {
      if (!socket) return reject(new Error(`could not listen on ${listen.host}:${listen.port}`))
      const port = uws.us_socket_local_port(socket as never)
      guard = createAdminGuard({ port, listenHost: listen.host, guiOrigins: settings.adminGuiOrigins, token: settings.adminToken })
      resolve({ port, close: () => closeApp(app, socket) })
    })
  })
}

/** CORS preflight from an allowed GUI origin: it names the token header, so it cannot carry it. */
function preflight(res: HttpResponse, aborted: Exchange): void {
  if (aborted.v) return
  aborted.v = true
  res.cork(() => {
    res.writeStatus('204 No Content')
    res.writeHeader('Access-Control-Allow-Origin', aborted.cors)
    res.writeHeader('Access-Control-Allow-Credentials', 'true')
    res.writeHeader('Access-Control-Allow-Methods', PREFLIGHT_METHODS)
    res.writeHeader('Access-Control-Allow-Headers', PREFLIGHT_HEADERS)
    res.writeHeader('Access-Control-Max-Age', '3600')
    res.writeHeader('Vary', 'Origin')
    res.endWithoutBody()
  })
}

function filterTags(list: readonly object[], tags: string | null): readonly object[] {
  if (!tags) return list
  const any = tags.includes('/')
  const wanted = tags.split(any ? '/' : ',')
  return list.filter((e) => {
    const own = fieldOf(e, 'tags')
    const t: readonly unknown[] = Array.isArray(own) ? own : []
    return any ? wanted.some((w) => t.includes(w)) : wanted.every((w) => t.includes(w))
  })
}

/** POST /config's 201 body: loaded entities keyed by type, then id. */
function entitiesById(snap: Parameters<typeof listEntities>[0]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const kind of ['services', 'routes', 'consumers', 'plugins'] as const) {
    out[kind] = Object.fromEntries((listEntities(snap, kind) as { id: string }[]).map((e) => [e.id, e]))
  }
  return out
}

/** The path's segments, percent-decoded; null when an escape is malformed (`%E0%A4%A`). */
function decodeSegments(path: string): string[] | null {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent)
  } catch {
    return null
  }
}
