// What is particular to each algorithm (interleaving, peak EWMA and its decay, usage strategies,
// in-flight counts, priority groups) and the circuit breaker, driven directly with explicit clocks.
// What every balancer must do (spread by weight, unusable targets, retries, all down, hashing,
// learning, shared state) is the conformance suite, balancer.case.ts, run from balancers/.
import { describe, expect, it } from 'vitest'
import { RoundRobin } from '../../../plugins/ai-proxy-advanced/balancers/round-robin.ts'
import { LowestLatency } from '../../../plugins/ai-proxy-advanced/balancers/lowest-latency.ts'
import { LowestUsage } from '../../../plugins/ai-proxy-advanced/balancers/lowest-usage.ts'
import { LeastConnections } from '../../../plugins/ai-proxy-advanced/balancers/least-connections.ts'
import { Priority } from '../../../plugins/ai-proxy-advanced/balancers/priority.ts'
import { CircuitBreaker } from '../../../plugins/ai-proxy-advanced/circuit-breaker.ts'
import type { Balancer, Datapoint, PickContext } from '../../../plugins/ai-proxy-advanced/balancers/types.ts'

const targets = (...weights: number[]) => weights.map((weight, i) => ({ weight, key: `t${i}` }))
const all: PickContext = { usable: () => true, hashKey: 'k' }
const except = (...out: number[]): PickContext => ({ usable: (i) => !out.includes(i), hashKey: 'k' })

function counts(b: Balancer, n: number, ctx: PickContext = all, size = 4): number[] {
  const c = new Array<number>(size).fill(0)
  for (let k = 0; k < n; k++) c[b.pick(ctx)]!++
  return c
}

const point = (e2eMs: number, tokens: Partial<Datapoint> = {}): Datapoint => ({
  e2eMs, promptTokens: 0, completionTokens: 1, totalTokens: 1, cost: 0, ...tokens,
})

describe('round-robin', () => {
  it('interleaves: a heavy target\'s picks are not in a run', () => {
    const rr = new RoundRobin(targets(300, 100, 100))
    const first = Array.from({ length: 5 }, () => rr.pick(all))
    expect(first.filter((i) => i === 0)).toHaveLength(3)
    expect(first).not.toEqual([0, 0, 0, 1, 2]) // smooth: not in runs
  })
})

describe('lowest-latency', () => {
  it('shares traffic until it has measured, then prefers the fastest (e2e)', () => {
    let now = 1_000_000
    const b = new LowestLatency(targets(100, 100), 'e2e', () => now)
    expect(counts(b, 10, all, 2)).toEqual([5, 5])
    b.report(0, point(900), now)
    b.report(1, point(100), now)
    expect(counts(b, 20, all, 2)).toEqual([0, 20])
    now += 1000
    b.report(1, point(2000), now) // target 1 turns slow: avoided at once (peak)
    expect(counts(b, 10, all, 2)).toEqual([10, 0])
    for (let k = 1; k <= 5; k++) b.report(1, point(100), now + k * 2000) // and fast again: forgiven as it decays
    now += 10_000
    expect(counts(b, 10, all, 2)).toEqual([0, 10])
  })

  it('measures time per output token with tpot', () => {
    const now = 5000
    const b = new LowestLatency(targets(100, 100), 'tpot', () => now)
    b.report(0, point(1000, { completionTokens: 100 }), now) // 10 ms/token
    b.report(1, point(500, { completionTokens: 10 }), now) // 50 ms/token
    expect(b.pick(all)).toBe(0)
  })

  it('drifts a shunned target back towards the mean, so it is probed again', () => {
    let now = 0
    const b = new LowestLatency(targets(100, 100, 100), 'e2e', () => now)
    b.report(0, point(100), now)
    b.report(1, point(120), now)
    b.report(2, point(5000), now)
    expect(counts(b, 10, all, 3)[2]).toBe(0)
    now = 120_000 // two minutes without datapoints: every score is back near the mean
    expect(counts(b, 10, all, 3)[2]).toBeGreaterThan(0)
  })

  it('weighs scores by weight', () => {
    const b = new LowestLatency(targets(400, 100), 'e2e', () => 0)
    b.report(0, point(300), 0)
    b.report(1, point(100), 0)
    expect(b.pick(all)).toBe(0) // 300/400 < 100/100
  })
})

