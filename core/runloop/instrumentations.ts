// Kong's node-wide tracing settings (kong.conf `tracing_instrumentations`, `tracing_sampling_rate`;
// env KONG_TRACING_INSTRUMENTATIONS, KONG_TRACING_SAMPLING_RATE), read once at start. As in Kong,
// instrumentations are `off` by default: a tracing plugin then only propagates the trace context
// (the upstream is told "not sampled") and exports nothing. `request` records the request (the
// server span, and an LLM request's GenAI span); `router`, `plugin_access` and `balancer` add their
// child spans; `all` is all of them (when first in the list, as Kong reads it). Kong's other types
// are accepted and record nothing here: this runtime has no database queries, DNS queries or
// internal HTTP client calls to trace, and its rewrite and header_filter handlers are not timed.

/** Kong's valid values (kong/conf_loader/parse.lua: the instrumentation module's types, `all`, `off`, `request`) */
export const INSTRUMENTATION_TYPES = [
  'off', 'all', 'request', 'db_query', 'dns_query', 'router', 'http_client', 'balancer',
  'plugin_rewrite', 'plugin_access', 'plugin_header_filter',
] as const
export type InstrumentationType = (typeof INSTRUMENTATION_TYPES)[number]

/** What the runloop records, one bit per kind: a request's record carries them as one number. */
export const INSTRUMENT = {
  /** any value but `off`: the request itself (the server span) */
  request: 1,
  router: 2,
  plugin_access: 4,
  balancer: 8,
} as const
export type InstrumentedKind = keyof typeof INSTRUMENT

const ALL_BITS = INSTRUMENT.request | INSTRUMENT.router | INSTRUMENT.plugin_access | INSTRUMENT.balancer

export interface NodeTracing {
  /** tracing_instrumentations as configured (Kong's list) */
  readonly instrumentations: readonly InstrumentationType[]
  /** the INSTRUMENT bits it turns on; 0 = off */
  readonly mask: number
  /** tracing_sampling_rate: a tracing plugin's sampling rate when its config sets none */
  readonly samplingRate: number
}

/** Kong's defaults: instrumentations off, 1 % sampled. */
export const DEFAULT_TRACING: NodeTracing = Object.freeze({ instrumentations: Object.freeze(['off'] as InstrumentationType[]), mask: 0, samplingRate: 0.01 })

/** Every instrumentation on (a record made outside a gateway: the core's own tests and benches). */
export const ALL_TRACING: NodeTracing = Object.freeze({ instrumentations: Object.freeze(['all'] as InstrumentationType[]), mask: ALL_BITS, samplingRate: 1 })

function isType(v: string): v is InstrumentationType {
  return (INSTRUMENTATION_TYPES as readonly string[]).includes(v)
}

/**
 * The two settings parsed and checked with Kong's messages (thrown, naming every bad value):
 * `instrumentations` a comma-separated list, `samplingRate` a number in [0, 1].
 */
export function parseNodeTracing(instrumentations: string, samplingRate: string): NodeTracing {
  const errors: string[] = []
  const list = instrumentations.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const types: InstrumentationType[] = []
  for (const t of list) {
    if (isType(t)) types.push(t)
    else errors.push(`invalid tracing type: ${t}`)
  }
  if (list.length > 1 && list.includes('off')) errors.push('invalid tracing types: off, other types are mutually exclusive')
  const rate = samplingRate.trim() === '' ? NaN : Number(samplingRate)
  if (!(rate >= 0 && rate <= 1)) errors.push('tracing_sampling_rate must be between 0 and 1')
  if (errors.length > 0) throw new Error(errors.join(', '))
  if (types.length === 0) types.push('off')
  let mask = 0
  if (!types.includes('off')) {
    // as Kong's instrumentation.init: `all` turns every type on only as the first value (`router,all`
    // is router alone: Kong tests trace_types[1] ~= "all", then keeps the listed types)
    mask = types[0] === 'all' ? ALL_BITS : INSTRUMENT.request
    for (const t of types) {
      if (t === 'router' || t === 'plugin_access' || t === 'balancer') mask |= INSTRUMENT[t]
    }
  }
  return Object.freeze({ instrumentations: Object.freeze(types), mask, samplingRate: rate })
}
