// kong.tracing: the runloop's timings of this request, read-only, for a tracing plugin (Kong's
// kong.tracing instrumentations). Narrower than Kong's start_span/active_span API on purpose: the
// core records a few numbers (core/runloop/tracing-hook.ts) and the plugin owns ids, spans and
// export, so the core carries no span model and a request with tracing off carries nothing.
// A plugin turns the recording on with `requestTiming(name, true)` from `configure`, for the configs it
// is enabled in.
import type { RequestContext } from '../core/runloop/context.ts'
import { checkPhase, PHASES } from './private/check-phase.ts'
import { Phase } from '../core/runloop/phases.ts'

import { applyTraceHeaders } from '../core/runloop/tracing-hook.ts'
import { DEFAULT_TRACING, INSTRUMENT, type InstrumentedKind } from '../core/runloop/instrumentations.ts'
import { redactionOf, redactQuery } from '../core/runloop/redaction.ts'

export { requestTiming } from '../core/runloop/tracing-hook.ts'

/** performance.now() readings (ms); 0 = did not happen (yet). */
export interface RequestTimings {
  /** the request arrived */
  readonly start: number
  readonly routerStart: number
  readonly routerEnd: number
  /** access handlers in the order they ran: plugin name, start, end, flat (end 0 while running) */
  readonly access: readonly (string | number)[]
  /** upstream attempts (Kong's balancer tries): start, host, port, flat */
  readonly tries: readonly (string | number)[]
  /** the last attempt was dispatched */
  readonly proxyStart: number
  /** the upstream's response head arrived */
  readonly upstreamHeadAt: number
  /** the last byte went out (or the client left) */
  readonly end: number
}

/**
 * RequestTimings a plugin owns and refills (readTimings): made once, reused request after request.
 * Its readings are kept unboxed (a number in a list that also holds names is a heap object of its
 * own, ~80 B per request): a plugin reads them with accessCount/accessName/accessStart/accessEnd
 * and tryCount/tryStart/tryHost/tryPort. `access` and `tries`, RequestTimings' flat lists, are
 * made from them when read (into lists the buffer keeps).
 */
export class TimingsBuffer implements RequestTimings {
  start = 0
  routerStart = 0
  routerEnd = 0
  proxyStart = 0
  upstreamHeadAt = 0
  end = 0
  #accessCount = 0
  readonly #accessNames: string[] = []
  /** start, end per handler */
  #accessTimes = new Float64Array(16)
  #tryCount = 0
  readonly #tryHosts: string[] = []
  /** start, port per try */
  #tryTimes = new Float64Array(8)
  readonly #access: (string | number)[] = []
  readonly #tries: (string | number)[] = []

