// One proxied WebSocket session: the client's upgrade (held by uWS while access runs) and the
// upstream WebSocket (the `ws` package). The upstream is connected first and the client is
// upgraded only once it answered 101, so a refused or unreachable upstream is told to the client
// as an ordinary Kong error (502, 504, or the upstream's own refusal) instead of a closed socket.
//
// Frames go both ways as they came (text stays text, binary stays binary), never merged or split
// by the gateway. Backpressure: upstream → client pauses the upstream socket while uWS holds more
// than HIGH_WATER bytes for the client and resumes it on uWS's drain; client → upstream cannot
// pause the client (this uWS build has no WebSocket pause), so a client that outruns its upstream
// by more than the upstream cap is closed with 1013 instead of buffered without end. Either side
// closing closes the other with its code when that code may be sent, else a sensible one.
// Plugins implementing `ws_upstream_frame` read the upstream's messages, those implementing
// `ws_client_frame` the client's (and may replace one or close the session); no other plugin sees one.
// The request's `log` phase runs once, when the session ends.
//
// Before the 101, an upstream that cannot be connected or refuses the upgrade is offered to the
// request's retry hooks (kong.service.request.retryOn: ai-proxy-advanced's failover) as an HTTP
// attempt's failure is; a hook that takes it moves ctx.upstream to another target and the session
// connects there. After the 101 nothing is retried.
//
// Every entry point here is called from a uWS or `ws` callback: none may throw (a throw would end
// the worker); failures end this session alone.
import { createRequire } from 'node:module'
import type WebSocket from 'ws'
import type { us_socket_context_t, WebSocket as UwsSocket } from 'uWebSockets.js'
import type { Downstream, DownstreamListener } from './downstream.ts'
import type { RequestContext, WebSocketUpgrade } from '../runloop/context.ts'
import type { Collected } from '../runloop/plan.ts'
import { finish, respond, respondError, type ConfigState } from '../runloop/pipeline.ts'
import { upstreamHeaders, upstreamPathWithQuery } from '../proxy/upstream-request.ts'
import { failureStatus } from '../proxy/upstream-call.ts'
import { offerRetry } from '../proxy/upstream-retry.ts'
import { KONG_MESSAGES } from '../errors.ts'
import { defaultMessage } from '../runloop/error-body.ts'
import { rootLog } from '../log.ts'
import { runClientFrame, runUpstreamFrame } from './websocket-frame-phase.ts'

/**
 * `ws` (~1.3 MB of heap) is loaded by the first upstream WebSocket, not at start: most gateways
 * proxy none. A synchronous require, once: no await enters the upgrade path.
 */
let wsLoaded: typeof WebSocket | null = null
const wsClient = (): typeof WebSocket => (wsLoaded ??= createRequire(import.meta.url)('ws') as typeof WebSocket)

/** What uWS keeps for an upgraded client socket. */
export interface ClientData {
  session: WebSocketSession
}

export interface WebSocketLimits {
  /** largest message either side may send (uWS maxPayloadLength, ws maxPayload) */
  readonly maxFrame: number
  /** uWS bytes queued for the client above which the upstream is paused */
  readonly highWater: number
  /** bytes queued for the upstream above which the client is closed (1013) */
  readonly upstreamCap: number
}

/**
 * Per worker: sessions connecting or open (held against settings.workerConnections), how often an
 * upstream was paused for a slow client, and the most bytes uWS ever held for one client.
 */
export const websocketCounters = { open: 0, pauses: 0, maxClientBuffered: 0 }

/** Request headers the `ws` client writes itself, or that belong to the client's own handshake. */
const HANDSHAKE_HEADERS = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'sec-websocket-accept'])

/** Close codes an endpoint may send (RFC 6455 §7.4): 1005, 1006 and 1015 only describe a close. */
function sendable(code: number, fallback: number): number {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999) ? code : fallback
}

/** A close reason may hold 123 bytes (a control frame's 125 minus the code), cut before a UTF-8 continuation byte. */
export function reasonOf(reason: Buffer): Buffer {
  if (reason.length <= 123) return reason
  let end = 123
  while (end > 0 && (reason[end]! & 0xc0) === 0x80) end--
  return reason.subarray(0, end)
}

/** The largest upstream refusal body relayed to the client. */
const MAX_REFUSAL_BODY = 64 * 1024

