// Everything one request carries through the phases. Created once per request by the server
// adapter from data copied out of uWS synchronously; plugins see it only through the PDK.
import type { Consumer, Route, Service, Snapshot } from '../config/types.ts'
import type { RouteMatch } from '../router/router.ts'
import type { AnyPlugin } from '../plugins/contract.ts'
import type { HeaderEdit } from './flat-headers.ts'
import type { RequestTrace } from './tracing-hook.ts'
import type { SerializeEdits } from './serialize-edits.ts'

export type HeaderValue = string | Buffer
/** Response headers as a flat [name, value, name, value, ...] list: upstream raw Buffers pass through untouched. */
export type FlatHeaders = HeaderValue[]

export interface ExitResponse {
  status: number
  body: string | Buffer | null
  headers: FlatHeaders
}

/** What is sent upstream; starts as the client's request and is edited by `kong.service.*`. */
export interface UpstreamRequest {
  scheme: 'http' | 'https'
  host: string
  port: number
  method: string
  path: string
  /** raw query without '?'; null = none */
  query: string | null
  /** header overrides set by plugins (lowercase name → value, null = cleared); applied over the client's */
  headers: Map<string, string | string[] | null> | null
  /** replaced body; null = the client's body unchanged */
  body: string | Buffer | null
  hostHeader: string | null
  connectTimeout: number
  readTimeout: number
  writeTimeout: number
  retries: number
  /**
   * Verify an https upstream's certificate: the service's tls_verify, or kong.service.setTlsVerify;
   * null = the node's default, which is to verify.
   */
  tlsVerify: boolean | null
}

/**
 * A WebSocket upgrade request (core/server/websocket-proxy.ts): after access, the pipeline hands
 * the request to it instead of proxying over HTTP. It answers (101 or a refusal) and ends the request.
 */
export interface WebSocketUpgrade {
  proxy(collected: import('./plan.ts').Collected | null): void
}

export type ResponseSource = 'service' | 'exit' | 'error'

/** What the upstream did with one attempt, as a retry hook sees it. */
export type UpstreamOutcome =
  | { readonly status: number; readonly error: null }
  | { readonly status: 0; readonly error: Error & { code?: string } }

/**
 * A plugin's chance to send the request again (kong.service.request.retryOn): after an answer
 * with one of `statuses` (held back, never sent to the client) or, with `errors`, a failure before
 * any answer. Hooks are asked in registration order; the first that takes the outcome decides.
 */
export interface UpstreamRetryHook {
  /** registering a hook with the id of an earlier one replaces it */
  readonly id: string
  readonly statuses: ReadonlySet<number>
  readonly errors: boolean
  /** dropped after its first use */
  readonly once?: boolean
  /**
   * remember the upstream request as it is at registration, so that `retry` can put it back
   * (`rewind()`) and rebuild it from scratch (a failover to another target)
   */
  readonly rewind?: boolean
  /**
   * Runs in the balancer phase. true (or a promise of it): send the request again, as the hook
   * left it; false: the held answer (or the failure) goes on to the client.
   */
  retry(outcome: UpstreamOutcome, rewind: () => void): boolean | Promise<boolean>
}

/** The upstream request, buffering choice and retry hooks as they were when a rewinding hook was registered. */
export interface UpstreamSnapshot {
  readonly upstream: UpstreamRequest
  readonly bufferResponse: boolean
  /** hooks registered before it: later ones belong to the request being rewound */
  readonly hooks: readonly RegisteredRetry[]
}

export interface RegisteredRetry {
  readonly hook: UpstreamRetryHook
  readonly snapshot: UpstreamSnapshot | null
}

let requestCounter = 0
// 20 random hex digits per thread + a 12-digit counter: unique per node, no crypto call per request
const REQUEST_ID_PREFIX = Array.from({ length: 20 }, () => ((Math.random() * 16) | 0).toString(16)).join('')

export function nextRequestId(): string {
  requestCounter = (requestCounter + 1) % 0x1000000000000
  return REQUEST_ID_PREFIX + requestCounter.toString(16).padStart(12, '0')
}

// The host of the last Host header read and that header: the same header request after request
// gives the same string, not a slice and a lowercase copy per read (one entry per thread: a client
// that alternates hosts only misses, nothing grows)
let lastHostHeader = ''
let lastHost = ''

export class RequestContext {
  // ---- the client's request (immutable after construction) ----
  readonly method: string
  /** raw path as received, no query */
  readonly path: string
  /** raw query without '?', '' when none */
  readonly rawQuery: string
  /** lowercase names; repeated headers joined with ", " */
  readonly headers: Record<string, string>
  readonly clientIp: string
  readonly serverPort: number
  readonly scheme: 'http' | 'https' = 'http'
  readonly requestId: string = nextRequestId()
  /** performance.now() at arrival */
  readonly start: number
  /** ms since epoch at arrival */
  readonly startedAt: number
  body: Buffer | null = null
  /** true when the body is streamed upstream instead of buffered (too large, or unknown length) */
  bodyStreamed = false
  /** the body's length once releaseBody() let go of it (-1 before): the log record's request.size */
  releasedBodySize = -1

