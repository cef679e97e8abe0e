// A request's way through (docs/ARCHITECTURE.md, "A request"): rewrite → route → access → upstream or exit →
// header_filter → body_filter → log. The config state is captured once at the start, so a request
// in flight finishes on the config it started with when POST /config swaps it.
import type { Readable } from 'node:stream'
import type { Snapshot } from '../config/types.ts'
import type { Router } from '../router/router.ts'
import type { Settings } from '../settings.ts'
import type { Downstream, DownstreamListener } from '../server/downstream.ts'
import type { RequestContext, FlatHeaders, HeaderValue } from './context.ts'
import type { Bound, Collected, Plans } from './plan.ts'
import { runAccess, runBodyFilter, runHeaderFilter, runPhase } from './runner.ts'
import { applyEdits, clearFlat, getFlat, sameName } from './flat-headers.ts'
import { renderError } from './error-body.ts'
import { detachHead } from './detach-head.ts'
import { KONG_MESSAGES } from '../errors.ts'
import { initUpstream } from '../proxy/upstream-request.ts'
import { dispatch, failureStatus, type ResponseSink } from '../proxy/upstream-call.ts'
import { retrySink } from '../proxy/upstream-retry.ts'
import { SERVER_TOKEN, VIA_TOKEN } from '../version.ts'
import { rootLog } from '../log.ts'
import { add, COUNTER } from '../server/counters.ts'
import { endTrace, startTrace } from './tracing-hook.ts'

export interface ConfigState {
  readonly snapshot: Snapshot
  readonly router: Router
  readonly plans: Plans
  readonly settings: Settings
  /**
   * a plugin of this config asked for the runloop's timings (requestTiming), set once the
   * config's plugins are configured: per gateway, so two in one process (tests) keep their own
   */
  timing?: boolean
}

function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function'
}

function ms(from: number, to: number): string {
  return String(Math.round(to - from))
}

/**
 * A throw from gateway code on the request path (plugins' throws are runner.ts's): this request
 * alone fails, logged, with Kong's 500 when nothing was sent yet, else its connection is dropped.
 * Never throws itself: it is the last stop before a uWS callback or a promise continuation, where
 * a throw would end the worker and every request on it.
 */
export function requestFailed(state: ConfigState, ctx: RequestContext, down: Downstream, collected: Collected | null, err: unknown): void {
  try {
    rootLog.error({ err, request_id: ctx.requestId }, 'request failed')
    ctx.abortUpstream?.()
    ctx.abortUpstream = null
    if (!down.headSent && !down.finished && !down.aborted) {
      try {
        return respondError(state, ctx, down, 500, KONG_MESSAGES.unexpected, collected)
      } catch (e) {
        // the error path failed too (a plugin filter, a broken header): answer without plugins
        rootLog.error({ err: e, request_id: ctx.requestId }, 'error response failed')
        const { body, contentType } = renderError(KONG_MESSAGES.unexpected, ctx.requestId, undefined)
        down.send(500, ['Content-Type', contentType], body)
      }
    } else down.close()
    finish(ctx, collected)
  } catch (e) {
    rootLog.error({ err: e }, 'request failure handling failed')
  }
}

export function handleRequest(state: ConfigState, ctx: RequestContext, down: Downstream, bodyStream: Readable | null): void {
  add(COUNTER.totalRequests, 1n)
  add(COUNTER.activeRequests, 1n)
  ctx.config = state.snapshot
  if (state.timing === true) ctx.trace = startTrace(state.settings.tracing)
  try {
    const rewrite = state.plans.rewrite
    if (rewrite) {
      const r = runPhase(ctx, rewrite, 'rewrite')
      if (r) {
        r.then(() => route(state, ctx, down, bodyStream)).catch((e: unknown) => requestFailed(state, ctx, down, state.plans.global.collected, e))
        return
      }
    }
    route(state, ctx, down, bodyStream)
  } catch (e) {
    requestFailed(state, ctx, down, state.plans.global.collected, e)
  }
}

