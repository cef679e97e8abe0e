// One upstream exchange through the H1 client (h1-pool.ts) or undici's Pool#dispatch, both
// driving a handler written against undici's classic callbacks (onConnect/onHeaders/onData/onComplete/onError): raw header Buffers, no
// AbortController, no Readable per response (profiling measured this as the
// cheapest primitive in uWS). Retries follow nginx's proxy_next_upstream "error timeout": only
// before a response head arrived, and after the request was sent only for idempotent methods.
import { IDEMPOTENT_METHODS, MAYBE_SENT_CODES, NOT_SENT_CODES } from './retryable-errors.ts'
import type { Dispatcher } from 'undici'
import type { Readable } from 'node:stream'
import type { RequestContext } from '../runloop/context.ts'
import { getPool } from './pools.ts'
import { getH1Pool } from './h1-pools.ts'
import { h1Request } from './h1-request.ts'
import { H1_CLIENT } from './upstream-client.ts'
import type { FlatHeaders } from '../runloop/context.ts'
import { upstreamHeaders, upstreamPathWithQuery } from './upstream-request.ts'

/** Where the response goes: the runloop's proxy phase implements it. */
export interface ResponseSink {
  /** `resume` restarts a paused upstream after onData returned false */
  onHead(status: number, rawHeaders: FlatHeaders, resume: () => void): void
  /** false = downstream backpressure: undici pauses reading until resume() */
  onData(chunk: Buffer): boolean
  onEnd(): void
  onFail(err: Error & { code?: string }, headSent: boolean): void
  /** the gateway's own code threw while handling this exchange: fail this request only */
  onBug(err: unknown): void
}

export interface CallOptions {
  body: Buffer | string | Readable | null
  /** the node's CA list for https upstreams (settings.trustedCa) */
  trustedCa: readonly string[]
  requestIdHeader: boolean
}


/**
 * The handler undici keeps for one attempt. It lets go of the request (ctx, body, sink) as soon
 * as the attempt is over: undici and the socket's write path keep handlers reachable for a while
 * after completion, and anything reachable from one at a scavenge is promoted to the old
 * generation. Measured at c=1 (trace-gc-nvp): holding on promoted ~5 KB per request (every
 * request's header Buffers, context and exchange) and cost a mark-compact every ~1.6 s, the p99
 * tail; letting go cut promotion to under 1 KB per request.
 */
export class UpstreamCall implements Dispatcher.DispatchHandler {
  private abortFn: ((err: Error) => void) | null = null
  private headDone = false
  /**
   * the attempt is over (completed, failed, or a sink callback threw): later undici callbacks
   * are ignored and ctx, opts and sink are released
   */
  private done = false
  private ctx: RequestContext | null
  private opts: CallOptions | null
  private sink: ResponseSink | null

  constructor(ctx: RequestContext, opts: CallOptions, sink: ResponseSink, private readonly attempt: number) {
    this.ctx = ctx
    this.opts = opts
    this.sink = sink
  }

  onConnect(abort: (err?: Error) => void): void {
    const ctx = this.ctx
    if (ctx === null) return abort(new Error('client aborted'))
    this.abortFn = abort
    if (ctx.aborted) abort(new Error('client aborted'))
    else ctx.abortUpstream = () => abort(new Error('client aborted'))
  }

  /** Ends the attempt: nothing of the request stays reachable from this handler. */
  private release(): void {
    this.done = true
    this.ctx = null
    this.opts = null
    this.sink = null
    this.abortFn = null
  }

  // Every callback below runs inside undici's socket handlers: a throw escaping them would be
  // uncaught and end the worker, so each one is caught and fails this request alone.

  /** Stops the upstream and hands the throw to the sink. */
  private bug(err: unknown): void {
    if (this.done) return
    const sink = this.sink!
    const abort = this.abortFn
    this.ctx!.abortUpstream = null
    this.release()
    try { abort?.(err instanceof Error ? err : new Error(String(err))) } catch { /* already closed */ }
    sink.onBug(err)
  }

