// Kong's per-request metrics (kong/plugins/prometheus/exporter.lua): requests by status, the three
// latency histograms and bandwidth, labelled by service, route, workspace (and consumer). The
// series of a route are found once per route object and kept in a WeakMap: a request adds to
// fields of cached series and builds no label string. A config reload brings new route objects,
// whose first request finds the same series again by label values (counters keep counting).
import type { Kong } from '../../pdk/index.ts'
import type { Consumer, Route, Service } from '../../core/config/types.ts'
import { CounterFamily, HistogramFamily, registerFamily, type CounterSeries, type HistogramSeries } from '../../core/status/metric-family.ts'
import type { PrometheusConf } from './schema.ts'

/** Kong's buckets, ms. */
export const KONG_LATENCY_BUCKETS = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000, 3000, 6000]
export const UPSTREAM_LATENCY_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000]

export const WORKSPACE = 'default'

/**
 * Cached consumer series per route object, and status series per consumer: consumers come from the
 * config and statuses from 3 digits, but past these caps (a config with more consumers, or many
 * reloads) a series is found through its family each time: slower, still exact.
 */
export const MAX_CACHED_CONSUMERS = 1000
export const MAX_CACHED_CODES = 200

const requests = registerFamily(new CounterFamily('kong_http_requests_total', 'HTTP status codes per consumer/service/route in Kong',
  ['service', 'route', 'code', 'source', 'workspace', 'consumer']))
const kongLatency = registerFamily(new HistogramFamily('kong_kong_latency_ms', 'Latency added by Kong and enabled plugins for each service/route in Kong',
  ['service', 'route', 'workspace'], KONG_LATENCY_BUCKETS))
const upstreamLatency = registerFamily(new HistogramFamily('kong_upstream_latency_ms', 'Upstream response latency in ms',
  ['service', 'route', 'workspace'], UPSTREAM_LATENCY_BUCKETS))
const requestLatency = registerFamily(new HistogramFamily('kong_request_latency_ms', 'Total latency incurred during requests for each service/route in Kong',
  ['service', 'route', 'workspace'], UPSTREAM_LATENCY_BUCKETS))
const bandwidth = registerFamily(new CounterFamily('kong_bandwidth_bytes', 'Total bandwidth (ingress/egress) throughput in bytes',
  ['service', 'route', 'direction', 'workspace', 'consumer']))

/** Kong's `consumer` label: the username (custom_id, then id, when it has none). */
export function consumerLabel(c: Consumer | null): string {
  return c === null ? '' : c.username ?? c.custom_id ?? c.id
}

/** A route's series for one consumer label ('' when per_consumer is off or nobody authenticated). */
class ConsumerSeries {
  /** by status × 2 + (1 when the answer did not come from the service) */
  private readonly byCode = new Map<number, CounterSeries>()
  // made on first use, so a flag that is off exports no zero series
  private bytesIn: CounterSeries | null = null
  private bytesOut: CounterSeries | null = null
  constructor(private readonly route: RouteSeries, private readonly consumer: string) {}

  get ingress(): CounterSeries {
    return this.bytesIn ??= bandwidth.series([this.route.service, this.route.route, 'ingress', WORKSPACE, this.consumer])
  }

  get egress(): CounterSeries {
    return this.bytesOut ??= bandwidth.series([this.route.service, this.route.route, 'egress', WORKSPACE, this.consumer])
  }

  get cachedCodes(): number { return this.byCode.size }

  requests(status: number, fromKong: boolean): CounterSeries {
    const key = status * 2 + (fromKong ? 1 : 0)
    let s = this.byCode.get(key)
    if (s === undefined) {
      s = requests.series([this.route.service, this.route.route, String(status), fromKong ? 'kong' : 'service', WORKSPACE, this.consumer])
      if (this.byCode.size < MAX_CACHED_CODES) this.byCode.set(key, s)
    }
    return s
  }
}

class RouteSeries {
  readonly anonymous: ConsumerSeries
  private readonly consumers = new Map<string, ConsumerSeries>()
  private latencies: { kong: HistogramSeries; upstream: HistogramSeries; request: HistogramSeries } | null = null
  constructor(readonly service: string, readonly route: string) {
    this.anonymous = new ConsumerSeries(this, '')
  }

  get latency(): { kong: HistogramSeries; upstream: HistogramSeries; request: HistogramSeries } {
    const l = [this.service, this.route, WORKSPACE]
    return this.latencies ??= { kong: kongLatency.series(l), upstream: upstreamLatency.series(l), request: requestLatency.series(l) }
  }

  of(consumer: Consumer | null): ConsumerSeries {
    const label = consumerLabel(consumer)
    if (label === '') return this.anonymous
    let s = this.consumers.get(label)
    if (s === undefined) {
      s = new ConsumerSeries(this, label)
      if (this.consumers.size < MAX_CACHED_CONSUMERS) this.consumers.set(label, s)
    }
    return s
  }

  /** For tests: consumers cached, and statuses cached over them. */
  cached(): { consumers: number; codes: number } {
    let codes = this.anonymous.cachedCodes
    for (const c of this.consumers.values()) codes += c.cachedCodes
    return { consumers: this.consumers.size, codes }
  }
}

const byRoute = new WeakMap<Route, RouteSeries>()

function seriesOf(route: Route, service: Service | null): RouteSeries {
  let s = byRoute.get(route)
  if (s === undefined) {
    // Kong's labels: the service's name or host, the route's name or id
    s = new RouteSeries(service === null ? '' : service.name ?? service.host, route.name ?? route.id)
    byRoute.set(route, s)
  }
  return s
}

/** For tests: what is cached for a route object, null before its first request. */
export function cachedFor(route: Route): { consumers: number; codes: number } | null {
  return byRoute.get(route)?.cached() ?? null
}

/**
 * The log phase's request metrics; requests no route matched are not counted (as Kong). `consumer`
 * is the request's when per_consumer is on, else null.
 */
export function recordRequest(kong: Kong, conf: PrometheusConf, route: Route, consumer: Consumer | null): void {
  const rs = seriesOf(route, kong.router.getService())
  const cs = consumer === null ? rs.anonymous : rs.of(consumer)
  if (conf.status_code_metrics) cs.requests(kong.response.getStatus(), kong.response.getSource() !== 'service').value++
  if (conf.latency_metrics) {
    // one field of Kong's log record, read without building the record (kong.log.serialize())
    const l = kong.log.getLatencies()
    const s = rs.latency
    if (l.kong >= 0) kongLatency.observe(s.kong, l.kong)
    // -1 when the request never reached the service (an exit, a gateway error)
    if (l.proxy >= 0) upstreamLatency.observe(s.upstream, l.proxy)
    if (l.request >= 0) requestLatency.observe(s.request, l.request)
  }
  if (conf.bandwidth_metrics) {
    const inBytes = kong.log.getRequestSize()
    const outBytes = kong.log.getResponseSize()
    cs.ingress.value += inBytes > 0 ? inBytes : 0
    cs.egress.value += outBytes > 0 ? outBytes : 0
  }
}