function route(state: ConfigState, ctx: RequestContext, down: Downstream, bodyStream: Readable | null): void {
  const global = state.plans.global.collected
  if (ctx.exit) return respond(state, ctx, down, global)
  const tr = ctx.trace
  if (tr !== null) tr.routing()
  const match = state.router.match({ method: ctx.method, host: ctx.headers.host ?? '', path: ctx.path, headers: ctx.headers, port: ctx.serverPort })
  if (tr !== null) tr.routed()
  if (!match) return respondError(state, ctx, down, 404, KONG_MESSAGES.noRoute, global)
  ctx.match = match
  ctx.route = match.route
  ctx.service = match.service
  // an upgrade may also use a route of Kong's WebSocket protocols (ws, wss)
  if (!match.route.protocols.includes('http') && !(ctx.wsUpgrade !== null && match.route.protocols.includes('ws'))) {
    const r = respondError(state, ctx, down, 426, KONG_MESSAGES.useHttps, global, ['Connection', 'Upgrade', 'Upgrade', 'TLS/1.2, HTTP/1.1'])
    return r
  }
  if (match.service) ctx.upstream = initUpstream(match.service, match, ctx)
  const plan = state.plans.byRoute.get(match.route.id) ?? state.plans.global
  const collected = runAccess(ctx, plan)
  if (isThenable(collected)) {
    collected.then((c) => afterAccess(state, ctx, down, c, bodyStream), (e: unknown) => requestFailed(state, ctx, down, global, e))
  } else afterAccess(state, ctx, down, collected, bodyStream)
}

function afterAccess(state: ConfigState, ctx: RequestContext, down: Downstream, collected: Collected | null, bodyStream: Readable | null): void {
  try {
    if (down.aborted) ctx.aborted = true // the client left while access ran
    if (ctx.aborted) return finish(ctx, collected)
    if (ctx.exit) return respond(state, ctx, down, collected)
    if (!ctx.service) return respondError(state, ctx, down, 503, KONG_MESSAGES.noService, collected)
    if (ctx.wsUpgrade !== null) return ctx.wsUpgrade.proxy(collected)
    proxy(state, ctx, down, collected, bodyStream)
  } catch (e) {
    // with the request's own plugins, so its log phase still runs
    requestFailed(state, ctx, down, collected, e)
  }
}

/** Kong's own headers on a response Kong generated (exit or error). */
function kongHeaders(state: ConfigState, ctx: RequestContext, h: FlatHeaders): void {
  const s = state.settings.headers
  if (s.serverTokens) h.push('Server', SERVER_TOKEN)
  if (s.latencyTokens) h.push('X-Kong-Response-Latency', ms(ctx.start, performance.now()))
  if (s.requestId) h.push('X-Kong-Request-Id', ctx.requestId)
}

export function respondError(
  state: ConfigState, ctx: RequestContext, down: Downstream, status: number, message: string,
  collected: Collected | null, extra: string[] = [],
): void {
  ctx.config ??= state.snapshot // errors before handleRequest (413): the log record's redaction reads it
  const { body, contentType } = renderError(message, ctx.requestId, ctx.headers.accept)
  ctx.exit = { status, body, headers: ['Content-Type', contentType, ...extra] }
  ctx.source = 'error'
  respond(state, ctx, down, collected)
}

/** Sends ctx.exit (a plugin's exit or a Kong error) through header_filter/body_filter, then log. */
export function respond(state: ConfigState, ctx: RequestContext, down: Downstream, collected: Collected | null): void {
  const exit = ctx.exit!
  const headers = exit.headers
  if (ctx.headerEdits) applyEdits(headers, ctx.headerEdits)
  kongHeaders(state, ctx, headers)
  ctx.status = exit.status
  ctx.responseHeaders = headers
  if (collected?.header_filter) runHeaderFilter(ctx, collected.header_filter)
  let body = exit.body
  if (collected?.body_filter) body = runBodyFilter(ctx, collected.body_filter, body === null ? Buffer.alloc(0) : Buffer.from(body), true)
  if (ctx.method === 'HEAD') down.markNoBody()
  down.send(ctx.status, ctx.responseHeaders, body)
  ctx.responseSize = down.written
  finish(ctx, collected)
}