export class WebSocketSession implements WebSocketUpgrade, DownstreamListener {
  private collected: Collected | null = null
  private upstream: WebSocket | null = null
  private client: UwsSocket<ClientData> | null = null
  /** upstream messages that came before the client's open (relayed then, in order) */
  private early: [Buffer, boolean][] = []
  private paused = false
  private holdsSlot = false
  /** the close code the client gets when the upstream failed for a known reason (a message over the cap: 1009) */
  private upstreamFault = 0
  private upstreamClosed = false
  private clientClosed = false
  private ended = false

  constructor(
    private readonly state: ConfigState,
    private readonly ctx: RequestContext,
    private readonly down: Downstream,
    private readonly context: us_socket_context_t,
    private readonly key: string,
    private readonly protocols: string[],
    private readonly limits: WebSocketLimits,
  ) {}

  /** After access: connect upstream, then upgrade the client (WebSocketUpgrade). */
  proxy(collected: Collected | null): void {
    const { ctx, state } = this
    this.collected = collected
    if (websocketCounters.open >= state.settings.workerConnections) {
      return respondError(state, ctx, this.down, 503, defaultMessage(503), collected)
    }
    websocketCounters.open++
    this.holdsSlot = true
    this.down.listener = this
    ctx.proxyStart = performance.now()
    try {
      this.connect()
    } catch (e) {
      this.release() // the pipeline answers the throw (Kong's 500)
      throw e
    }
  }

  /**
   * Opens the upstream WebSocket to ctx.upstream as it is now (again after a retry hook moved it
   * to another target). Events of a socket that is no longer the session's are ignored.
   */
  private connect(): void {
    const { ctx, state } = this
    const u = ctx.upstream!
    // a balancer span per try, as for an HTTP request: the handshake's trace headers name the last
    // one, which must be exported (core/runloop/tracing-hook.ts)
    ctx.trace?.attempt(u)
    const host = u.host.includes(':') ? `[${u.host}]` : u.host
    const url = `${u.scheme === 'https' ? 'wss' : 'ws'}://${host}:${u.port}${upstreamPathWithQuery(u)}`
    const ws = new (wsClient())(url, this.protocols, {
      headers: this.headers(),
      perMessageDeflate: false, // frames are relayed as they came; compressed ones could not be read by plugins
      maxPayload: this.limits.maxFrame,
      handshakeTimeout: u.connectTimeout,
      followRedirects: false,
      ca: state.settings.trustedCa,
      rejectUnauthorized: u.tlsVerify ?? true,
    })
    this.upstream = ws
    this.upstreamClosed = false
    const mine = (fn: () => void) => this.guard(() => { if (ws === this.upstream) fn() })
    ws.on('open', () => mine(() => this.upstreamOpened()))
    ws.on('unexpected-response', (req, res) => mine(() => this.refused(req, res)))
    ws.on('message', (data, isBinary) => mine(() => this.fromUpstream(data as Buffer, isBinary)))
    ws.on('close', (code, reason) => mine(() => this.upstreamClose(code, reason)))
    ws.on('error', (err) => mine(() => this.upstreamError(err)))
  }

  /**
   * A retry hook (ai-proxy-advanced's failover) moved the request to another target after a
   * failure before the upgrade: connect there, unless the client left meanwhile.
   */
  private reconnect(): void {
    if (this.ended) return
    if (this.down.aborted) return this.end()
    try {
      this.connect()
    } catch (e) {
      this.bug(e)
    }
  }

  /** The upstream handshake's headers: Kong's request headers, without the client's own handshake. */
  private headers(): Record<string, string> {
    const flat = upstreamHeaders(this.ctx, this.ctx.upstream!, this.state.settings.headers.requestId)
    const out: Record<string, string> = Object.create(null)
    for (let i = 0; i < flat.length; i += 2) {
      const k = flat[i]!
      if (HANDSHAKE_HEADERS.has(k)) continue
      const prev = out[k]
      out[k] = prev === undefined || k === 'host' ? flat[i + 1]! : `${prev}, ${flat[i + 1]!}`
    }
    return out
  }

  private guard(fn: () => void): void {
    try { fn() } catch (e) { this.bug(e) }
  }

  /** A throw from the gateway's own code: this session ends, the worker lives. */
  private bug(err: unknown): void {
    rootLog.error({ err, request_id: this.ctx.requestId }, 'websocket session failed')
    try {
      this.upstream?.terminate()
      if (this.client !== null && !this.clientClosed) this.client.close()
      else if (!this.down.finished && !this.down.aborted) respondError(this.state, this.ctx, this.down, 500, KONG_MESSAGES.unexpected, this.collected)
    } catch (e) {
      rootLog.error({ err: e }, 'websocket failure handling failed')
    }
    this.end()
  }

