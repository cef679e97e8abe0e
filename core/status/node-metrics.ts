// One scrape for the whole node, built in the main thread. Each serving thread keeps its own
// metrics (core/status/metric-family.ts); on scrape the main thread asks every worker for its
// snapshot (a message, answered between requests: nothing is added to the proxy path) and sums
// them with prom-client's AggregatorRegistry.aggregate, beside the node gauges only the main
// thread knows (node info, connections from the shared counters, each thread's heap).
//
// Counters must not go backwards when a worker is replaced: the last snapshot of a worker that
// ended is folded into `retired` (counters and histograms only) and summed into every later
// scrape. What a dead worker counted after its last snapshot is lost (it could not be asked);
// a config reload changes nothing here (families live as long as the thread).
//
// prom-client (and its @opentelemetry/api) is required with the first scrape or retired worker,
// not at start: with one serving thread the main thread is the proxy, and ~3 MB RSS of modules
// that only a scrape uses would sit beside every request.
import { createRequire } from 'node:module'
import type { AggregatorRegistry } from 'prom-client'
import type { MetricSnapshot } from './metric-family.ts'
import { adminStats } from '../admin/stats.ts'
import { nodeId } from '../node-id.ts'
import { VERSION } from '../version.ts'

/** What a thread answers to a scrape. */
export interface ThreadSnapshot {
  /** the thread's id (the `pid` label of its memory gauge: the node's workers are threads) */
  threadId: number
  /** bytes used by the thread's V8 heap */
  heapBytes: number
  metrics: MetricSnapshot[]
}

/** Prometheus' text exposition format, version 0.0.4 (what Kong's /metrics answers with). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

let aggregator: typeof AggregatorRegistry | null = null
const aggregate: typeof AggregatorRegistry.aggregate = (sets) =>
  (aggregator ??= (createRequire(import.meta.url)('prom-client') as typeof import('prom-client')).AggregatorRegistry).aggregate(sets)

const sums = (m: MetricSnapshot): boolean => m.type === 'counter' || m.type === 'histogram'

/** prom-client's merge of metric lists, back to plain snapshots (its wrappers answer get() at once). */
function sumAll(sets: MetricSnapshot[][]): MetricSnapshot[] {
  const reg = aggregate(sets)
  return reg.getMetricsAsArray().map((m) => (m as unknown as { get(): MetricSnapshot }).get())
}

export class NodeMetrics {
  private retired: MetricSnapshot[] = []
  /** concurrent scrapes share one collection: scrapers cannot multiply the work */
  private inflight: Promise<string> | null = null

  /** `collect` answers every serving thread's snapshot (a thread that cannot answer gives its last one). */
  constructor(private readonly collect: () => Promise<ThreadSnapshot[]>) {}

  /** A worker ended: what it had counted stays in the node's totals. */
  retire(last: ThreadSnapshot): void {
    this.retired = sumAll([this.retired, last.metrics.filter(sums)])
  }

  /** The node's metrics in Prometheus' text format. */
  text(): Promise<string> {
    return this.inflight ??= this.build().finally(() => { this.inflight = null })
  }

  private async build(): Promise<string> {
    const threads = await this.collect()
    // a family without a series is left out, as Kong shows no metric a flag did not turn on
    const sets = [this.retired, ...threads.map((t) => t.metrics), nodeGauges(threads)].map((set) => set.filter((m) => m.values.length > 0))
    const reg = aggregate(sets)
    return reg.metrics()
  }
}

function gauge(name: string, help: string, values: MetricSnapshot['values']): MetricSnapshot {
  return { name, help, type: 'gauge', aggregator: 'first', values }
}

/** Kong's always-on gauges, in the names of kong/plugins/prometheus/exporter.lua. */
function nodeGauges(threads: readonly ThreadSnapshot[]): MetricSnapshot[] {
  const s = adminStats().server
  const states: [string, number][] = [
    ['accepted', s.connections_accepted], ['handled', s.connections_handled], ['total', s.connections_accepted],
    ['active', s.connections_active], ['reading', s.connections_reading], ['writing', s.connections_writing], ['waiting', s.connections_waiting],
  ]
  return [
    gauge('kong_node_info', 'Kong Node metadata information', [{ value: 1, labels: { node_id: nodeId, version: VERSION } }]),
    gauge('kong_nginx_connections_total', 'Number of connections by subsystem',
      states.map(([state, value]) => ({ value, labels: { node_id: nodeId, subsystem: 'http', state } }))),
    gauge('kong_nginx_requests_total', 'Number of requests total', [{ value: s.total_requests, labels: { node_id: nodeId, subsystem: 'http' } }]),
    gauge('kong_memory_workers_lua_vms_bytes', 'Allocated bytes in worker Lua VM',
      threads.map((t) => ({ value: t.heapBytes, labels: { node_id: nodeId, pid: String(t.threadId), kong_subsystem: 'http' } }))),
  ]
}