  // ---- routing ----
  /** the config snapshot this request runs on (kong.db reads it); set when the pipeline starts */
  config: Snapshot | null = null
  match: RouteMatch | null = null
  route: Route | null = null
  service: Service | null = null
  upstream: UpstreamRequest | null = null

  // ---- plugins ----
  /** the request's PDK object (typed loosely here: pdk/ depends on this module, not the reverse) */
  pdk: object | null = null
  phase = 0
  currentPlugin: AnyPlugin | null = null
  /** the config the running handler was given (kong.plugin.getId() finds its entity by it) */
  currentConf: unknown = null
  consumer: Consumer | null = null
  credential: unknown = null
  private sharedCtx: Record<string, unknown> | null = null
  /** the first plugin to ask for its kong.ctx.plugin table, and that table: most requests have one such plugin (no Map) */
  private firstPlugin: AnyPlugin | null = null
  private firstPluginCtx: Record<string, unknown> | null = null
  /** the other plugins' tables */
  private pluginCtx: Map<AnyPlugin, Record<string, unknown>> | null = null
  /** kong.log.setSerializeValue's edits, flat (./serialize-edits.ts) */
  serializeEdits: SerializeEdits | null = null

  // ---- response ----
  exit: ExitResponse | null = null
  source: ResponseSource = 'service'
  status = 0
  /** downstream headers; the upstream's raw list, edited in place from header_filter on */
  responseHeaders: FlatHeaders | null = null
  /** header changes asked for before the response exists (rewrite/access), applied to its head */
  headerEdits: HeaderEdit[] | null = null
  upstreamStatus = 0
  upstreamHeaders: FlatHeaders | null = null
  /** filled when buffered proxying is on */
  upstreamBody: Buffer | null = null
  bufferResponse = false
  responseSize = 0

  // ---- timings (ms) ----
  /** performance.now() when the upstream request was dispatched */
  proxyStart = 0
  /** performance.now() when the upstream response head arrived */
  upstreamHeadAt = 0
  endAt = 0
  tries: { ip: string; port: number; code?: number; state?: string }[] | null = null
  aborted = false
  /** the upstream failed after the response head was sent: the gateway closed the client's connection (aborted is set too) */
  upstreamBroke = false
  /** cancels the upstream request in flight (set while one is) */
  abortUpstream: (() => void) | null = null
  /** kong.service.request.retryOn / retryOnDenied: hooks that may send the request again */
  upstreamRetry: RegisteredRetry[] | null = null
  /** set when the client asked for a WebSocket upgrade */
  wsUpgrade: WebSocketUpgrade | null = null
  /** timings for a tracing plugin (tracing-hook.ts); null when none is configured or it sampled this request out */
  trace: RequestTrace | null = null

  constructor(
    method: string,
    path: string,
    rawQuery: string,
    headers: Record<string, string>,
    clientIp: string,
    serverPort: number,
    start: number,
  ) {
    this.method = method
    this.path = path
    this.rawQuery = rawQuery
    this.headers = headers
    this.clientIp = clientIp
    this.serverPort = serverPort
    this.start = start
    this.startedAt = Date.now()
  }

  /** `kong.ctx.shared`, allocated on first use */
  get shared(): Record<string, unknown> {
    return (this.sharedCtx ??= {})
  }

  /** `kong.ctx.plugin` for the plugin now running, allocated on first use */
  pluginStore(plugin: AnyPlugin): Record<string, unknown> {
    if (this.firstPlugin === plugin) return this.firstPluginCtx!
    if (this.firstPlugin === null) {
      this.firstPlugin = plugin
      return (this.firstPluginCtx = {})
    }
    this.pluginCtx ??= new Map()
    let s = this.pluginCtx.get(plugin)
    if (!s) this.pluginCtx.set(plugin, (s = {}))
    return s
  }

  /**
   * The answer streams to the client from here: no retry will send the body again and no phase left
   * may read it (kong.request.getRawBody is rewrite, access and response), so an answer that stays
   * open (a stream) does not keep the client's body, nor a plugin's replacement, alive. Retry hooks
   * are over too: a head that reached the exchange is the answer.
   */
  releaseBody(): void {
    if (this.body !== null) {
      this.releasedBodySize = this.body.length
      this.body = null
    }
    if (this.upstream !== null) this.upstream.body = null
    // the hooks' rewind snapshots hold a copy of the upstream request, body included
    this.upstreamRetry = null
  }

  get host(): string {
    const h = this.headers.host ?? ''
    if (h !== lastHostHeader) {
      const i = h.lastIndexOf(':')
      lastHost = (i > 0 && h.indexOf(']', i) === -1 ? h.slice(0, i) : h).toLowerCase()
      lastHostHeader = h
    }
    return lastHost
  }
}
