// The runloop's timings for a tracing plugin (kong.tracing, pdk/tracing.ts). Off unless a plugin
// of the config asked for them at config load (`requestTiming(owner, true)` from its `configure`,
// timingWanted): then each request gets one RequestTrace, and the runloop writes into it the few
// performance.now() readings the node's tracing_instrumentations ask for (router, each access
// handler, each upstream attempt). With no tracing plugin configured the cost
// is one boolean test per request; once a tracing plugin samples a request out, recording stops.
// The record also carries the trace headers for the upstream, read by every attempt's head
// (core/proxy/upstream-request.ts): a retry or an AI failover rebuilds the upstream request from a
// copy taken before the tracing plugin ran, and each try must still carry the trace. They are not
// written into the upstream request's header changes (a Map made per request that had none).
// A record lives from the request's start to its log phase, across the upstream call: anything it
// allocates per request survives young-generation GCs and gets promoted (at sampling 1.0 that was
// most of the tracing plugin's GC cost). So records are reused (startTrace / endTrace), and the
// readings are kept in arrays of unboxed doubles, not boxed numbers in a mixed array.
import type { RequestContext, UpstreamRequest } from './context.ts'
import { ALL_TRACING, INSTRUMENT, type NodeTracing } from './instrumentations.ts'

/** One request's timings, performance.now() clock (ms). Reused: see startTrace. */
export class RequestTrace {
  /** false once the tracing plugin sampled the request out, or from the start when tracing_instrumentations is off */
  recording = true
  /** the node's tracing settings (startTrace): which of the readings below are taken */
  node: NodeTracing = ALL_TRACING
  routerStart = 0
  routerEnd = 0
  /** access handlers that ran (entries past this in the arrays are a previous request's) */
  accessCount = 0
  /** their names, in the order they ran */
  readonly accessNames: string[] = []
  /** their start and end, two per handler (end 0 while running) */
  readonly accessTimes: number[] = doubles()
  /** upstream attempts (entries past this are a previous request's) */
  tryCount = 0
  /** their hosts, in order */
  readonly tryHosts: string[] = []
  /** their start and port, two per attempt */
  readonly tryTimes: number[] = doubles()
  /** trace headers for every upstream attempt: lowercase name, value (null = removed), flat (setTraceHeaders) */
  readonly upstreamHeaders: (string | null)[] = []
  /** entries of upstreamHeaders that are this request's (2 per header) */
  upstreamHeaderCount = 0
  /** tracing plugins' own records of this request (kong.tracing.keep): owner, record, flat */
  readonly kept: (string | object)[] = []
  /** entries of `kept` that are this request's (2 per plugin) */
  keptCount = 0
  /**
   * the reading the last leave() took, 0 once an enter() used it: the runloop calls the next
   * handler's enter() right after a leave() (only its loop in between), so that handler starts
   * then, one clock reading fewer per handler (a failed handler's error log is the one thing that
   * may run in between: the next span then starts that much early)
   */
  lastLeave = 0

  enter(plugin: string): void {
    if (!this.recording || (this.node.mask & INSTRUMENT.plugin_access) === 0) return
    const i = this.accessCount++
    putName(this.accessNames, i, plugin)
    const at = this.lastLeave
    this.lastLeave = 0
    putTime(this.accessTimes, 2 * i, at > 0 ? at : performance.now())
    putTime(this.accessTimes, 2 * i + 1, 0)
  }

  leave(): void {
    const n = this.accessCount
    // sampled out by the handler that ran: its end is read by no one (one clock reading fewer)
    if (n === 0 || !this.recording) return
    const a = this.accessTimes
    if (a[2 * n - 1] === 0) a[2 * n - 1] = this.lastLeave = performance.now()
  }

  /**
   * The router matched: its end is read once and is also the first access handler's start (the
   * runloop goes from one to the other with only the plan's lookup in between), one clock reading
   * fewer per request, as leave() does between handlers.
   */
  routed(): void {
    if (this.routerStart > 0) this.routerEnd = this.lastLeave = performance.now()
  }

  /** The router starts matching (read only when `router` is instrumented: routed() reads the end only then). */
  routing(): void {
    if (this.recording && (this.node.mask & INSTRUMENT.router) !== 0) this.routerStart = performance.now()
  }

  /**
   * An upstream attempt is about to be sent: its start, `at` when the caller has just read the clock
   * (the proxy's start, for the first attempt), else a reading of its own. (Its trace headers are
   * read from this record by core/proxy/upstream-request.ts when the attempt's head is built.)
   */
  attempt(u: UpstreamRequest, at = 0): void {
    if (!this.recording || (this.node.mask & INSTRUMENT.balancer) === 0) return
    const i = this.tryCount++
    putName(this.tryHosts, i, u.host)
    putTime(this.tryTimes, 2 * i, at > 0 ? at : performance.now())
    putTime(this.tryTimes, 2 * i + 1, u.port)
  }

  /** As new, for reuse: the arrays keep their length and room (no allocation next time). */
  reset(): void {
    this.recording = true
    this.routerStart = 0
    this.routerEnd = 0
    this.accessCount = 0
    this.lastLeave = 0
    this.tryCount = 0
    this.upstreamHeaderCount = 0
    // the plugins' records are theirs to reuse: not held past the request
    for (let i = 0; i < this.keptCount; i++) this.kept[i] = ''
    this.keptCount = 0
  }

