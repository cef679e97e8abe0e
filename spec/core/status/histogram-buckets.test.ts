// A histogram puts a value in the first bucket whose bound is >= the value (Prometheus' `le`), the
// rest in +Inf. Whole-ms latencies take their slot from a precomputed table: it must agree with the
// plain search for every value, at every bound and between, fractional, huge and not-a-number.
import { describe, expect, it } from 'vitest'
import { HistogramFamily } from '../../../core/status/metric-family.ts'
import { KONG_LATENCY_BUCKETS, UPSTREAM_LATENCY_BUCKETS } from '../../../plugins/prometheus/http-metrics.ts'
import { AI_LATENCY_BUCKETS } from '../../../plugins/prometheus/ai-metrics.ts'

function searched(buckets: readonly number[], v: number): number {
  let i = 0
  while (i < buckets.length && v > buckets[i]!) i++
  return i
}

const BUCKETS: ReadonlyArray<readonly [what: string, buckets: readonly number[]]> = [
  ['Kong latency', KONG_LATENCY_BUCKETS],
  ['upstream latency', UPSTREAM_LATENCY_BUCKETS],
  ['AI provider latency', AI_LATENCY_BUCKETS],
  ['fractional bounds (no table)', [0.5, 1.5, 2.25, 10]],
  ['one bound', [3]],
  ['bounds past the table', [5000, 9000, 70000]],
  ['no bounds', []],
]

const ODD = [-1, -0.5, -0, 0, 0.0001, 0.5, 0.9999, 1.0001, 4095.5, 4096, 4096.5, 4097, 1e9, Infinity, -Infinity, NaN, Number.MAX_VALUE, Number.MIN_VALUE]

describe('histogram bucket of a value', () => {
  it.each(BUCKETS)('%s: the table agrees with the search for every whole value to 70000 and around each bound', (_what, buckets) => {
    const h = new HistogramFamily('t_ms', 't', [], buckets)
    const values = [...ODD, ...buckets.flatMap((b) => [b - 1, b - 0.001, b, b + 0.001, b + 1])]
    for (let v = 0; v <= 70000; v++) values.push(v, v + 0.25)
    const wrong = values.filter((v) => h.bucketOf(v) !== searched(buckets, v))
    expect(wrong).toEqual([])
  })

  it('observations land in their bucket, sum and count', () => {
    const h = new HistogramFamily('t2_ms', 't', ['r'], [1, 2, 5])
    const s = h.series(['a'])
    for (const v of [0, 1, 1.5, 2, 3, 5, 6, NaN]) h.observe(s, v)
    expect([...s.counts]).toEqual([3, 2, 2, 1])
    expect(s.count).toBe(8)
  })
})
