// A serving thread's metric registry is our own (ThreadFamilies), so a worker thread never loads
// prom-client: its snapshot must be what prom-client's Registry gave for the same families, and
// loading what a worker loads for metrics must not pull prom-client in.
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { Registry } from 'prom-client'
import { CounterFamily, HistogramFamily, ThreadFamilies, type MetricSnapshot } from '../../../core/status/metric-family.ts'
import { ROOT } from '../../../core/paths.ts'

function families(): [CounterFamily, HistogramFamily] {
  const c = new CounterFamily('x_requests_total', 'requests', ['route', 'code'])
  c.series(['a', '200']).value += 3
  c.series(['b', '500']).value += 1
  const h = new HistogramFamily('x_latency_ms', 'latency', ['route'], [1, 10, 100])
  const s = h.series(['a'])
  for (const v of [0.5, 5, 50, 500]) h.observe(s, v)
  return [c, h]
}

describe('ThreadFamilies', () => {
  it('snapshots exactly as prom-client\'s Registry does for the same families', async () => {
    const ours = new ThreadFamilies()
    const theirs = new Registry()
    for (const f of families()) { ours.registerMetric(f); theirs.registerMetric(f as never) }
    expect(ours.getMetricsAsJSON()).toEqual((await theirs.getMetricsAsJSON()) as unknown as MetricSnapshot[])
  })

  it('finds a family by name, keeps the first of a name, refuses a second family of the same name', () => {
    const reg = new ThreadFamilies()
    const [c, h] = families()
    reg.registerMetric(c)
    reg.registerMetric(c) // the same object again is fine
    reg.registerMetric(h)
    expect(reg.getSingleMetric('x_requests_total')).toBe(c)
    expect(reg.getSingleMetric('nope')).toBeUndefined()
    expect(reg.getMetricsAsArray()).toEqual([c, h])
    expect(() => reg.registerMetric(new CounterFamily('x_requests_total', 'other', []))).toThrow(/already been registered/)
  })

  it('recording and a worker\'s scrape answer load no prom-client', () => {
    // a fresh process: this test file itself has prom-client loaded as the reference above
    const script = [
      "const { CounterFamily, registerFamily } = await import('./core/status/metric-family.ts')",
      "const { threadSnapshot } = await import('./core/status/thread-snapshot.ts')",
      "registerFamily(new CounterFamily('y_total', 'y', ['a'])).series(['1']).value++",
      'const snap = await threadSnapshot()',
      "const { createRequire } = await import('node:module')",
      'const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes("/prom-client/"))',
      'console.log(JSON.stringify({ loaded, names: snap.metrics.map((m) => m.name) }))',
    ].join('\n')
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ loaded: [], names: ['y_total'] })
  })
})