  private upstreamOpened(): void {
    const { ctx, down } = this
    if (down.aborted) return this.upstream!.terminate() // the client left while we connected: close ends the session
    ctx.upstreamHeadAt = performance.now()
    ctx.upstreamStatus = 101
    ctx.status = 101
    const s = this.state.settings.headers
    const res = down.res
    down.finished = true // the HTTP response is over: the socket belongs to the WebSocket now
    res.cork(() => {
      res.writeStatus('101 Switching Protocols')
      if (s.requestId) res.writeHeader('X-Kong-Request-Id', ctx.requestId)
      res.upgrade<ClientData>({ session: this }, this.key, this.upstream!.protocol, '', this.context)
    })
  }

  /** uWS open: relay what the upstream already sent. */
  opened(ws: UwsSocket<ClientData>): void {
    this.client = ws
    const early = this.early
    this.early = []
    for (const [data, binary] of early) this.toClient(data, binary)
  }

  /** The upstream answered its handshake with something else than 101: the client gets that answer. */
  private refused(req: import('node:http').ClientRequest, res: import('node:http').IncomingMessage): void {
    const status = res.statusCode ?? 502
    const type = res.headers['content-type']
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const done = (): void => this.guard(() => {
      if (settled) return
      settled = true
      req.destroy()
      this.upstream = null // its later events are not this session's
      this.upstreamClosed = true
      if (this.down.aborted) return this.end()
      const ctx = this.ctx
      const { host, port } = ctx.upstream! // the hook moves ctx.upstream before `again`
      const again = (): void => {
        // Kong's balancer try that went to the next peer on this status
        ;(ctx.tries ??= []).push({ ip: host, port, state: 'next', code: status })
        this.reconnect()
      }
      const decline = (): void => {
        ctx.upstreamStatus = status
        ctx.exit = { status, body: Buffer.concat(chunks), headers: type === undefined ? [] : ['Content-Type', String(type)] }
        respond(this.state, ctx, this.down, this.collected)
        this.release()
      }
      // a status a retry hook listed (failover_criteria's http_5xx) may go to another target instead
      if (!offerRetry(ctx, { status, error: null }, again, () => this.guard(decline), (e) => this.bug(e))) decline()
    })
    res.on('data', (c: Buffer) => {
      size += c.length
      if (size <= MAX_REFUSAL_BODY) chunks.push(c)
      else res.destroy()
    })
    res.on('end', done)
    res.on('close', () => { if (!res.complete) done() })
    res.on('error', () => { /* 'close' follows */ })
  }

  private upstreamError(err: Error & { code?: string }): void {
    if (this.ended) return
    const { ctx } = this
    if (this.client !== null || this.upstreamClosed) {
      // after the upgrade: 'close' follows and closes the client
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.upstreamFault = 1009
      rootLog.error({ err: { message: err.message, code: err.code }, request_id: ctx.requestId }, 'upstream websocket failed')
      return
    }
    this.upstream = null // its later events ('close') are not this session's
    this.upstreamClosed = true
    if (this.down.aborted || this.down.finished) return this.end()
    const u = ctx.upstream!
    rootLog.error({ err: { message: err.message, code: err.code }, request_id: ctx.requestId, upstream: `${u.host}:${u.port}` }, 'upstream websocket connect failed')
    ;(ctx.tries ??= []).push({ ip: u.host, port: u.port, state: 'failed', code: 0 })
    const timedOut = err.message === 'Opening handshake has timed out'
    const fail = (): void => {
      const status = timedOut ? 504 : failureStatus(err)
      const message = status === 504 ? KONG_MESSAGES.timeout : status === 503 ? 'name resolution failed' : KONG_MESSAGES.badGateway
      respondError(this.state, ctx, this.down, status, message, this.collected)
      this.release()
    }
    // told to retry hooks as undici's connect timeout would be, so failover_criteria's `timeout` applies
    const error = timedOut ? Object.assign(new Error(err.message), { code: 'ETIMEDOUT' }) : err
    if (!offerRetry(ctx, { status: 0, error }, () => this.reconnect(), () => this.guard(fail), (e) => this.bug(e))) fail()
  }