/** After the last byte (or an abort): timings, then `log` off the hot path. */
export function finish(ctx: RequestContext, collected: Collected | null): void {
  if (ctx.endAt) return
  ctx.endAt = performance.now()
  add(COUNTER.activeRequests, -1n)
  const log = collected?.log
  if (log) queueLog(ctx, log)
  else endTrace(ctx)
}

/**
 * Log phases waiting for the next check phase, as [ctx, log] pairs, run by one setImmediate: the
 * requests that end in one turn of the loop (many under load) share it. An Immediate per request
 * was an object, a ref toggle and an async-context hop each, paid by every request whose route has
 * a log handler (ai-proxy's has one) even when it has nothing to do.
 */
let pendingLogs: (RequestContext | readonly Bound[])[] = []

function queueLog(ctx: RequestContext, log: readonly Bound[]): void {
  if (pendingLogs.length === 0) setImmediate(runLogs)
  pendingLogs.push(ctx, log)
}

function runLogs(): void {
  const batch = pendingLogs
  // a log phase that ends another request's response queues that one for the next turn
  pendingLogs = []
  for (let i = 0; i < batch.length; i += 2) {
    const ctx = batch[i] as RequestContext
    // runLog catches its phase's failures; anything else must not cost the rest of the batch their log phase
    try { runLog(ctx, batch[i + 1] as readonly Bound[]) } catch (err) { rootLog.error({ err, request_id: ctx.requestId }, 'log phase failed') }
  }
}

/** The log phase, off the hot path; it has no client to answer, so a failure is only logged. */
function runLog(ctx: RequestContext, log: readonly Bound[]): void {
  const failed = (err: unknown): void => { rootLog.error({ err, request_id: ctx.requestId }, 'log phase failed') }
  try {
    const r = runPhase(ctx, log, 'log')
    if (r) {
      r.catch(failed).finally(() => endTrace(ctx))
      return
    }
  } catch (e) {
    failed(e)
  }
  endTrace(ctx)
}

/** Response headers from upstream that are not forwarded: hop-by-hop, and framing and Date, which uWS writes itself. */
function dropResponseHeader(name: HeaderValue): boolean {
  switch (name.length) {
    case 2: return sameName(name, 'te')
    case 4: return sameName(name, 'date') // uWS writes its own Date
    case 7: return sameName(name, 'upgrade') || sameName(name, 'trailer')
    case 10: return sameName(name, 'connection') || sameName(name, 'keep-alive')
    case 11: return sameName(name, 'uwebsockets') // uWS writes its own
    case 14: return sameName(name, 'content-length')
    case 16: return sameName(name, 'proxy-connection')
    case 17: return sameName(name, 'transfer-encoding')
    default: return false
  }
}

/** Removes Content-Length from a header list and returns its value, -1 when absent. */
function takeContentLength(h: FlatHeaders): number {
  const v = getFlat(h, 'content-length')
  if (v === undefined) return -1
  clearFlat(h, 'content-length')
  const n = Number(v)
  return Number.isInteger(n) && n >= 0 ? n : -1
}

/** The upstream's Content-Length as Number() reads it (the last one), -1 when it has none. */
function contentLength(raw: FlatHeaders): number {
  let total = -1
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 14 || !isContentLength(raw[i]!)) continue
    const v = raw[i + 1]!
    total = Number(typeof v === 'string' ? v : v.toString('latin1'))
  }
  return total
}

function isServer(name: HeaderValue): boolean {
  return sameName(name, 'server')
}

function isContentLength(name: HeaderValue): boolean {
  return sameName(name, 'content-length')
}

/**
 * Buffered proxying (a `response` handler, enableBuffering) holds the whole upstream answer in
 * the worker: past this size the upstream call is cut and the client gets Kong's 502. Kong has no
 * setting for it (nginx spills buffered bodies to disk).
 */
