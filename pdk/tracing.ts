// kong.tracing: the runloop's timings of this request, read-only, for a tracing plugin (Kong's
// kong.tracing instrumentations). Narrower than Kong's start_span/active_span API on purpose: the
// core records a few numbers (core/runloop/tracing-hook.ts) and the plugin owns ids, spans and
// export, so the core carries no span model and a request with tracing off carries nothing.
// A plugin turns the recording on for its worker with `requestTiming(name, true)` from `configure`.
import type { RequestContext } from '../core/runloop/context.ts'
import { checkPhase, PHASES } from './private/check-phase.ts'
import { Phase } from '../core/runloop/phases.ts'

import { applyTraceHeaders } from '../core/runloop/tracing-hook.ts'
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

/** RequestTimings a plugin owns and refills (readTimings): made once, reused request after request. */
export interface TimingsBuffer extends RequestTimings {
  start: number
  routerStart: number
  routerEnd: number
  readonly access: (string | number)[]
  readonly tries: (string | number)[]
  proxyStart: number
  upstreamHeadAt: number
  end: number
}

export function timingsBuffer(): TimingsBuffer {
  return { start: 0, routerStart: 0, routerEnd: 0, access: [], tries: [], proxyStart: 0, upstreamHeadAt: 0, end: 0 }
}

const READ = PHASES.afterAccess
const STOP = Phase.rewrite | Phase.access

export class PdkTracing {
  constructor(private readonly ctx: RequestContext) {}

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
    return out
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
    const access = out.access
    access.length = 3 * t.accessCount
    for (let i = 0, k = 0; i < t.accessCount; i++) {
      access[k++] = t.accessNames[i]!
      access[k++] = t.accessTimes[2 * i]!
      access[k++] = t.accessTimes[2 * i + 1]!
    }
    const tries = out.tries
    tries.length = 3 * t.tryCount
    for (let i = 0, k = 0; i < t.tryCount; i++) {
      tries[k++] = t.tryTimes[2 * i]!
      tries[k++] = t.tryHosts[i]!
      tries[k++] = t.tryTimes[2 * i + 1]!
    }
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