  private fromUpstream(data: Buffer, binary: boolean): void {
    const taps = this.collected?.ws_upstream_frame
    if (taps) runUpstreamFrame(this.ctx, taps, { data, binary })
    if (this.client === null) {
      this.early.push([data, binary])
      if (!this.paused) { this.paused = true; this.upstream!.pause() }
      return
    }
    this.toClient(data, binary)
  }

  private toClient(data: Buffer, binary: boolean): void {
    const c = this.client!
    if (this.clientClosed) return
    this.ctx.responseSize += data.length
    c.send(data, binary)
    const buffered = c.getBufferedAmount()
    if (buffered > websocketCounters.maxClientBuffered) websocketCounters.maxClientBuffered = buffered
    if (buffered > this.limits.highWater) {
      if (!this.paused) { this.paused = true; websocketCounters.pauses++; this.upstream!.pause() }
    } else if (this.paused) {
      this.paused = false
      this.upstream!.resume()
    }
  }

  /** uWS drain: the client caught up. */
  drained(): void {
    const c = this.client
    if (c === null || this.clientClosed || !this.paused) return
    if (c.getBufferedAmount() <= this.limits.highWater / 2) {
      this.paused = false
      this.upstream!.resume()
    }
  }

  /** uWS message (the ArrayBuffer dies when the callback returns: `data` is a copy). */
  fromClient(data: Buffer, binary: boolean): void {
    const up = this.upstream
    if (up === null || up.readyState !== up.OPEN) return
    if (up.bufferedAmount + data.length > this.limits.upstreamCap) {
      rootLog.warn({ request_id: this.ctx.requestId, buffered: up.bufferedAmount }, 'upstream websocket not reading: closing the session')
      // dropped at once: a graceful close would keep what it holds until its close timeout
      this.upstreamClosed = true
      up.terminate()
      this.client?.end(1013, 'upstream is not reading')
      return
    }
    const taps = this.collected?.ws_client_frame
    if (taps) {
      const verdict = runClientFrame(this.ctx, taps, { data, binary })
      if (verdict !== undefined) {
        if ('close' in verdict) {
          // uWS calls clientClose now, which closes the upstream with the same code
          this.client?.end(sendable(verdict.close, 1008), reasonOf(Buffer.from(verdict.reason)))
          return
        }
        return up.send(verdict.send, { binary: false })
      }
    }
    up.send(data, { binary })
  }

  private upstreamClose(code: number, reason: Buffer): void {
    if (this.ended) return
    if (this.upstreamClosed) return this.end()
    this.upstreamClosed = true
    const { ctx } = this
    // lost without a close frame: told as the upstream's status being unknown after a 101 (the
    // PDK's kong.service.response.getStatus() is then undefined while the client got 101)
    if (code === 1006) { ctx.upstreamBroke = true; ctx.upstreamStatus = 0 }
    const c = this.client
    if (c === null) {
      // closed after its 101 but before the client's open (the client left meanwhile)
      if (this.down.aborted || this.down.finished) return this.end()
      return this.upstreamError(Object.assign(new Error('upstream closed before the upgrade'), { code: 'ECONNRESET' }))
    }
    if (!this.clientClosed) c.end(this.upstreamFault || sendable(code, 1011), reasonOf(reason)) // uWS calls clientClose now
    this.end()
  }

  /** uWS close: the client closed (or we closed it, or it vanished). */
  clientClose(code: number, reason: Buffer): void {
    this.clientClosed = true
    this.client = null
    const up = this.upstream
    if (!this.upstreamClosed && up !== null) {
      if (code === 1006) this.ctx.aborted = true // gone without a close frame
      this.upstreamClosed = true
      if (up.readyState === up.OPEN) up.close(sendable(code, code === 1006 ? 1001 : 1000), reasonOf(reason))
      else up.terminate()
    }
    this.end()
  }

  /** Downstream: the client left while the upstream was connecting. */
  aborted(): void {
    this.ctx.aborted = true
    this.upstream?.terminate()
    this.end()
  }

  private release(): void {
    if (!this.holdsSlot) return
    this.holdsSlot = false
    websocketCounters.open--
  }

  /** Once: the slot is given back and the request's log phase runs. */
  private end(): void {
    this.release()
    if (this.ended) return
    this.ended = true
    if (this.client !== null && !this.clientClosed) {
      try { this.client.close() } catch { /* already closed */ }
    }
    finish(this.ctx, this.collected)
  }
}
