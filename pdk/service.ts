// kong.service, kong.service.request, kong.service.response: the upstream side.
import type { RequestContext, UpstreamRequest, UpstreamRetryHook } from '../core/runloop/context.ts'
import { addRetryHook } from '../core/proxy/upstream-retry.ts'
import { errors } from '../core/errors.ts'
import { getFlat, toObject } from '../core/runloop/flat-headers.ts'
import { checkPhase, PHASES } from './private/check-phase.ts'
import { encodeQuery, parseQuery, type QueryArgs } from './private/query.ts'
import { decodeBody, type DecodedBody } from './private/body.ts'
import { JSON_CONTENT_TYPE } from '../core/runloop/error-body.ts'

/**
 * The upstream request being prepared. A route without a service still accepts edits (as Kong
 * sets the nginx request either way); they go nowhere, since such a request ends in a 503.
 */
const DENIED: ReadonlySet<number> = new Set([401, 403])

function upstream(ctx: RequestContext): UpstreamRequest {
  return (ctx.upstream ??= {
    scheme: 'http', host: '', port: 0, method: ctx.method, path: ctx.path, query: ctx.rawQuery, headers: null, body: null,
    hostHeader: null, connectTimeout: 60_000, readTimeout: 60_000, writeTimeout: 60_000, retries: 0, tlsVerify: null,
  })
}

function checkValue(name: string, value: string): void {
  if (/[\r\n]/.test(value)) throw errors.pdkArgument(`invalid header value for "${name}": contains CR or LF`)
}

export class PdkServiceRequest {
  constructor(private readonly ctx: RequestContext) {}

  private header(name: string, value: string | string[] | null, add = false): void {
    const u = upstream(this.ctx)
    const k = name.toLowerCase()
    if (value !== null) for (const v of Array.isArray(value) ? value : [value]) checkValue(name, String(v))
    if (k === 'host') { u.hostHeader = value === null ? null : String(value); return }
    u.headers ??= new Map()
    const prev = u.headers.get(k)
    if (add && value !== null) {
      const base = prev === undefined || prev === null ? (this.ctx.headers[k] !== undefined ? [this.ctx.headers[k]!] : []) : Array.isArray(prev) ? prev : [prev]
      u.headers.set(k, [...base, ...(Array.isArray(value) ? value : [value]).map(String)])
    } else u.headers.set(k, value === null ? null : Array.isArray(value) ? value.map(String) : String(value))
  }

  /** Buffers the upstream response so `response` handlers and kong.service.response.getRawBody() see it. @phases rewrite, access, balancer */
  enableBuffering(): void { checkPhase(this.ctx, PHASES.serviceRequest); this.ctx.bufferResponse = true }

  /** Scheme used upstream (`http` or `https`). @phases rewrite, access, balancer */
  setScheme(scheme: 'http' | 'https'): void {
    checkPhase(this.ctx, PHASES.serviceRequest)
    if (scheme !== 'http' && scheme !== 'https') throw errors.pdkArgument("invalid scheme: must be 'http' or 'https'")
    upstream(this.ctx).scheme = scheme
  }

  /** Upstream path (must start with `/`), without query. @phases rewrite, access, balancer */
  setPath(path: string): void {
    checkPhase(this.ctx, PHASES.serviceRequest)
    if (typeof path !== 'string' || !path.startsWith('/')) throw errors.pdkArgument('path must start with /')
    upstream(this.ctx).path = path
  }

  /** Upstream query string, without `?`. @phases rewrite, access, balancer */
  setRawQuery(query: string): void { checkPhase(this.ctx, PHASES.serviceRequest); upstream(this.ctx).query = query }

  /** Upstream query from arguments (sorted, URL-encoded). @phases rewrite, access */
  setQuery(args: Record<string, unknown>): void { checkPhase(this.ctx, PHASES.rewriteAccess); upstream(this.ctx).query = encodeQuery(args) }

  /**
   * The upstream query as edited so far by earlier plugins (in Kong, kong.request.get_query shows
   * these edits because nginx edits the request in place; here the client's request stays as
   * received, so this is where a later plugin reads them). Tollgate extension.
   * @phases rewrite, access
   */
  getQuery(maxArgs = 100): QueryArgs {
    checkPhase(this.ctx, PHASES.rewriteAccess)
    return parseQuery(upstream(this.ctx).query ?? '', Math.min(maxArgs, 1000))
  }

  /** Removes every occurrence of one query argument from the upstream query. @phases rewrite, access */
  clearQueryArg(name: string): void {
    checkPhase(this.ctx, PHASES.rewriteAccess)
    const u = upstream(this.ctx)
    if (!u.query) return
    const args = parseQuery(u.query, 1000)
    if (!(name in args)) return
    delete args[name]
    u.query = encodeQuery(args)
  }

  /** Upstream method. @phases rewrite, access */
  setMethod(method: string): void { checkPhase(this.ctx, PHASES.rewriteAccess); upstream(this.ctx).method = method.toUpperCase() }

  /** Sets an upstream header (`Host` sets the upstream Host). @phases rewrite, access, balancer */
  setHeader(name: string, value: string | number | string[]): void { checkPhase(this.ctx, PHASES.serviceRequest); this.header(name, value as string) }

  /** Adds an upstream header value. @phases rewrite, access */
  addHeader(name: string, value: string | number): void { checkPhase(this.ctx, PHASES.rewriteAccess); this.header(name, String(value), true) }

  /** Removes an upstream header. @phases rewrite, access, balancer */
  clearHeader(name: string): void { checkPhase(this.ctx, PHASES.serviceRequest); this.header(name, null) }

