// opentelemetry (Kong priority 14): the trace context taken from the client's headers and passed
// upstream (propagation.ts), and each sampled request's spans exported as OTLP/HTTP protobuf
// (request-spans.ts, genai-span.ts, span-exporter.ts). The runloop's timings come through
// kong.tracing, turned on for the worker while a config has this plugin enabled. A sampled-out
// request costs the propagation headers and nothing more: no record, no spans.
import { definePlugin } from '../../core/plugins/contract.ts'
import { requestTiming } from '../../pdk/tracing.ts'
import { onLlmOutcome } from '../llm/outcome/outcome-bus.ts'
import { schema, type OtelConf } from './schema.ts'
import { extract, inject, resolvePropagation, type Propagation } from './propagation.ts'
import { newSpanId, newTraceId, sampledByRate } from './trace-ids.ts'
import { requestSpans, type TracedRequest } from './request-spans.ts'
import { genaiSpan } from './genai-span.ts'
import { exporterOptions, SpanExporter } from './span-exporter.ts'

/** Kong's default tracing_sampling_rate */
const DEFAULT_SAMPLING_RATE = 0.01
/** sampled requests in flight per worker whose LLM outcome may still come; past this, no GenAI span */
const MAX_LIVE = 10000

interface Compiled {
  readonly propagation: Propagation
  readonly rate: number
  readonly exporter: SpanExporter | null
}

const compiled = new WeakMap<OtelConf, Compiled>()
let nodeRate = DEFAULT_SAMPLING_RATE

function compile(conf: OtelConf, nodeId: string): Compiled {
  let c = compiled.get(conf)
  if (c === undefined) {
    c = {
      propagation: resolvePropagation(conf),
      rate: conf.sampling_rate ?? nodeRate,
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

/** sampled requests waiting for their LLM outcome, by request id */
const live = new Map<string, TracedRequest>()

onLlmOutcome((o) => {
  if (live.size === 0) return
  const r = live.get(o.requestId)
  if (r !== undefined && r.genai === null) r.genai = genaiSpan(r, o, performance.now())
})

const STATE = 'otel'
const HEADER_NAME = /^[A-Za-z0-9_-]+$/

export default definePlugin({
  name: 'opentelemetry',
  version: '1.0.0',
  priority: 14,
  schema,
  check(conf) {
    if (!conf.traces_endpoint) return "at least one of these fields must be non-empty: 'config.traces_endpoint', 'config.logs_endpoint'"
    // the map's keys are header names (Kong's typedefs.header_name)
    for (const k of Object.keys(conf.headers ?? {})) {
      if (!HEADER_NAME.test(k)) return { headers: `bad header name '${k}', allowed characters are A-Z, a-z, 0-9, '_', and '-'` }
    }
    return null
  },
  configure(kong, configs) {
    const env = Number(process.env.KONG_TRACING_SAMPLING_RATE)
    nodeRate = process.env.KONG_TRACING_SAMPLING_RATE !== undefined && env >= 0 && env <= 1 ? env : DEFAULT_SAMPLING_RATE
    requestTiming('opentelemetry', configs !== null)
    for (const conf of configs ?? []) compile(conf, kong.node.getId())
  },
  access(kong, conf) {
    const c = compile(conf, kong.node.getId())
    const p = c.propagation
    const found = p.extract.length > 0 ? extract(p.extract, (n) => kong.request.getHeader(n)) : null
    const traceId = found?.ctx.traceId ?? newTraceId()
    const sampled = found?.ctx.sampled ?? sampledByRate(traceId, c.rate)
    const rootId = newSpanId()
    const balancerId = newSpanId()
    if (p.inject.length > 0 || p.clear.length > 0) {
      const out: Record<string, string> = Object.create(null) as Record<string, string>
      inject(p, found, { traceId, spanId: balancerId, parentId: rootId, sampled }, (n, v) => { out[n] = v })
      kong.tracing.propagate(out, p.clear)
    }
    const store = kong.ctx.plugin
    if (conf.http_response_header_for_traceid) store.traceId = traceId
    if (!sampled || c.exporter === null) return kong.tracing.stop()
    const r: TracedRequest = { traceId, rootId, balancerId, parentId: found?.ctx.spanId ?? null, genai: null }
    store[STATE] = r
    if (live.size < MAX_LIVE) live.set(kong.request.getId(), r)
  },
  header_filter(kong, conf) {
    if (!conf.http_response_header_for_traceid) return
    const id = kong.ctx.plugin.traceId
    if (typeof id === 'string') kong.response.addHeader(conf.http_response_header_for_traceid, id)
  },
  log(kong, conf) {
    const store = kong.ctx.plugin
    const r = store[STATE] as TracedRequest | undefined
    if (r === undefined) return
    const requestId = kong.request.getId()
    live.delete(requestId)
    const t = kong.tracing.timings()
    const exporter = compiled.get(conf)?.exporter
    if (t === null || !exporter) return
    const route = kong.router.getRoute()
    // as the log record has it: a query-parameter credential is not sent to the collector
    const query = kong.tracing.redactedQuery()
    exporter.add(requestSpans(r, t, {
      method: kong.request.getMethod(),
      url: `${kong.request.getScheme()}://${kong.request.getHost()}${kong.request.getRawPath()}${query ? `?${query}` : ''}`,
      host: kong.request.getHost(),
      scheme: kong.request.getScheme(),
      clientIp: kong.client.getIp(),
      forwardedIp: kong.client.getForwardedIp(),
      requestId,
      status: kong.response.getStatus(),
      route: route?.paths?.[0] ?? '',
    }))
  },
})
