// opentelemetry (Kong priority 14): the trace context taken from the client's headers and passed
// upstream (propagation.ts), and each sampled request's spans exported as OTLP/HTTP protobuf
// (request-spans.ts, genai-span.ts, span-exporter.ts). The runloop's timings come through
// kong.tracing, turned on for the configs this plugin is enabled in; which of them
// exist is the node's tracing_instrumentations (Kong's, default off: then, as in Kong, the plugin
// only propagates, tells the upstream "not sampled" and exports nothing). A sampled-out request
// costs the propagation headers and nothing more: no record, no spans.
import { definePlugin } from '../../core/plugins/contract.ts'
import type { Kong } from '../../pdk/index.ts'
import type { FieldErrors } from '../../core/config/types.ts'
import { requestTiming, timingsBuffer } from '../../pdk/tracing.ts'
import { sharedExchange } from '../llm/pipeline/shared-exchange.ts'
import { schema, type OtelConf } from './schema.ts'
import { extract, extractorHeaders, inject, resolvePropagation, type Outgoing, type Propagation } from './propagation.ts'
import { sampledByRateBytes } from './trace-ids.ts'
import { BALANCER_AT, RequestIds, ROOT_AT, TRACE_AT } from './request-ids.ts'
import { traceparentFromBytes } from './propagation.ts'
import { encodeRequestSpans, type RequestFacts, type TracedRequest } from './request-spans.ts'
import { encodeGenaiSpan } from './genai-span.ts'
import { exporterLoadError, exporterOptions, SpanExporter } from './span-exporter.ts'

interface Compiled {
  readonly propagation: Propagation
  /** the headers without which extraction finds nothing (most requests carry none of them) */
  readonly traceHeaders: readonly string[]
  /** the config's sampling_rate; null = the node's tracing_sampling_rate */
  readonly rate: number | null
  readonly exporter: SpanExporter | null
}

const compiled = new WeakMap<OtelConf, Compiled>()

function compile(conf: OtelConf, nodeId: string): Compiled {
  let c = compiled.get(conf)
  if (c === undefined) {
    const propagation = resolvePropagation(conf)
    c = {
      propagation,
      traceHeaders: extractorHeaders(propagation.extract),
      rate: conf.sampling_rate ?? null,
      exporter: conf.traces_endpoint ? new SpanExporter(exporterOptions(conf, nodeId)) : null,
    }
    compiled.set(conf, c)
  }
  return c
}

/** The exporter of a config (tests: flush, queue size). */
export function exporterOf(conf: OtelConf): SpanExporter | null {
  return compiled.get(conf)?.exporter ?? null
}

/** A sampled request from access to log: its ids (bytes), and where its spans go. Reused (see freeLive). */
class LiveRequest extends RequestIds implements TracedRequest {
  parentId: string | null = null
  genai: null = null
  constructor(public exporter: SpanExporter) { super() }
}

// A LiveRequest lives across the upstream call, long enough to be promoted out of the young
// generation: one per request was old-generation garbage per request. Finished ones are reused
// (its ids are bytes copied into the record's own buffer). The runloop's record of the request
// holds it from access to log (kong.tracing.keep): no map by request id, no per-request table.
const MAX_FREE = 1024
const freeLive: LiveRequest[] = []

function liveRequest(ids: RequestIds, parentId: string | null, exporter: SpanExporter): LiveRequest {
  const r = freeLive.pop() ?? new LiveRequest(exporter)
  r.copyFrom(ids)
  r.parentId = parentId
  r.exporter = exporter
  return r
}

/** The request's spans are written: its record can serve another request (the runloop drops it at the request's end). */
function releaseLive(r: LiveRequest): void {
  if (freeLive.length < MAX_FREE) freeLive.push(r)
}

const NAME = 'opentelemetry'

// Per-request scratch, reused (access and log run synchronously, one request at a time): no
// closure, headers object or facts object per request.
let reading: Kong | null = null
const readHeader = (name: string): string | undefined => reading!.request.getHeader(name)
/**
 * the outgoing trace headers, name then value, copied by kong.tracing.propagate: overwritten in
 * place, its length set to what this request wrote (a length of 0 would drop V8's backing store,
 * and the next push allocate another: ~170 B per request)
 */
const pairs: string[] = []
let paired = 0
const collect = (name: string, value: string): void => { pairs[paired++] = name; pairs[paired++] = value }
/** this request's ids, drawn into a buffer reused request after request (copied into its LiveRequest when sampled) */
const drawn = new RequestIds()
/** the context injected upstream: the drawn ids, hex made only for a format other than w3c */
const outgoing: Outgoing & { sampled: boolean; fromRoot: boolean; clientSpan: string | null } = {
  get traceId() { return drawn.traceId },
  // the balancer try's span is the upstream's parent; without balancer spans, the request's own
  // (as Kong injects the root span then), whose parent is the client's span
  get spanId() { return outgoing.fromRoot ? drawn.rootId : drawn.balancerId },
  get parentId() { return outgoing.fromRoot ? outgoing.clientSpan : drawn.rootId },
  sampled: false,
  fromRoot: false,
  clientSpan: null,
  // from the bytes, as with a balancer span: no hex of the trace and root ids on the default (off) path
  traceparent: () => outgoing.fromRoot
    ? (drawn.drawRoot(), traceparentFromBytes(drawn.ids.buf, TRACE_AT, drawn.ids.buf, ROOT_AT, outgoing.sampled))
    : traceparentFromBytes(drawn.ids.buf, TRACE_AT, drawn.ids.buf, BALANCER_AT, outgoing.sampled),
}
const facts: RequestFacts = { method: '', scheme: '', host: '', path: '', query: '', clientIp: '', forwardedIp: '', requestId: '', status: 0, route: '' }
const HEADER_NAME = /^[A-Za-z0-9_-]+$/
/** the log phase's timings, refilled per request (kong.tracing.readTimings) */
const timings = timingsBuffer()