  /**
   * Tollgate extension: if the upstream answers 401 or 403, call `fn` once (in the balancer phase;
   * it may change the request headers, and may return a promise) and send the request again; the
   * first answer is dropped, or passed on should `fn` fail. Not with a streamed request body.
   * @phases access, balancer
   */
  retryOnDenied(fn: () => void | Promise<void>): void {
    checkPhase(this.ctx, PHASES.accessBalancer)
    addRetryHook(this.ctx, {
      id: 'denied', statuses: DENIED, errors: false, once: true,
      retry: () => {
        const r = fn()
        return r === undefined ? true : r.then(() => true)
      },
    })
  }

  /**
   * Tollgate extension (Kong's balancer retry, for plugins): offers the upstream's answers with
   * `hook.statuses` (held back from the client) and, with `hook.errors`, failures before any
   * answer, to `hook.retry`, which runs in the balancer phase and says whether to send the
   * request again. A `rewind` hook gets the upstream request back as it was at registration
   * (to rebuild it for another target). Not with a streamed request body; never after a byte
   * went to the client. A hook with the id of an earlier one replaces it.
   * @phases access, balancer
   */
  retryOn(hook: UpstreamRetryHook): void { checkPhase(this.ctx, PHASES.accessBalancer); addRetryHook(this.ctx, hook) }

  /** Sets several upstream headers. @phases rewrite, access */
  setHeaders(headers: Record<string, string | string[]>): void {
    checkPhase(this.ctx, PHASES.rewriteAccess)
    for (const k of Object.keys(headers)) this.header(k, headers[k]!)
  }

  /** Replaces the upstream body (Content-Length follows). @phases rewrite, access, balancer */
  setRawBody(body: string | Buffer): void {
    checkPhase(this.ctx, PHASES.serviceRequest)
    if (typeof body !== 'string' && !Buffer.isBuffer(body)) throw errors.pdkArgument('body must be a string or a Buffer')
    upstream(this.ctx).body = body
  }

  /** Encodes `args` as JSON (default) or urlencoded and sets it as the upstream body. @phases rewrite, access */
  setBody(args: Record<string, unknown>, mimetype?: string): void {
    checkPhase(this.ctx, PHASES.rewriteAccess)
    const mime = (mimetype ?? this.ctx.headers['content-type'] ?? 'application/json').split(';')[0]!.trim()
    if (mime === 'application/x-www-form-urlencoded') this.setRawBody(encodeQuery(args))
    else if (mime === 'application/json') { this.setRawBody(JSON.stringify(args)); if (!this.ctx.headers['content-type']) this.header('content-type', JSON_CONTENT_TYPE) }
    else throw errors.pdkArgument(`unsupported content type '${mime}'`)
  }
}

export class PdkServiceResponse {
  constructor(private readonly ctx: RequestContext) {}

  /** Upstream status code. @phases response, header_filter, body_filter, log */
  getStatus(): number | undefined { checkPhase(this.ctx, PHASES.serviceResponse); return this.ctx.upstreamStatus || undefined }

  /** First value of an upstream response header. @phases response, header_filter, body_filter, log */
  getHeader(name: string): string | undefined {
    checkPhase(this.ctx, PHASES.serviceResponse)
    return this.ctx.upstreamHeaders ? getFlat(this.ctx.upstreamHeaders, name) : undefined
  }

  /** All upstream response headers. @phases response, header_filter, body_filter, log */
  getHeaders(max = 100): Record<string, string | string[]> {
    checkPhase(this.ctx, PHASES.serviceResponse)
    return this.ctx.upstreamHeaders ? toObject(this.ctx.upstreamHeaders, max) : {}
  }

  /** Whole upstream body; only when buffering is on (a `response` handler, or enableBuffering()). @phases response, header_filter, body_filter, log */
  getRawBody(): Buffer | undefined { checkPhase(this.ctx, PHASES.serviceResponse); return this.ctx.upstreamBody ?? undefined }

  /** Upstream body decoded by content type. @phases response, header_filter, body_filter, log */
  getBody(mimetype?: string): DecodedBody {
    return decodeBody(this.getRawBody(), mimetype ?? this.getHeader('content-type'))
  }
}

export class PdkService {
  readonly request: PdkServiceRequest
  readonly response: PdkServiceResponse
  constructor(private readonly ctx: RequestContext) {
    this.request = new PdkServiceRequest(ctx)
    this.response = new PdkServiceResponse(ctx)
  }

  /** Sends the request to this host and port instead of the service's. @phases rewrite, access, balancer */
  setTarget(host: string, port: number): void {
    checkPhase(this.ctx, PHASES.serviceRequest)
    if (!host || !Number.isInteger(port) || port < 0 || port > 65535) throw errors.pdkArgument('host must be a string and port between 0 and 65535')
    const u = upstream(this.ctx)
    u.host = host
    u.port = port
  }

  /** Kong's set_tls_verify: verify (true) or not (false) the upstream's certificate for this request. @phases rewrite, access, balancer */
  setTlsVerify(on: boolean): void {
    checkPhase(this.ctx, PHASES.serviceRequest)
    if (typeof on !== 'boolean') throw errors.pdkArgument('tls verify expects a boolean')
    upstream(this.ctx).tlsVerify = on
  }

  /** Overrides the service's retries for this request. @phases access */
  setRetries(retries: number): void { checkPhase(this.ctx, PHASES.access); upstream(this.ctx).retries = retries }

  /** Overrides the service's timeouts (ms) for this request. @phases access */
  setTimeouts(connect: number, write: number, read: number): void {
    checkPhase(this.ctx, PHASES.access)
    for (const t of [connect, write, read]) if (!Number.isInteger(t) || t < 1) throw errors.pdkArgument('timeouts must be positive integers (ms)')
    const u = upstream(this.ctx)
    u.connectTimeout = connect
    u.writeTimeout = write
    u.readTimeout = read
  }
}
