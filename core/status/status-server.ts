// Kong's Status API (status_listen, KONG_STATUS_LISTEN; off unless set): read-only node health for
// load balancers, orchestrators and Prometheus, on its own listener so it can be exposed where
// the Admin API must not be.
//   GET /status        Kong's /status body (server counters, memory, configuration_hash)
//   GET /status/ready  200 {"message":"ready"}, or 503 with Kong's reason (core/status/readiness.ts)
//   GET /metrics       the node's metrics, every worker's summed (core/status/node-metrics.ts)
// It reads no request body, answers GET and HEAD only, and takes the Admin API's Host and Origin
// checks (a web page must not read it through DNS rebinding): Prometheus and probes reach it by
// IP address, localhost or the listen host.
import type { HttpRequest, HttpResponse } from 'uWebSockets.js'
import { STATUS_CODES } from 'node:http'
import { uws } from '../server/uws.ts'
import { listen as listenApp } from '../server/listen.ts'
import { closeApp, type Listener } from '../server/proxy-server.ts'
import type { Settings } from '../settings.ts'
import { adminStats } from '../admin/stats.ts'
import { createAdminGuard, type AdminGuard } from '../admin/admin-guard.ts'
import { notReadyReason, type Readiness } from './readiness.ts'
import { METRICS_CONTENT_TYPE } from './node-metrics.ts'
import { rootLog } from '../log.ts'

export interface StatusDeps {
  settings: Settings
  readiness(): Readiness
  /** the node's metrics in Prometheus' text format */
  metrics(): Promise<string>
}

const JSON_TYPE = 'application/json; charset=utf-8'
const ROUTES = new Set(['/status', '/status/ready', '/metrics'])

interface Exchange { done: boolean }

function reply(res: HttpResponse, x: Exchange, status: number, type: string, body: string, head: boolean, close: boolean): void {
  if (x.done) return
  x.done = true
  res.cork(() => {
    res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`)
    res.writeHeader('Content-Type', type)
    if (head) return void res.endWithoutBody(Buffer.byteLength(body), close)
    res.end(body, close)
  })
}

const json = (res: HttpResponse, x: Exchange, status: number, body: unknown, head = false, close = false): void =>
  reply(res, x, status, JSON_TYPE, JSON.stringify(body), head, close)

export function listenStatus(deps: StatusDeps): Promise<Listener> {
  const app = uws.App()
  let guard: AdminGuard | null = null

  app.any('/*', (res: HttpResponse, req: HttpRequest) => {
    const x: Exchange = { done: false }
    res.onAborted(() => { x.done = true })
    const method = req.getMethod()
    const refused = guard!.check(req.getHeader('host'), req.getHeader('origin'), '')
    // a request with a body is never read: its connection is closed after the answer
    const hasBody = req.getHeader('content-length') !== '' || req.getHeader('transfer-encoding') !== ''
    if (refused) return json(res, x, refused.status, { message: refused.message }, false, true)
    const path = req.getUrl()
    if (!ROUTES.has(path)) return json(res, x, 404, { message: 'Not found' }, false, hasBody)
    if (method !== 'get' && method !== 'head') return json(res, x, 405, { message: 'Method not allowed' }, false, true)
    const head = method === 'head'
    if (path === '/status') {
      return json(res, x, 200, { ...adminStats(), configuration_hash: deps.readiness().snapshot.hash }, head, hasBody)
    }
    if (path === '/status/ready') {
      const reason = notReadyReason(deps.readiness())
      return json(res, x, reason === null ? 200 : 503, { message: reason ?? 'ready' }, head, hasBody)
    }
    deps.metrics().then(
      (text) => reply(res, x, 200, METRICS_CONTENT_TYPE, text, head, hasBody),
      (err: unknown) => {
        rootLog.error({ err }, 'metrics scrape failed')
        json(res, x, 500, { message: 'An unexpected error occurred' })
      },
    )
  })

  return new Promise((resolve, reject) => {
    const at = deps.settings.statusListen!
    listenApp(app, at.host, at.port, false, (socket) => {
      if (!socket) return reject(new Error(`could not listen on ${at.host}:${at.port}`))
      const port = uws.us_socket_local_port(socket as never)
      guard = createAdminGuard({ port, listenHost: at.host, guiOrigins: [], token: null })
      resolve({ port, close: () => closeApp(app, socket) })
    })
  })
}