  /** `owner`'s record of this request (replacing one it kept before). */
  keep(owner: string, record: object): void {
    const k = this.kept
    for (let i = 0; i < this.keptCount; i += 2) if (k[i] === owner) { k[i + 1] = record; return }
    putKept(k, this.keptCount++, owner)
    putKept(k, this.keptCount++, record)
  }

  /** What `owner` kept for this request, or null. */
  keptBy(owner: string): object | null {
    const k = this.kept
    for (let i = 0; i < this.keptCount; i += 2) if (k[i] === owner) return k[i + 1] as object
    return null
  }

  /** The trace headers for every attempt from now on (replacing any earlier ones): `clear` removed, then `set`'s pairs. */
  setTraceHeaders(set: readonly string[], clear: readonly string[]): void {
    const h = this.upstreamHeaders
    const n = set.length & ~1
    let k = 0
    // each name once, the last value given (as Map.set did, and Kong's set_header): a config may
    // write one twice (header_type 'w3c' is inject ['preserve', 'w3c']) and the attempt's head
    // sends every entry, so a repeated name would reach the upstream twice
    for (let i = 0; i < clear.length; i++) {
      const name = lower(clear[i]!)
      if (entryOf(h, k, name) < 0) { putHeader(h, k++, name); putHeader(h, k++, null) }
    }
    for (let i = 0; i < n; i += 2) {
      // the name the previous request set here (already lowercase): a tracing plugin's constants, not lowered again
      const given = set[i]!
      const name = k < h.length && h[k] === given ? given : lower(given)
      const at = entryOf(h, k, name)
      if (at >= 0) { h[at + 1] = set[i + 1]!; continue }
      putHeader(h, k++, name)
      putHeader(h, k++, set[i + 1]!)
    }
    this.upstreamHeaderCount = k
  }
}

/** The index of `name` among the first `n` entries of `h` (name, value pairs), or -1. */
export function entryOf(h: readonly (string | null)[], n: number, name: string): number {
  for (let i = 0; i < n; i += 2) if (h[i] === name) return i
  return -1
}

/** `name` lowercased; itself when it has no capital (a tracing plugin's names are constants: no copy per request) */
function lower(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if ((c >= 65 && c <= 90) || c > 127) return name.toLowerCase()
  }
  return name
}

/** a[i] = v, where i <= a.length (grows by one at the end); one per element kind, each stays monomorphic */
function putName(a: string[], i: number, v: string): void {
  if (i < a.length) a[i] = v
  else a.push(v)
}
function putKept(a: (string | object)[], i: number, v: string | object): void {
  if (i < a.length) a[i] = v
  else a.push(v)
}
function putHeader(a: (string | null)[], i: number, v: string | null): void {
  if (i < a.length) a[i] = v
  else a.push(v)
}
function putTime(a: number[], i: number, v: number): void {
  if (i < a.length) a[i] = v
  else a.push(v)
}

/** An empty array whose elements are unboxed doubles from the start (no boxed number per push). */
function doubles(): number[] {
  const a = [0.5]
  a.length = 0
  return a
}

/** The first `n` entries of `h` (name, value or null = removed) into the upstream request's header changes (kong.tracing.propagate with no runloop record: a test harness). */
export function applyTraceHeaders(u: UpstreamRequest, h: readonly (string | null)[], n = h.length): void {
  const m = (u.headers ??= new Map())
  for (let i = 0; i < n; i += 2) m.set(h[i]!, h[i + 1]!)
}

/** records kept for reuse; past this many, a finished one is left to the GC */
const MAX_FREE = 1024
const free: RequestTrace[] = []

/**
 * A record for a request starting now (a reused one when there is one), taking the readings the
 * node's tracing_instrumentations ask for (every one by default: the core's own tests).
 */
export function startTrace(node: NodeTracing = ALL_TRACING): RequestTrace {
  const t = free.pop() ?? new RequestTrace()
  t.node = node
  if (node.mask === 0) t.recording = false
  return t
}

/**
 * The request is done with its record (after its log phase): `ctx.trace` becomes null, so a late
 * callback of this request (an async handler that settles after the client left) reads null and
 * never writes into the record once another request reuses it.
 */
export function endTrace(ctx: RequestContext): void {
  const t = ctx.trace
  if (t === null) return
  ctx.trace = null
  t.reset()
  if (free.length < MAX_FREE) free.push(t)
}

const owners = new Set<string>()

/** true while some plugin wants request timings (tests; the runloop reads its config's `timing`, timingWanted) */
export let tracingOn = false

/**
 * A tracing plugin turns the timings on or off for the configs it is enabled in (called from its
 * `configure`). Per config, not per worker: each gateway's config state records, once its plugins
 * are configured, whether one of its enabled plugins asked (timingWanted), so a second gateway in
 * the same process (tests) whose config has no tracing plugin does not turn the first's off.
 */
export function requestTiming(owner: string, on: boolean): void {
  if (on) owners.add(owner)
  else owners.delete(owner)
  tracingOn = owners.size > 0
  // no tracing plugin left: the kept records would only hold memory
  if (!tracingOn) free.length = 0
}

/** Whether an enabled plugin among `plugins` asked for timings (after the config's configure phase). */
export function timingWanted(plugins: readonly { name: string; enabled: boolean }[]): boolean {
  for (const p of plugins) if (p.enabled && owners.has(p.name)) return true
  return false
}
