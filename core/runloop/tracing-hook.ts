// The runloop's timings for a tracing plugin (kong.tracing, pdk/tracing.ts). Off unless a plugin
// asked for them at config load (`requestTiming(owner, true)` from its `configure`): then each
// request gets one RequestTrace, and the runloop writes a few performance.now() readings into it
// (router, each access handler, each upstream attempt). With no tracing plugin configured the cost
// is one boolean test per request; once a tracing plugin samples a request out it drops the
// record (kong.tracing.stop()) and the later hooks cost a null test.

/** One request's timings, performance.now() clock (ms). */
export class RequestTrace {
  routerStart = 0
  routerEnd = 0
  /** access handlers in the order they ran: name, start, end (end 0 while running), flat */
  readonly access: (string | number)[] = []
  /** upstream attempts in order: start, host, port, flat */
  readonly tries: (string | number)[] = []

  enter(plugin: string): void {
    this.access.push(plugin, performance.now(), 0)
  }

  leave(): void {
    const a = this.access
    if (a.length > 0 && a[a.length - 1] === 0) a[a.length - 1] = performance.now()
  }

  attempt(host: string, port: number): void {
    this.tries.push(performance.now(), host, port)
  }
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
