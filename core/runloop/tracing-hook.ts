// The runloop's timings for a tracing plugin (kong.tracing, pdk/tracing.ts). Off unless a plugin
// asked for them at config load (`requestTiming(owner, true)` from its `configure`): then each
// request gets one RequestTrace, and the runloop writes a few performance.now() readings into it
// (router, each access handler, each upstream attempt). With no tracing plugin configured the cost
// is one boolean test per request; once a tracing plugin samples a request out, recording stops.
// The record also carries the trace headers for the upstream, applied at every attempt: a retry
// or an AI failover rebuilds the upstream request from a copy taken before the tracing plugin ran,
// and each try must still carry the trace.
import type { UpstreamRequest } from './context.ts'

/** One request's timings, performance.now() clock (ms). */
export class RequestTrace {
  /** false once the tracing plugin sampled the request out */
  recording = true
  routerStart = 0
  routerEnd = 0
  /** access handlers in the order they ran: name, start, end (end 0 while running), flat */
  readonly access: (string | number)[] = []
  /** upstream attempts in order: start, host, port, flat */
  readonly tries: (string | number)[] = []
  /** trace headers for every upstream attempt: lowercase name, value (null = removed), flat; null = none */
  upstreamHeaders: (string | null)[] | null = null

  enter(plugin: string): void {
    if (this.recording) this.access.push(plugin, performance.now(), 0)
  }

  leave(): void {
    const a = this.access
    if (a.length > 0 && a[a.length - 1] === 0) a[a.length - 1] = performance.now()
  }

  /** An upstream attempt is about to be sent: its trace headers, and its start. */
  attempt(u: UpstreamRequest): void {
    const h = this.upstreamHeaders
    if (h !== null) applyTraceHeaders(u, h)
    if (this.recording) this.tries.push(performance.now(), u.host, u.port)
  }
}

export function applyTraceHeaders(u: UpstreamRequest, h: readonly (string | null)[]): void {
  const m = (u.headers ??= new Map())
  for (let i = 0; i < h.length; i += 2) m.set(h[i]!, h[i + 1]!)
}

const owners = new Set<string>()

/** true while some plugin wants request timings (read by the runloop once per request) */
export let tracingOn = false

/** A tracing plugin turns the timings on or off for this worker (called from its `configure`). */
export function requestTiming(owner: string, on: boolean): void {
  if (on) owners.add(owner)
  else owners.delete(owner)
  tracingOn = owners.size > 0
}
