// kong.request: the client's request as received. Read-only.
import type { RequestContext } from '../core/runloop/context.ts'
import { checkPhase, PHASES } from './private/check-phase.ts'
import { parseQuery, type QueryArgs } from './private/query.ts'
import { decodeBody, type DecodedBody } from './private/body.ts'
import { normalizePath } from '../core/router/normalize-path.ts'

/**
 * The stored form of a header name: lowercase, `_` as `-`. Plugins mostly ask with names already
 * in that form (a tracing plugin's extraction asks for ~10 per request): those are returned as
 * they are, without a new string or a regex; any other name takes the full transform, so the
 * answer is the same either way.
 */
export function headerKey(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    // uppercase ASCII, `_`, or anything non-ASCII (toLowerCase maps e.g. U+212A KELVIN SIGN to `k`)
    if ((c >= 65 && c <= 90) || c === 95 || c > 127) return name.toLowerCase().replace(/_/g, '-')
  }
  return name
}

export class PdkRequest {
  /** getPath()'s answer, computed on first call (one PdkRequest per request) */
  private normalized: string | null = null

  constructor(private readonly ctx: RequestContext) {}

  /**
   * This request's id, unique per node: the id error bodies and log records carry (Kong's
   * kong.request.get_id(), its `$kong_request_id`).
   * @phases rewrite, access, balancer, response, header_filter, body_filter, log
   */
  getId(): string { checkPhase(this.ctx, PHASES.request); return this.ctx.requestId }

  /** Scheme of the request, `http` or `https`. @phases request phases */
  getScheme(): string { checkPhase(this.ctx, PHASES.request); return this.ctx.scheme }

  /** Host (lowercase, no port) from the Host header. @phases request phases */
  getHost(): string { checkPhase(this.ctx, PHASES.request); return this.ctx.host }

  /** Port of the listener the request came in on. @phases all but init_worker */
  getPort(): number { checkPhase(this.ctx, PHASES.anyButInitWorker); return this.ctx.serverPort }

  /** Forwarded scheme; X-Forwarded-Proto is honoured only from trusted IPs (none by default). @phases request phases */
  getForwardedScheme(): string { return this.getScheme() }

  /** Forwarded host; as getHost() unless the client is trusted. @phases request phases */
  getForwardedHost(): string { return this.getHost() }

  /** Forwarded port; as getPort() unless the client is trusted. @phases request phases */
  getForwardedPort(): number { return this.getPort() }

  /** HTTP version of the request (uWS speaks HTTP/1.1). @phases request phases */
  getHttpVersion(): number { checkPhase(this.ctx, PHASES.request); return 1.1 }

  /** Request method, uppercase. @phases request phases */
  getMethod(): string { checkPhase(this.ctx, PHASES.request); return this.ctx.method }

  /**
   * Path without the query string, normalized as the router sees it (Kong 3.x): percent-encoded
   * unreserved characters decoded, dot segments removed, `//` merged. A check on this path cannot
   * be walked around with `/a/../b`, `//b` or `%62`. A path whose escapes are not UTF-8 (the
   * router refuses it) is returned raw. @phases request phases
   */
  getPath(): string {
    checkPhase(this.ctx, PHASES.request)
    return (this.normalized ??= normalizePath(this.ctx.path) ?? this.ctx.path)
  }

  /** Path without the query string, exactly as the client sent it (not normalized). @phases request phases */
  getRawPath(): string { checkPhase(this.ctx, PHASES.request); return this.ctx.path }

  /** Raw path plus `?query` when there is one, as received. @phases request phases */
  getPathWithQuery(): string {
    checkPhase(this.ctx, PHASES.request)
    return this.ctx.rawQuery ? `${this.ctx.path}?${this.ctx.rawQuery}` : this.ctx.path
  }

  /** Query string without the leading `?`. @phases request phases */
  getRawQuery(): string { checkPhase(this.ctx, PHASES.request); return this.ctx.rawQuery }

  /** First value of a query argument; `true` for a flag without `=`; undefined when absent. @phases request phases */
  getQueryArg(name: string): string | boolean | undefined {
    checkPhase(this.ctx, PHASES.request)
    const v = parseQuery(this.ctx.rawQuery, 100)[name]
    return Array.isArray(v) ? v[0] : v
  }

  /** All query arguments; repeated keys become arrays. @phases request phases */
  getQuery(maxArgs = 100): QueryArgs { checkPhase(this.ctx, PHASES.request); return parseQuery(this.ctx.rawQuery, Math.min(maxArgs, 1000)) }

  /** First value of a header, case-insensitive, `_` matches `-`. @phases request phases */
  getHeader(name: string): string | undefined {
    checkPhase(this.ctx, PHASES.request)
    return this.ctx.headers[headerKey(name)]
  }

  /** All headers, lowercase names. @phases request phases */
  getHeaders(maxHeaders = 100): Record<string, string> {
    checkPhase(this.ctx, PHASES.request)
    const out: Record<string, string> = {}
    let n = 0
    for (const k in this.ctx.headers) { if (n++ >= maxHeaders) break; out[k] = this.ctx.headers[k]! }
    return out
  }

  /** Raw body as a Buffer; undefined when the body was streamed upstream (too large to buffer). @phases rewrite, access, response */
  getRawBody(): Buffer | undefined {
    checkPhase(this.ctx, PHASES.rewriteAccessResponse)
    if (this.ctx.bodyStreamed) return undefined
    return this.ctx.body ?? Buffer.alloc(0)
  }

  /** Body decoded by content type (json, urlencoded). Returns `[value, error, mimetype]` like Kong's three returns. @phases rewrite, access, response */
  getBody(mimetype?: string): DecodedBody {
    const raw = this.getRawBody()
    return decodeBody(raw, mimetype ?? this.ctx.headers['content-type'])
  }

  /** Request start time, ms since epoch. @phases request phases */
  getStartTime(): number { checkPhase(this.ctx, PHASES.request); return this.ctx.startedAt }

  /** Captures of the matched regex route path: `{ unnamed, named }`. @phases request phases */
  getUriCaptures(): { unnamed: string[]; named: Record<string, string> } {
    checkPhase(this.ctx, PHASES.request)
    return this.ctx.match?.uriCaptures ?? { unnamed: [], named: {} }
  }
}