  /** raw: undici's Buffers, or the H1 client's strings */
  onHeaders(status: number, raw: FlatHeaders, resume: () => void): boolean {
    if (this.done) return true
    if (status < 200) return true // 1xx: wait for the final head
    this.headDone = true
    // no retry once a head came (failed() below): the request body need not live as long as the answer
    this.opts = null
    try { this.sink!.onHead(status, raw, resume) } catch (e) { this.bug(e) }
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return true
    try { return this.sink!.onData(chunk) } catch (e) { this.bug(e); return true }
  }

  onComplete(): void {
    if (this.done) return
    const sink = this.sink!
    this.ctx!.abortUpstream = null
    this.release()
    try { sink.onEnd() } catch (e) { sink.onBug(e) }
  }

  onError(err: Error & { code?: string }): void {
    if (this.done) return
    const ctx = this.ctx!, opts = this.opts, sink = this.sink!, headDone = this.headDone
    ctx.abortUpstream = null
    this.release()
    try { failed(ctx, opts, sink, this.attempt, headDone, err) } catch (e) { sink.onBug(e) }
  }
}

/** An attempt failed: another attempt when nginx would retry, else the sink's failure path. `opts`: null once a head came. */
function failed(ctx: RequestContext, opts: CallOptions | null, sink: ResponseSink, attempt: number, headDone: boolean, err: Error & { code?: string }): void {
  const u = ctx.upstream!
  ;(ctx.tries ??= []).push({ ip: u.host, port: u.port, state: 'failed', code: 0 })
  if (!headDone && opts !== null && !ctx.aborted && attempt < u.retries && retryable(err, ctx.method, opts.body)) {
    dispatch(ctx, opts, sink, attempt + 1)
    return
  }
  sink.onFail(err, headDone)
}

function retryable(err: Error & { code?: string }, method: string, body: CallOptions['body']): boolean {
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) return false // a consumed stream cannot be replayed
  const code = err.code ?? ''
  return NOT_SENT_CODES.has(code) || (MAYBE_SENT_CODES.has(code) && IDEMPOTENT_METHODS.has(method))
}

export function dispatch(ctx: RequestContext, opts: CallOptions, sink: ResponseSink, attempt = 0): void {
  const u = ctx.upstream!
  // trace headers and a balancer span per try (core/runloop/tracing-hook.ts); the first try starts
  // at the proxy's start, read just before by proxy() (core/runloop/pipeline.ts): one reading fewer
  ctx.trace?.attempt(u, attempt === 0 ? ctx.proxyStart : 0)
  const body = opts.body
  const path = upstreamPathWithQuery(u)
  const headers = upstreamHeaders(ctx, u, opts.requestIdHeader)
  if (H1_CLIENT && u.scheme === 'http' && (body === null || typeof body === 'string' || Buffer.isBuffer(body))) {
    const req = h1Request(u.method, path, headers, body, u.readTimeout, u.readTimeout)
    if (req !== null) {
      getH1Pool(u.host, u.port, u.connectTimeout).dispatch(req, new UpstreamCall(ctx, opts, sink, attempt))
      return
    }
    // not one the H1 client sends as undici would (h1-request.ts): undici sends it, or refuses it
  }
  const pool = getPool({ scheme: u.scheme, host: u.host, port: u.port, connectTimeout: u.connectTimeout, tlsVerify: u.tlsVerify ?? true, trustedCa: opts.trustedCa })
  pool.dispatch(
    {
      method: u.method as Dispatcher.HttpMethod,
      path,
      headers,
      body,
      headersTimeout: u.readTimeout,
      bodyTimeout: u.readTimeout,
    },
    new UpstreamCall(ctx, opts, sink, attempt),
  )
}

/** Kong's status for an upstream failure before any response head. */
export function failureStatus(err: Error & { code?: string }): 502 | 503 | 504 {
  switch (err.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 504
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 503
    default:
      return 502
  }
}