describe('lowest-usage', () => {
  const strategies = [
    ['total-tokens', 1, { promptTokens: 10, completionTokens: 90, totalTokens: 100 }, { promptTokens: 60, completionTokens: 20, totalTokens: 80 }],
    ['prompt-tokens', 0, { promptTokens: 10, completionTokens: 90, totalTokens: 100 }, { promptTokens: 60, completionTokens: 20, totalTokens: 80 }],
    ['completion-tokens', 1, { promptTokens: 10, completionTokens: 90, totalTokens: 100 }, { promptTokens: 60, completionTokens: 20, totalTokens: 80 }],
    ['cost', 0, { cost: 0.001 }, { cost: 0.01 }],
  ] as const
  it.each(strategies)('%s picks target %i', (strategy, winner, a, b) => {
    const lu = new LowestUsage(targets(100, 100), strategy, () => 0)
    lu.report(0, point(1, a), 0)
    lu.report(1, point(1, b), 0)
    expect(counts(lu, 5, all, 2)[winner]).toBe(5)
  })
})

describe('least-connections', () => {
  it('picks the target with the fewest requests in flight for its weight', () => {
    const lc = new LeastConnections(targets(100, 100, 200))
    const picks: number[] = []
    for (let k = 0; k < 8; k++) { const i = lc.pick(all); lc.begin(i); picks.push(i) }
    expect(picks.filter((i) => i === 2)).toHaveLength(4)
    expect(picks.filter((i) => i === 0)).toHaveLength(2)
    lc.end(0); lc.end(0)
    expect(lc.pick(all)).toBe(0)
  })
})

describe('priority', () => {
  it('falls to the next group only when the whole group is out, and comes back', () => {
    const p = new Priority(targets(10, 100, 100, 50))
    expect(counts(p, 4, except(1))).toEqual([0, 0, 4, 0])
    expect(counts(p, 4, except(1, 2))).toEqual([0, 0, 0, 4])
    expect(counts(p, 4, except(1, 2, 3))).toEqual([4, 0, 0, 0])
    expect(p.pick(except(0, 1, 2, 3))).toBe(-1)
    expect(counts(p, 4, all)).toEqual([0, 2, 2, 0])
  })
})

describe('circuit breaker (max_fails / fail_timeout)', () => {
  it('opens after max_fails, lets one probe through after fail_timeout, closes on success', () => {
    const cb = new CircuitBreaker(2, 2, 10_000)
    cb.failure(0, 1000)
    expect(cb.state(0, 1000)).toBe('closed')
    expect(cb.available(0, 1000)).toBe(true)
    cb.failure(0, 2000)
    expect(cb.state(0, 2000)).toBe('open')
    expect(cb.available(0, 11_999)).toBe(false)
    expect(cb.available(1, 11_999)).toBe(true)
    expect(cb.state(0, 12_001)).toBe('half-open')
    expect(cb.available(0, 12_001)).toBe(true)
    cb.picked(0, 12_001) // the probe
    expect(cb.available(0, 12_002)).toBe(false) // only one at a time
    expect(cb.success(0)).toBe(true)
    expect(cb.state(0, 12_002)).toBe('closed')
    expect(cb.available(0, 12_002)).toBe(true)
  })

  it('stays open when the probe fails', () => {
    const cb = new CircuitBreaker(1, 1, 10_000)
    cb.failure(0, 0)
    cb.picked(0, 10_001)
    cb.failure(0, 10_002)
    expect(cb.state(0, 15_000)).toBe('open')
    expect(cb.available(0, 20_002)).toBe(false)
    expect(cb.available(0, 20_003)).toBe(true)
  })

  it('counts failures in total, not in a row: a success right after a failure does not clear them', () => {
    const cb = new CircuitBreaker(1, 3, 10_000)
    cb.failure(0, 0)
    expect(cb.success(0)).toBe(false)
    cb.failure(0, 100)
    cb.failure(0, 200)
    expect(cb.state(0, 300)).toBe('open')
  })

  it('is off with max_fails 0', () => {
    const cb = new CircuitBreaker(1, 0, 10_000)
    for (let k = 0; k < 100; k++) cb.failure(0, k)
    expect(cb.available(0, 100)).toBe(true)
  })
})
