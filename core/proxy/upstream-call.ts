// One upstream exchange through undici's Pool#dispatch with a handler written against the
// classic callbacks (onConnect/onHeaders/onData/onComplete/onError): raw header Buffers, no
// AbortController, no Readable per response (profiling measured this as the
// cheapest primitive in uWS). Retries follow nginx's proxy_next_upstream "error timeout": only
// before a response head arrived, and after the request was sent only for idempotent methods.
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
}

export interface CallOptions {
  body: Buffer | string | Readable | null
  tlsVerify: boolean
  requestIdHeader: boolean
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'])
/** the request never reached the upstream: safe to retry any method */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])
const MAYBE_SENT = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'EPIPE', 'UND_ERR_CLOSED'])

class UpstreamCall implements Dispatcher.DispatchHandler {
  private abortFn: ((err: Error) => void) | null = null
  private headDone = false

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

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (status < 200) return true // 1xx: wait for the final head
    this.headDone = true
    this.sink.onHead(status, raw, resume)
    return true
  }

  onData(chunk: Buffer): boolean {
    return this.sink.onData(chunk)
  }

  onComplete(): void {
    this.ctx.abortUpstream = null
    this.sink.onEnd()
  }

  onError(err: Error & { code?: string }): void {
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
  return NOT_SENT.has(code) || (MAYBE_SENT.has(code) && IDEMPOTENT.has(method))
}

export function dispatch(ctx: RequestContext, opts: CallOptions, sink: ResponseSink, attempt = 0): void {
  const u = ctx.upstream!
  const pool = getPool({ scheme: u.scheme, host: u.host, port: u.port, connectTimeout: u.connectTimeout, tlsVerify: opts.tlsVerify })
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