export const MAX_BUFFERED_RESPONSE_BYTES = 32 * 1024 * 1024

/**
 * One proxied exchange: the upstream's answer (ResponseSink) on its way to the client, through
 * header_filter and body_filter, with the client side's abort and drain (DownstreamListener).
 * One object per request rather than a set of closures.
 */
class ProxyExchange implements ResponseSink, DownstreamListener {
  private readonly buffered: boolean
  private readonly chunks: Buffer[] | null
  private bufferedBytes = 0
  /** the buffered answer passed MAX_BUFFERED_RESPONSE_BYTES: dropped, the upstream call cut */
  private overflow = false
  private readonly bodyFilter: Bound[] | null
  private resumeUpstream: (() => void) | null = null
  /** body chunks from upstream so far (counted up to the second) */
  private reads = 0

  constructor(
    private readonly state: ConfigState,
    private readonly ctx: RequestContext,
    private readonly down: Downstream,
    private readonly collected: Collected | null,
  ) {
    this.buffered = ctx.bufferResponse || collected?.buffered === true
    this.chunks = this.buffered ? [] : null
    this.bodyFilter = collected?.body_filter ?? null
    down.listener = this
  }

  /** A throw from the gateway's own code while proxying (upstream-call.ts catches it): 500, this request only. */
  onBug(err: unknown): void {
    requestFailed(this.state, this.ctx, this.down, this.collected, err)
  }

  aborted(): void {
    this.ctx.aborted = true
    this.ctx.abortUpstream?.()
    finish(this.ctx, this.collected)
  }

  drained(): void {
    this.resumeUpstream?.()
  }

  onHead(status: number, raw: FlatHeaders, resume: () => void): void {
    const { ctx, state, collected, bodyFilter } = this
    ctx.upstreamHeadAt = performance.now()
    this.resumeUpstream = resume
    ctx.upstreamStatus = status
    ctx.status = status
    ctx.upstreamHeaders = raw
    const out: FlatHeaders = []
    let total = contentLength(raw)
    let hasServer = false
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i]!
      if (dropResponseHeader(n)) continue
      if (isServer(n)) hasServer = true
      out.push(n, raw[i + 1]!)
    }
    const s = state.settings.headers
    if (s.serverTokens) { out.push('Via', VIA_TOKEN); if (!hasServer) out.push('Server', SERVER_TOKEN) }
    if (s.latencyTokens) out.push('X-Kong-Upstream-Latency', ms(ctx.proxyStart, ctx.upstreamHeadAt), 'X-Kong-Proxy-Latency', ms(ctx.start, ctx.proxyStart))
    if (s.requestId) out.push('X-Kong-Request-Id', ctx.requestId)
    if (ctx.headerEdits) applyEdits(out, ctx.headerEdits)
    ctx.responseHeaders = out
    if (this.buffered) return
    ctx.releaseBody()
    // As in Kong, Content-Length stays visible to header_filter when a body_filter will run: a
    // plugin that changes the body clears it (the response then goes out chunked), one that
    // only reads the body keeps it and the client gets a known length.
    if (bodyFilter && total >= 0) out.push('Content-Length', String(total))
    if (collected?.header_filter) runHeaderFilter(ctx, collected.header_filter)
    if (bodyFilter && total >= 0) total = takeContentLength(ctx.responseHeaders!)
    this.down.head(ctx.status, ctx.responseHeaders!, total, ctx.method === 'HEAD' || status === 204 || status === 304)
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks) {
      this.bufferedBytes += chunk.length
      if (this.bufferedBytes <= MAX_BUFFERED_RESPONSE_BYTES) this.chunks.push(chunk)
      else if (!this.overflow) {
        this.overflow = true
        this.chunks.length = 0
        this.ctx.abortUpstream?.()
      }
      return true
    }
    // the answer goes on past its first read: its head must not keep that read alive (a stream may stay open long)
    if (++this.reads === 2 && this.ctx.upstreamHeaders !== null) detachHead(this.ctx.upstreamHeaders, this.ctx.responseHeaders)
    if (this.bodyFilter) chunk = runBodyFilter(this.ctx, this.bodyFilter, chunk, false)
    return this.down.write(chunk)
  }

  onEnd(): void {
    const { ctx, down, collected } = this
    // the client's resume belongs to its connection, which may carry the next exchange by now
    this.resumeUpstream = null
    if (this.overflow) return this.tooLarge()
    if (this.chunks) return void sendBuffered(this.state, ctx, down, collected, Buffer.concat(this.chunks))
    if (this.bodyFilter) {
      const last = runBodyFilter(ctx, this.bodyFilter, Buffer.alloc(0), true)
      if (last.length) down.write(last)
    }
    down.end()
    ctx.responseSize = down.written
    finish(ctx, collected)
  }

  onFail(err: Error & { code?: string }, headSent: boolean): void {
    const { ctx, down, collected } = this
    this.resumeUpstream = null
    if (ctx.aborted) return // the client went away and we cancelled the upstream: not an upstream failure
    if (this.overflow) return this.tooLarge()
    const u = ctx.upstream!
    rootLog.error({ err: { message: err.message, code: err.code }, request_id: ctx.requestId, upstream: `${u.host}:${u.port}` }, 'upstream request failed')
    if (headSent || down.headSent) {
      ctx.upstreamBroke = true
      down.close()
      return finish(ctx, collected)
    }
    const status = failureStatus(err)
    const message = status === 504 ? KONG_MESSAGES.timeout : status === 503 ? 'name resolution failed' : KONG_MESSAGES.badGateway
    respondError(this.state, ctx, down, status, message, collected)
  }

  private tooLarge(): void {
    const u = this.ctx.upstream!
    rootLog.error({ request_id: this.ctx.requestId, upstream: `${u.host}:${u.port}`, limit: MAX_BUFFERED_RESPONSE_BYTES }, 'buffered upstream response too large')
    respondError(this.state, this.ctx, this.down, 502, KONG_MESSAGES.badGateway, this.collected)
  }
}

