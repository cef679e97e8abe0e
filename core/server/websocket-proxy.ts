// The proxy listener's WebSocket route (uWS `app.ws`): an upgrade request goes through the same
// runloop as any request (rewrite, router, access: key-auth refuses it like any request, ai-proxy
// picks its upstream), then to a WebSocketSession instead of an HTTP upstream call. A handshake
// that RFC 6455 §4.2.1 refuses is answered before any plugin runs: 426 with the version the
// gateway speaks, 400 for a bad key, method or subprotocol list.
//
// uWS callbacks must not throw (a throw ends the worker): each handler is guarded and ends only
// its own session on failure.
import type { HttpRequest, HttpResponse, WebSocket, WebSocketBehavior, us_socket_context_t } from 'uWebSockets.js'
import { uws } from './uws.ts'
import { Downstream } from './downstream.ts'
import { clientIp } from './client-ip.ts'
import { RequestContext } from '../runloop/context.ts'
import { handleRequest, requestFailed, respondError, type ConfigState } from '../runloop/pipeline.ts'
import { defaultMessage, renderError } from '../runloop/error-body.ts'
import { KONG_MESSAGES } from '../errors.ts'
import { rootLog } from '../log.ts'
import { WebSocketSession, type ClientData, type WebSocketLimits } from './websocket-session.ts'

/**
 * 16 MiB per message: OpenAI's Realtime API takes audio appends up to 15 MiB. The client's
 * queue may hold up to two of them beyond the high-water mark before uWS closes it.
 */
export const WEBSOCKET_LIMITS: WebSocketLimits = {
  maxFrame: 16 * 1024 * 1024,
  highWater: 1024 * 1024,
  upstreamCap: 17 * 1024 * 1024,
}

/** RFC 6455: a 16-byte nonce, base64. */
const KEY = /^[A-Za-z0-9+/]{22}==$/
/** RFC 7230 token, the grammar of a subprotocol name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const MAX_PROTOCOLS = 32

/** The client's subprotocols, or null when the list is not a list of distinct tokens. */
function protocolsOf(header: string | undefined): string[] | null {
  if (header === undefined) return []
  const list = header.split(',').map((s) => s.trim())
  if (list.length > MAX_PROTOCOLS || list.some((p) => !TOKEN.test(p)) || new Set(list).size !== list.length) return null
  return list
}

export function websocketBehavior(getState: () => ConfigState, port: () => number, limits: WebSocketLimits = WEBSOCKET_LIMITS): WebSocketBehavior<ClientData> {
  return {
    compression: uws.DISABLED,
    maxPayloadLength: limits.maxFrame,
    maxBackpressure: limits.highWater + 2 * limits.maxFrame,
    closeOnBackpressureLimit: 1, // typed as a number in this build; any truthy value turns it on
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => upgrade(getState(), port(), limits, res, req, context),
    open: (ws) => guarded(ws, 'open', (s) => s.opened(ws)),
    message: (ws, message, isBinary) => guarded(ws, 'message', (s) => s.fromClient(Buffer.from(message.slice(0)), isBinary)),
    drain: (ws) => guarded(ws, 'drain', (s) => s.drained()),
    close: (ws, code, message) => guarded(null, 'close', () => ws.getUserData().session.clientClose(code, Buffer.from(message.slice(0)))),
  }
}

/** A session handler's throw closes that client's socket (close then ends the session) and goes no further. */
function guarded(ws: WebSocket<ClientData> | null, what: string, fn: (s: WebSocketSession) => void): void {
  try {
    fn(ws === null ? (null as never) : ws.getUserData().session)
  } catch (err) {
    rootLog.error({ err }, `websocket ${what} failed`)
    try { ws?.close() } catch { /* closed already */ }
  }
}

function upgrade(state: ConfigState, port: number, limits: WebSocketLimits, res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
  const start = performance.now()
  const down = new Downstream(res) // onAborted first: access may be asynchronous
  let ctx: RequestContext
  try {
    const headers: Record<string, string> = Object.create(null)
    req.forEach((k, v) => {
      const prev = headers[k]
      headers[k] = prev === undefined ? v : `${prev}, ${v}`
    })
    ctx = new RequestContext(req.getCaseSensitiveMethod(), req.getUrl(), req.getQuery() ?? '', headers, clientIp(res), port, start)
  } catch (e) {
    rootLog.error({ err: e }, 'reading the upgrade request failed')
    const { body, contentType } = renderError(KONG_MESSAGES.unexpected, '', undefined)
    try { down.send(500, ['Content-Type', contentType], body) } catch { /* nothing more to do for this request */ }
    return
  }
  try {
    const h = ctx.headers
    const global = state.plans.global.collected
    if (h['sec-websocket-version'] !== '13') {
      // RFC 6455 §4.4: the versions the server speaks go back with the refusal
      return respondError(state, ctx, down, 426, 'Upgrade Required', global, ['Sec-WebSocket-Version', '13'])
    }
    const key = h['sec-websocket-key']
    const protocols = protocolsOf(h['sec-websocket-protocol'])
    if (ctx.method !== 'GET' || key === undefined || !KEY.test(key) || protocols === null) {
      return respondError(state, ctx, down, 400, defaultMessage(400), global)
    }
    ctx.body = null
    ctx.wsUpgrade = new WebSocketSession(state, ctx, down, context, key, protocols, limits)
    handleRequest(state, ctx, down, null)
  } catch (e) {
    requestFailed(state, ctx, down, ctx.config !== null ? state.plans.global.collected : null, e)
  }
}