export default definePlugin({
  name: 'opentelemetry',
  version: '1.0.0',
  priority: 14,
  schema,
  check(conf): FieldErrors | null {
    if (!conf.traces_endpoint) return "at least one of these fields must be non-empty: 'config.traces_endpoint', 'config.logs_endpoint'"
    // the map's keys are header names (Kong's typedefs.header_name)
    for (const k of Object.keys(conf.headers ?? {})) {
      if (!HEADER_NAME.test(k)) return { headers: `bad header name '${k}', allowed characters are A-Z, a-z, 0-9, '_', and '-'` }
    }
    const loadError = exporterLoadError(conf.traces_endpoint, conf.headers)
    return loadError === null ? null : { traces_endpoint: loadError }
  },
  configure(kong, configs) {
    // only on: a config without this plugin needs no timings (timingWanted), and turning them off
    // here would turn them off for another gateway of this process whose config has it (tests)
    if (configs !== null) requestTiming(NAME, true)
    for (const conf of configs ?? []) compile(conf, kong.node.getId())
  },
  access(kong, conf) {
    // compiled at configure: the node id is read only for a config seen first here
    const c = compiled.get(conf) ?? compile(conf, kong.node.getId())
    const p = c.propagation
    let found: ReturnType<typeof extract> = null
    // one test for the common request with no trace headers, rather than each extractor's lookups
    if (p.extract.length > 0 && kong.tracing.carriesAny(c.traceHeaders)) {
      reading = kong
      try { found = extract(p.extract, readHeader) } finally { reading = null }
    }
    drawn.draw(found?.ctx.traceId ?? null)
    // tracing_instrumentations off: propagation only, the trace not sampled (Kong's should_sample = false).
    // Kong's get_sampling_decision: a client's "not sampled" is kept, but its "sampled" still goes
    // through the rate (a rate of 0 samples nothing, whatever the client asked)
    const on = kong.tracing.instrumented('request')
    const sampled = on && found?.ctx.sampled !== false && sampledByRateBytes(drawn.ids.buf, TRACE_AT, c.rate ?? kong.tracing.nodeSamplingRate())
    if (p.inject.length > 0 || p.clear.length > 0) {
      paired = 0
      outgoing.sampled = sampled
      outgoing.fromRoot = !kong.tracing.instrumented('balancer')
      outgoing.clientSpan = found?.ctx.spanId ?? null
      inject(p, found, outgoing, collect)
      // (setting an array's length is a runtime call: only when this request wrote fewer or more)
      if (pairs.length !== paired) pairs.length = paired
      kong.tracing.propagate(pairs, p.clear)
    }
    if (conf.http_response_header_for_traceid) kong.ctx.plugin.traceId = drawn.traceId
    if (!sampled || c.exporter === null) return kong.tracing.stop()
    kong.tracing.keep(NAME, liveRequest(drawn, found?.ctx.spanId ?? null, c.exporter))
  },
  header_filter(kong, conf) {
    if (!conf.http_response_header_for_traceid) return
    const id = kong.ctx.plugin.traceId
    if (typeof id === 'string') kong.response.addHeader(conf.http_response_header_for_traceid, id)
  },
  log(kong) {
    // false: sampled out (or no timings at all)
    if (!kong.tracing.readTimings(timings)) return
    const r = kong.tracing.kept(NAME) as LiveRequest | null
    if (r === null) return
    // the exporter access found for this config (kept with the request: no lookup by config here)
    const exporter = r.exporter
    const route = kong.router.getRoute()
    const f = facts
    f.method = kong.request.getMethod()
    f.scheme = kong.request.getScheme()
    f.host = kong.request.getHost()
    f.path = kong.request.getRawPath()
    // as the log record has it: a query-parameter credential is not sent to the collector
    f.query = kong.tracing.redactedQuery()
    f.clientIp = kong.client.getIp()
    f.forwardedIp = kong.client.getForwardedIp()
    f.requestId = kong.request.getId()
    f.status = kong.response.getStatus()
    f.route = route?.paths?.[0] ?? ''
    encodeRequestSpans(exporter, r, timings, f)
    // the GenAI span of an LLM request: its outcome, built in ai-proxy's body_filter or log (which
    // run before this log phase), is on the exchange the AI plugin shares
    const x = sharedExchange(kong)
    const o = x?.outcome
    if (o != null) {
      const w = exporter.spanWriter()
      if (w !== null) {
        try {
          // it ended when its outcome was built
          encodeGenaiSpan(w, r, o, x!.parsed.start + o.latencyMs)
          exporter.spanDone()
        } catch (err) {
          exporter.spanFailed(err)
        }
      }
    }
    exporter.schedule()
    releaseLive(r)
  },
})