  get accessCount(): number { return this.#accessCount }
  accessName(i: number): string { return this.#accessNames[i]! }
  accessStart(i: number): number { return this.#accessTimes[2 * i]! }
  /** 0 while the handler runs */
  accessEnd(i: number): number { return this.#accessTimes[2 * i + 1]! }
  get tryCount(): number { return this.#tryCount }
  tryStart(i: number): number { return this.#tryTimes[2 * i]! }
  tryHost(i: number): string { return this.#tryHosts[i]! }
  tryPort(i: number): number { return this.#tryTimes[2 * i + 1]! }

  /** RequestTimings' lists, made when read (own enumerable properties: spread, toEqual and structuredClone see them) */
  declare readonly access: (string | number)[]
  declare readonly tries: (string | number)[]

  constructor() {
    Object.defineProperty(this, 'access', { enumerable: true, get: () => this.#flatAccess() })
    Object.defineProperty(this, 'tries', { enumerable: true, get: () => this.#flatTries() })
  }

  /** name, start, end per access handler, into a list the buffer reuses */
  #flatAccess(): (string | number)[] {
    const a = this.#access
    a.length = 3 * this.#accessCount
    for (let i = 0, k = 0; i < this.#accessCount; i++) {
      a[k++] = this.#accessNames[i]!
      a[k++] = this.#accessTimes[2 * i]!
      a[k++] = this.#accessTimes[2 * i + 1]!
    }
    return a
  }

  /** start, host, port per try, into a list the buffer reuses */
  #flatTries(): (string | number)[] {
    const a = this.#tries
    a.length = 3 * this.#tryCount
    for (let i = 0, k = 0; i < this.#tryCount; i++) {
      a[k++] = this.#tryTimes[2 * i]!
      a[k++] = this.#tryHosts[i]!
      a[k++] = this.#tryTimes[2 * i + 1]!
    }
    return a
  }

  /** `n` access handlers: names and their start/end pairs (end 0 = running) */
  setAccess(n: number, names: readonly string[], times: ArrayLike<number>): void {
    if (this.#accessTimes.length < 2 * n) this.#accessTimes = new Float64Array(4 * n)
    const to = this.#accessTimes
    const ns = this.#accessNames
    for (let i = 0; i < n; i++) {
      if (i < ns.length) ns[i] = names[i]!
      else ns.push(names[i]!)
      to[2 * i] = times[2 * i]!
      to[2 * i + 1] = times[2 * i + 1]!
    }
    this.#accessCount = n
  }

  /** `n` tries: hosts and their start/port pairs */
  setTries(n: number, hosts: readonly string[], times: ArrayLike<number>): void {
    if (this.#tryTimes.length < 2 * n) this.#tryTimes = new Float64Array(4 * n)
    const to = this.#tryTimes
    const hs = this.#tryHosts
    for (let i = 0; i < n; i++) {
      if (i < hs.length) hs[i] = hosts[i]!
      else hs.push(hosts[i]!)
      to[2 * i] = times[2 * i]!
      to[2 * i + 1] = times[2 * i + 1]!
    }
    this.#tryCount = n
  }

  /** This buffer as `t` (RequestTimings' flat lists read back into the unboxed fields); returns itself. */
  setFrom(t: RequestTimings): this {
    this.start = t.start
    this.routerStart = t.routerStart
    this.routerEnd = t.routerEnd
    this.proxyStart = t.proxyStart
    this.upstreamHeadAt = t.upstreamHeadAt
    this.end = t.end
    const a = t.access
    const n = Math.floor(a.length / 3)
    const names: string[] = []
    const times: number[] = []
    for (let i = 0; i < n; i++) names.push(a[3 * i] as string), times.push(a[3 * i + 1] as number, a[3 * i + 2] as number)
    this.setAccess(n, names, times)
    const r = t.tries
    const m = Math.floor(r.length / 3)
    const hosts: string[] = []
    const tt: number[] = []
    for (let i = 0; i < m; i++) hosts.push(r[3 * i + 1] as string), tt.push(r[3 * i] as number, r[3 * i + 2] as number)
    this.setTries(m, hosts, tt)
    return this
  }
}

export function timingsBuffer(): TimingsBuffer {
  return new TimingsBuffer()
}

const READ = PHASES.afterAccess
const STOP = Phase.rewrite | Phase.access

export class PdkTracing {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * Whether the node's tracing_instrumentations record `kind` for this request: `request` is true
   * for any value but `off` (the server span, an LLM request's GenAI span), `router`,
   * `plugin_access` and `balancer` for their readings. All false when no tracing plugin turned the
   * timings on. With `off` (Kong's default) a tracing plugin propagates the context, marked not
   * sampled, and records nothing. @phases request phases
   */
  instrumented(kind: InstrumentedKind): boolean {
    checkPhase(this.ctx, PHASES.request)
    const t = this.ctx.trace
    return t !== null && (t.node.mask & INSTRUMENT[kind]) !== 0
  }

  /**
   * The node's tracing_sampling_rate (KONG_TRACING_SAMPLING_RATE, default 0.01): a tracing plugin's
   * rate when its config sets none. @phases request phases
   */
  nodeSamplingRate(): number {
    checkPhase(this.ctx, PHASES.request)
    const t = this.ctx.trace
    return (t === null ? DEFAULT_TRACING : t.node).samplingRate
  }

  /**
   * This request's timings; null when no tracing plugin turned them on or the request was
   * sampled out (stop()). A snapshot: later readings are not in it. @phases access, header_filter, response, body_filter, log
   */
  timings(): RequestTimings | null {
    checkPhase(this.ctx, READ)
    const t = this.ctx.trace
    if (t === null || !t.recording) return null
    // the flat lists made now (short-lived: a plugin reads them in this call); the record keeps
    // its readings unboxed and is reused by another request after this one's log phase
    const out = timingsBuffer()
    this.fill(out)
    return { start: out.start, routerStart: out.routerStart, routerEnd: out.routerEnd, access: [...out.access], tries: [...out.tries], proxyStart: out.proxyStart, upstreamHeadAt: out.upstreamHeadAt, end: out.end }
  }

  /**
   * timings() into a buffer the plugin owns (timingsBuffer(), kept across requests): no object or
   * list per request, for a plugin that reads the timings of every sampled request. Read it before
   * the next readTimings() call fills it again (a synchronous handler: at once). false, `into`
   * untouched, where timings() gives null. @phases access, header_filter, response, body_filter, log
   */
  readTimings(into: TimingsBuffer): boolean {
    checkPhase(this.ctx, READ)
    const t = this.ctx.trace
    if (t === null || !t.recording) return false
    this.fill(into)
    return true
  }

  private fill(out: TimingsBuffer): void {
    const c = this.ctx
    const t = c.trace!
    out.setAccess(t.accessCount, t.accessNames, t.accessTimes)
    out.setTries(t.tryCount, t.tryHosts, t.tryTimes)
    out.start = c.start
    out.routerStart = t.routerStart
    out.routerEnd = t.routerEnd
    out.proxyStart = c.proxyStart
    out.upstreamHeadAt = c.upstreamHeadAt
    out.end = c.endAt
  }

  /**
   * The request's raw query as kong.log.serialize() gives it: credential arguments (the names the
   * config's plugins declare as secrets) REDACTED, so a span's URL carries no key.
   * @phases access, header_filter, response, body_filter, log
   */
  redactedQuery(): string {
    checkPhase(this.ctx, READ)
    return redactQuery(this.ctx.rawQuery, redactionOf(this.ctx.config).query)
  }

  /**
   * Whether the request carries any of these headers: `names` lowercase, with `-` not `_` (as
   * getHeader finds them; a tracing plugin's constants). One test, no value read: a tracing
   * plugin's extractors need not each look up their headers on the many requests carrying none.
   * @phases request phases
   */
  carriesAny(names: readonly string[]): boolean {
    checkPhase(this.ctx, PHASES.request)
    const h = this.ctx.headers
    for (let i = 0; i < names.length; i++) if (h[names[i]!] !== undefined) return true
    return false
  }

  /**
   * Keeps the plugin's own record of this request (its ids, where its spans go) until the request's
   * log phase is over, for `kept()` in a later phase: no per-request table or map. One record per
   * plugin name (a second keep() replaces it); dropped when the request ends, so a plugin may reuse
   * the record after its log phase. Ignored when nothing is recorded (no tracing, sampled out).
   * @phases rewrite, access
   */
  keep(plugin: string, record: object): void {
    checkPhase(this.ctx, STOP)
    const t = this.ctx.trace
    if (t !== null && t.recording) t.keep(plugin, record)
  }

  /** What `keep(plugin, …)` kept for this request, or null. @phases access, header_filter, response, body_filter, log */
  kept(plugin: string): object | null {
    checkPhase(this.ctx, READ)
    const t = this.ctx.trace
    return t === null ? null : t.keptBy(plugin)
  }

  /** Stops recording for this request (it was sampled out). @phases rewrite, access */
  stop(): void {
    checkPhase(this.ctx, STOP)
    const t = this.ctx.trace
    if (t !== null) t.recording = false
  }

  /**
   * Trace headers for the upstream: `set` (a record, or flat name/value pairs, read now) on every
   * try, `clear` removed, also when a retry or an AI failover rebuilds the request from an earlier
   * copy. Values must be header-safe (the caller makes them). @phases rewrite, access
   */
  propagate(set: Readonly<Record<string, string>> | readonly string[], clear: readonly string[] = []): void {
    checkPhase(this.ctx, STOP)
    let flat: readonly string[]
    if (Array.isArray(set)) {
      // name, value, name, value… (a tracing plugin's hot path: copied into the request's record,
      // which is reused, so no array per request)
      flat = set as readonly string[]
    } else {
      const rec = set as Readonly<Record<string, string>>
      const pairs: string[] = []
      for (const name of Object.keys(rec)) pairs.push(name, rec[name]!)
      flat = pairs
    }
    const c = this.ctx
    if (c.trace !== null) { c.trace.setTraceHeaders(flat, clear); return }
    if (c.upstream === null) return
    // no runloop record (a test harness): once, now
    const h: (string | null)[] = []
    for (let i = 0; i < clear.length; i++) h.push(clear[i]!.toLowerCase(), null)
    for (let i = 0; i + 1 < flat.length; i += 2) h.push(flat[i]!.toLowerCase(), flat[i + 1]!)
    applyTraceHeaders(c.upstream, h)
  }
}
