// The node's scrape: threads' counters and histograms are summed, a family without series is
// left out, a worker that ended keeps its counts in the totals, concurrent scrapes share one
// collection, and the output is valid Prometheus text.
import { describe, expect, it } from 'vitest'
import { Registry } from 'prom-client'
import { METRICS_CONTENT_TYPE, NodeMetrics, type ThreadSnapshot } from '../../../core/status/node-metrics.ts'
import { CounterFamily, HistogramFamily, MAX_SERIES_PER_FAMILY, type MetricSnapshot } from '../../../core/status/metric-family.ts'
import { notReadyReason } from '../../../core/status/readiness.ts'
import { parseMetrics, samples, total } from '../../plugins/prometheus/scrape.ts'
import type { Snapshot } from '../../../core/config/types.ts'

function thread(threadId: number, requests: number, latencies: number[]): ThreadSnapshot {
  const c = new CounterFamily('t_requests_total', 'requests', ['route'])
  c.series(['a']).value += requests
  const h = new HistogramFamily('t_latency_ms', 'latency', ['route'], [10, 100])
  const s = h.series(['a'])
  for (const l of latencies) h.observe(s, l)
  const empty = new CounterFamily('t_unused_total', 'never counted', ['route'])
  return { threadId, heapBytes: 1000 * threadId, metrics: [c.get(), h.get(), empty.get()] as MetricSnapshot[] }
}

describe('NodeMetrics', () => {
  it("answers with prom-client's content type (written out: prom-client is loaded with the first scrape)", () => {
    expect(METRICS_CONTENT_TYPE).toBe(Registry.PROMETHEUS_CONTENT_TYPE)
  })

  it('sums every thread, counters and histogram buckets alike; omits empty families; one memory gauge per thread', async () => {
    const text = await new NodeMetrics(async () => [thread(1, 3, [5, 50]), thread(2, 4, [500])]).text()
    const m = parseMetrics(text)
    expect(total(m, 't_requests_total', { route: 'a' })).toBe(7)
    expect(samples(m, 't_latency_ms_bucket', { route: 'a' }).map((s) => [s.labels!.le, Number(s.value)])).toEqual([['10', 1], ['100', 2], ['+Inf', 3]])
    expect(total(m, 't_latency_ms_sum')).toBe(555)
    expect(total(m, 't_latency_ms_count')).toBe(3)
    expect(m.families.has('t_unused_total')).toBe(false)
    expect(samples(m, 'kong_memory_workers_lua_vms_bytes').map((s) => s.labels!.pid).sort()).toEqual(['1', '2'])
    expect(samples(m, 'kong_node_info')).toHaveLength(1)
  })

  it('a worker that ended keeps what it counted in the totals (its replacement starts from zero)', async () => {
    let live = [thread(1, 5, [5]), thread(2, 2, [5])]
    const node = new NodeMetrics(async () => live)
    expect(total(parseMetrics(await node.text()), 't_requests_total')).toBe(7)
    node.retire(live[0]!) // worker 1 died after this scrape
    live = [thread(3, 1, [5]), thread(2, 4, [5])]
    const m = parseMetrics(await node.text())
    expect(total(m, 't_requests_total')).toBe(5 + 1 + 4)
    expect(total(m, 't_latency_ms_count')).toBe(3)
    // retired gauges are not kept: only live threads' heaps
    expect(samples(m, 'kong_memory_workers_lua_vms_bytes').map((s) => s.labels!.pid).sort()).toEqual(['2', '3'])
  })

  it('concurrent scrapes share one collection', async () => {
    let calls = 0
    const node = new NodeMetrics(async () => { calls++; return [thread(1, 1, [])] })
    const texts = await Promise.all([node.text(), node.text(), node.text()])
    expect(calls).toBe(1)
    expect(new Set(texts).size).toBe(1)
    await node.text()
    expect(calls).toBe(2)
  })

  it.each([
    ['a quote', 'a"b'], ['a backslash', 'a\\b'], ['a newline', 'a\nb'], ['braces and commas', '},x="y'], ['unicode', 'modèle-😀'], ['empty', ''],
  ])('label values with %s stay valid text and read back the same', async (_, value) => {
    const c = new CounterFamily('t_hostile_total', 'hostile labels', ['ai_model'])
    c.series([value]).value = 2
    const m = parseMetrics(await new NodeMetrics(async () => [{ threadId: 1, heapBytes: 1, metrics: [c.get()] }]).text())
    expect(samples(m, 't_hostile_total').map((s) => s.labels!.ai_model)).toEqual([value])
  })

  it('a family stops growing at MAX_SERIES_PER_FAMILY series (the rest is counted as dropped)', () => {
    const c = new CounterFamily('t_many_total', 'many', ['k'])
    for (let i = 0; i < MAX_SERIES_PER_FAMILY + 50; i++) c.series([String(i)]).value++
    expect(c.get().values).toHaveLength(MAX_SERIES_PER_FAMILY)
    expect(c.dropped).toBe(50)
  })
})

describe('readiness (Kong\'s DB-less rules)', () => {
  const snap = (n: number) => ({ services: new Array(n), routes: [], consumers: [], plugins: [] }) as unknown as Snapshot
  it.each([
    [{ expected: 2, ready: 2, snapshot: snap(1) }, null],
    [{ expected: 2, ready: 1, snapshot: snap(1) }, 'router builds not yet complete, router ready in 1 of 2 workers'],
    [{ expected: 1, ready: 0, snapshot: snap(1) }, 'router builds not yet complete, router ready in 0 of 1 workers'],
    [{ expected: 2, ready: 2, snapshot: snap(0) }, 'no configuration available (empty configuration present)'],
  ])('%o → %s', (r, reason) => {
    expect(notReadyReason(r)).toBe(reason)
  })
})
