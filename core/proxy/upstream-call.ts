// One upstream exchange through undici's Pool#dispatch with a handler written against the
// classic callbacks (onConnect/onHeaders/onData/onComplete/onError): raw header Buffers, no
// AbortController, no Readable per response (profiling measured this as the
// cheapest primitive in uWS). Retries follow nginx's proxy_next_upstream "error timeout": only
// before a response head arrived, and after the request was sent only for idempotent methods.
import { IDEMPOTENT_METHODS, MAYBE_SENT_CODES, NOT_SENT_CODES } from './retryable-errors.ts'
import type { Dispatcher } from 'undici'
import type { Readable } from 'node:stream'
import type { RequestContext } from '../runloop/context.ts'
import { getPool } from './pools.ts'
import { upstreamHeaders, upstreamPathWithQuery } from './upstream-request.ts'

/** Where the response goes: the runloop's proxy phase implements it. */
export interface ResponseSink {
  /** `resume` restarts a paused upstream after onData returned false */
  onHead(status: number, rawHeaders: Buffer[], resume: () => void): void
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


class UpstreamCall implements Dispatcher.DispatchHandler {
  private abortFn: ((err: Error) => void) | null = null
  private headDone = false
  /** a sink callback threw: the exchange is over, later undici callbacks are ignored */
  private broken = false

  constructor(
    private readonly ctx: RequestContext,
    private readonly opts: CallOptions,
    private readonly sink: ResponseSink,
    private readonly attempt: number,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort
    if (this.ctx.aborted) abort(new Error('client aborted'))
    else this.ctx.abortUpstream = () => abort(new Error('client aborted'))
  }

  // Every callback below runs inside undici's socket handlers: a throw escaping them would be
  // uncaught and end the worker, so each one is caught and fails this request alone.

  /** Stops the upstream and hands the throw to the sink. */
  private bug(err: unknown): void {
    if (this.broken) return
    this.broken = true
    this.ctx.abortUpstream = null
    try { this.abortFn?.(err instanceof Error ? err : new Error(String(err))) } catch { /* already closed */ }
    this.sink.onBug(err)
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (this.broken) return true
    if (status < 200) return true // 1xx: wait for the final head
    this.headDone = true
    try { this.sink.onHead(status, raw, resume) } catch (e) { this.bug(e) }
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.broken) return true
    try { return this.sink.onData(chunk) } catch (e) { this.bug(e); return true }
  }

  onComplete(): void {
    if (this.broken) return
    this.ctx.abortUpstream = null
    try { this.sink.onEnd() } catch (e) { this.bug(e) }
  }

  onError(err: Error & { code?: string }): void {
    if (this.broken) return
    try { this.failed(err) } catch (e) { this.bug(e) }
  }

  private failed(err: Error & { code?: string }): void {
    this.ctx.abortUpstream = null
    const ctx = this.ctx
    const u = ctx.upstream!
    ;(ctx.tries ??= []).push({ ip: u.host, port: u.port, state: 'failed', code: 0 })
    if (!this.headDone && !ctx.aborted && this.attempt < u.retries && retryable(err, ctx.method, this.opts.body)) {
      dispatch(ctx, this.opts, this.sink, this.attempt + 1)
      return
    }
    this.sink.onFail(err, this.headDone)
  }
}

function retryable(err: Error & { code?: string }, method: string, body: CallOptions['body']): boolean {
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) return false // a consumed stream cannot be replayed
  const code = err.code ?? ''
  return NOT_SENT_CODES.has(code) || (MAYBE_SENT_CODES.has(code) && IDEMPOTENT_METHODS.has(method))
}

export function dispatch(ctx: RequestContext, opts: CallOptions, sink: ResponseSink, attempt = 0): void {
  const u = ctx.upstream!
  ctx.trace?.attempt(u) // trace headers and a balancer span per try (core/runloop/tracing-hook.ts)
  const pool = getPool({ scheme: u.scheme, host: u.host, port: u.port, connectTimeout: u.connectTimeout, tlsVerify: u.tlsVerify ?? true, trustedCa: opts.trustedCa })
  pool.dispatch(
    {
      method: u.method as Dispatcher.HttpMethod,
      path: upstreamPathWithQuery(u),
      headers: upstreamHeaders(ctx, u, opts.requestIdHeader),
      body: opts.body,
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