function proxy(state: ConfigState, ctx: RequestContext, down: Downstream, collected: Collected | null, bodyStream: Readable | null): void {
  const u = ctx.upstream!
  const exchange = new ProxyExchange(state, ctx, down, collected)
  ctx.proxyStart = performance.now()
  const body = u.body ?? (ctx.bodyStreamed ? bodyStream : ctx.body)
  const opts = { body, trustedCa: state.settings.trustedCa, requestIdHeader: state.settings.headers.requestId }
  if (ctx.upstreamRetry !== null && (body === null || typeof body === 'string' || Buffer.isBuffer(body))) {
    // a retry goes through proxy() again: the hook may have changed the target, body and buffering
    const again = (): void => {
      try { proxy(state, ctx, down, collected, bodyStream) } catch (e) { exchange.onBug(e) }
    }
    return dispatch(ctx, opts, retrySink(ctx, exchange, again))
  }
  dispatch(ctx, opts, exchange)
}

/** Buffered proxying: `response` handlers see the whole upstream answer before anything is sent. */
function sendBuffered(state: ConfigState, ctx: RequestContext, down: Downstream, collected: Collected | null, body: Buffer): void {
  ctx.upstreamBody = body
  const send = () => {
    if (ctx.exit) return respond(state, ctx, down, collected)
    if (collected?.header_filter) runHeaderFilter(ctx, collected.header_filter)
    let out = body
    if (collected?.body_filter) out = runBodyFilter(ctx, collected.body_filter, body, true)
    if (ctx.method === 'HEAD') down.markNoBody()
    down.send(ctx.status, ctx.responseHeaders!, out)
    ctx.responseSize = down.written
    finish(ctx, collected)
  }
  const r = collected?.response ? runPhase(ctx, collected.response, 'response') : undefined
  if (r) r.then(send).catch((e: unknown) => requestFailed(state, ctx, down, collected, e))
  else send()
}
