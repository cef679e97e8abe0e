// The conformance suite every ai-proxy-advanced balancer runs (as hono's router cases). A
// balancer's test file gives its `balancer` config and what it promises (how picks spread, whether
// they follow a hash, whether answers steer them) and calls runBalancerSuite. The cases build the
// balancer the way the plugin does (a checked config, then a Runtime: balancer, circuit breaker,
// shared state) and pick through a PickContext, as balance.ts does:
//   distribution by weight; never a target the request may not use, -1 when none is left (all
//   down); skipping open circuits and coming back to them; retries each going to another target;
//   for hashing balancers, the same key on the same target on every node; for learning balancers,
//   answers steering picks; state shared between two nodes through the state store (in memory,
//   and through a real redis-server when one is installed).
// What balancers learn from goes through BalancerFeed: begin/end, and the LlmOutcome of each
// finished answer (as balance.ts hands it to the runtime); only the feed below knows that.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'
import plugin from '../../../plugins/ai-proxy-advanced/index.ts'
import { Runtime } from '../../../plugins/ai-proxy-advanced/runtime.ts'
import type { AdvancedConf } from '../../../plugins/ai-proxy-advanced/schema.ts'
import type { PickContext } from '../../../plugins/ai-proxy-advanced/balancers/types.ts'
import type { LlmOutcome } from '../../../plugins/llm/outcome/llm-outcome.ts'
import { MemoryState } from '../../../plugins/ai-proxy-advanced/state/memory-state.ts'
import { RedisState } from '../../../plugins/ai-proxy-advanced/state/redis-state.ts'
import type { SharedState } from '../../../plugins/ai-proxy-advanced/state/types.ts'
import { redisMissing, startRedis, type TestRedis } from '../../helpers/redis.ts'

/** One finished answer from a target, as the suite describes it. */
export interface Answer {
  readonly latencyMs: number
  readonly promptTokens: number
  readonly completionTokens: number
  readonly cost: number
}

/** How a runtime hears about requests and answers: the one place that knows the balancer's inputs. */
export interface BalancerFeed {
  /** a request went to target i */
  started(rt: Runtime, i: number): void
  /** target i's answer ended */
  finished(rt: Runtime, i: number, a: Answer, at: number): void
}

/** The LlmOutcome of a complete answer from target i, as the LLM pipeline emits it. */
export function outcomeOf(i: number, a: Answer): LlmOutcome {
  return {
    ending: 'complete', response: 'passthrough', status: 200, requestId: `req-${i}`, pluginId: null, provider: 'openai',
    requestModel: `m${i}`, responseModel: `m${i}`, stream: false,
    usage: { prompt_tokens: a.promptTokens, completion_tokens: a.completionTokens, total_tokens: a.promptTokens + a.completionTokens },
    cost: a.cost, latencyMs: a.latencyMs, targetLatencyMs: a.latencyMs, timeToFirstTokenMs: null, tried: [i], cache: 'none',
  }
}

/** The plugin's inputs: begin/end (least-connections) and each answer's LlmOutcome (lowest-latency, lowest-usage), shared through the runtime. */
export const datapointFeed: BalancerFeed = {
  started: (rt, i) => rt.balancer.begin?.(i),
  finished(rt, i, a, at) {
    rt.balancer.end?.(i)
    rt.learn(i, outcomeOf(i, a), at)
  },
}

export interface BalancerAdapter {
  /** the plugin's `balancer` fields for this implementation (algorithm and its options) */
  readonly balancer: Readonly<Record<string, unknown>>
  /** each target's expected share of picks for these weights, with nothing learned and requests held in flight */
  share(weights: readonly number[]): number[]
  /** how far a measured share may be from the expected one */
  readonly tolerance: number
  /** picks follow a hash of the request's key (consistent-hashing) */
  readonly hashed: boolean
  /** answers steer the picks (lowest-latency, lowest-usage) */
  readonly learns: boolean
  /** defaults to datapointFeed */
  readonly feed?: BalancerFeed
}

/** Each weight's part of the total: the share a weighted balancer promises. */
export const byWeight = (w: readonly number[]): number[] => {
  const total = w.reduce((s, x) => s + x, 0)
  return w.map((x) => x / total)
}
/** Equal parts, whatever the weights. */
export const evenly = (w: readonly number[]): number[] => w.map(() => 1 / w.length)

const registry = new PluginRegistry([plugin as AnyPlugin])

function confOf(balancer: Readonly<Record<string, unknown>>, weights: readonly number[]): AdvancedConf {
  const targets = weights.map((weight, i) => ({ route_type: 'llm/v1/chat', weight, model: { provider: 'openai', name: `m${i}`, options: { upstream_url: `http://127.0.0.1:9/t${i}` } } }))
  const r = registry.check('ai-proxy-advanced', { targets, balancer })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.value as unknown as AdvancedConf
}

/** A request's view, as balance.ts builds it: not tried yet, circuit closed, among the candidates. */
function request(rt: Runtime, hashKey: string, now: number, allowed: (i: number) => boolean = () => true): PickContext & { tried: Set<number> } {
  const tried = new Set<number>()
  return { tried, hashKey, usable: (i) => !tried.has(i) && allowed(i) && rt.breaker.available(i, now) }
}

/** resolves once `check` holds (each event delivery re-checks; bounded) */
async function until(check: () => boolean, tries = 200): Promise<void> {
  for (let k = 0; k < tries && !check(); k++) await new Promise((r) => setImmediate(r))
  for (let k = 0; k < tries && !check(); k++) await new Promise((r) => setTimeout(r, 5))
  expect(check()).toBe(true)
}

// worse by every measure: latency, latency per output token, tokens of each kind, cost
const SLOW: Answer = { latencyMs: 30_000, promptTokens: 900, completionTokens: 900, cost: 0.5 }
const FAST: Answer = { latencyMs: 100, promptTokens: 10, completionTokens: 10, cost: 0.001 }

export function runBalancerSuite(name: string, a: BalancerAdapter): void {
  const feed = a.feed ?? datapointFeed
  const T0 = 1_900_000_000_000
  const runtime = (weights: readonly number[], extra: Record<string, unknown> = {}, shared: SharedState | null = null) =>
    new Runtime(confOf({ ...a.balancer, ...extra }, weights), { shared, now: () => T0 })

  describe(`balancer conformance: ${name}`, () => {
    it.each([[[100, 100]], [[300, 100, 100]], [[10, 50, 200, 5]]])('spreads picks as promised for weights %j', (weights) => {
      const rt = runtime(weights)
      const n = 2000
      const got = weights.map(() => 0)
      for (let k = 0; k < n; k++) {
        const i = rt.balancer.pick(request(rt, `req-${k}`, T0))
        got[i]!++
        feed.started(rt, i) // held in flight: least-connections spreads by capacity
      }
      const want = a.share(weights)
      got.forEach((c, i) => expect(Math.abs(c / n - want[i]!)).toBeLessThanOrEqual(a.tolerance))
    })

    it('never picks a target the request may not use; -1 exactly when none is left', () => {
      const rt = runtime([100, 200, 100, 50])
      for (let mask = 0; mask < 16; mask++) {
        const allowed = (i: number) => ((mask >> i) & 1) === 1
        for (let k = 0; k < 25; k++) {
          const i = rt.balancer.pick(request(rt, `mask-${mask}-${k}`, T0, allowed))
          if (mask === 0) expect(i).toBe(-1)
          else expect(allowed(i)).toBe(true)
        }
      }
    })

    it('retries go to another target each time until none is left', () => {
      const rt = runtime([100, 300, 100, 200])
      for (let k = 0; k < 20; k++) {
        const req = request(rt, `retry-${k}`, T0)
        for (let attempt = 0; attempt < 4; attempt++) {
          const i = rt.balancer.pick(req)
          expect(i).toBeGreaterThanOrEqual(0)
          expect(req.tried.has(i)).toBe(false)
          req.tried.add(i)
        }
        expect(rt.balancer.pick(req)).toBe(-1)
      }
    })

    it('skips a target whose circuit is open, and uses it again once the circuit closes', () => {
      const rt = runtime([100, 100, 100], { max_fails: 1, fail_timeout: 60_000 })
      rt.failure(1, T0)
      const picks = Array.from({ length: 60 }, (_, k) => rt.balancer.pick(request(rt, `cb-${k}`, T0)))
      expect(picks).not.toContain(1)
      expect(picks).not.toContain(-1)
      rt.breaker.reset(1) // closed (a probe succeeded here or on another node)
      const after = Array.from({ length: 60 }, (_, k) => rt.balancer.pick(request(rt, `cb-${k}`, T0)))
      expect(after).toContain(1)
    })

    it('all targets down (every circuit open): -1, Kong\'s "failed to get peer"', () => {
      const rt = runtime([100, 100, 100], { max_fails: 2, fail_timeout: 60_000 })
      for (const i of [0, 1, 2]) { rt.failure(i, T0); rt.failure(i, T0) }
      for (let k = 0; k < 10; k++) expect(rt.balancer.pick(request(rt, `down-${k}`, T0))).toBe(-1)
    })

    if (a.hashed) {
      it('sends the same key to the same target, on every node, and moves only the keys of a target that is out', () => {
        const one = runtime([100, 100, 200])
        const two = runtime([100, 100, 200]) // another worker or node with the same config
        const keys = Array.from({ length: 300 }, (_, k) => `session-${k}`)
        const before = keys.map((key) => one.balancer.pick(request(one, key, T0)))
        expect(keys.map((key) => one.balancer.pick(request(one, key, T0)))).toEqual(before)
        expect(keys.map((key) => two.balancer.pick(request(two, key, T0)))).toEqual(before)
        const during = keys.map((key) => one.balancer.pick(request(one, key, T0, (i) => i !== 1)))
        keys.forEach((_, k) => {
          if (before[k] !== 1) expect(during[k]).toBe(before[k])
          else expect(during[k]).not.toBe(1)
        })
        expect(keys.map((key) => one.balancer.pick(request(one, key, T0)))).toEqual(before)
      })
    }

    if (a.learns) {
      it('answers steer the picks: a slow, costly target gets no traffic while a fast, cheap one is usable', () => {
        const rt = runtime([100, 100])
        feed.started(rt, 0)
        feed.finished(rt, 0, SLOW, T0)
        feed.started(rt, 1)
        feed.finished(rt, 1, FAST, T0)
        for (let k = 0; k < 20; k++) expect(rt.balancer.pick(request(rt, `learn-${k}`, T0))).toBe(1)
        expect(rt.balancer.pick(request(rt, 'learn-out', T0, (i) => i !== 1))).toBe(0)
      })
    } else {
      it('answers do not change the picks', () => {
        const told = runtime([100, 200, 100])
        const fresh = runtime([100, 200, 100])
        for (let k = 0; k < 30; k++) {
          const i = told.balancer.pick(request(told, `same-${k}`, T0))
          expect(i).toBe(fresh.balancer.pick(request(fresh, `same-${k}`, T0)))
          feed.started(told, i)
          feed.finished(told, i, k % 2 ? SLOW : FAST, T0)
        }
      })
    }

    const sharedCases = (store: () => SharedState) => {
      it('a circuit opened on one node keeps the other node\'s picks away from that target', async () => {
        const shared = store()
        const one = runtime([100, 100, 100], { max_fails: 1, fail_timeout: 600_000 }, shared)
        const two = runtime([100, 100, 100], { max_fails: 1, fail_timeout: 600_000 }, shared)
        await Promise.all([one.sharedReady, two.sharedReady])
        const now = Date.now()
        one.failure(2, now)
        await until(() => !two.breaker.available(2, now))
        for (let k = 0; k < 30; k++) expect(two.balancer.pick(request(two, `shared-${k}`, now))).not.toBe(2)
        one.dispose()
        two.dispose()
      })

      if (a.learns) {
        it('answers measured on one node steer the other node\'s picks', async () => {
          const shared = store()
          const one = runtime([100, 100], {}, shared)
          const two = runtime([100, 100], {}, shared)
          await Promise.all([one.sharedReady, two.sharedReady])
          feed.started(one, 0)
          feed.finished(one, 0, SLOW, T0)
          feed.started(one, 1)
          feed.finished(one, 1, FAST, T0)
          await until(() => [0, 1, 2, 3].every((k) => two.balancer.pick(request(two, `steer-${k}`, T0)) === 1))
          one.dispose()
          two.dispose()
        })
      }
    }

    describe('state shared in memory', () => {
      sharedCases(() => new MemoryState())
    })

    const missing = redisMissing()
    describe.skipIf(missing !== null)(`state shared through Redis${missing ? ` (skipped: ${missing})` : ''}`, () => {
      let server: TestRedis
      const opened: RedisState[] = []
      beforeAll(async () => { server = await startRedis() }, 20_000)
      afterAll(async () => {
        await Promise.all(opened.map((s) => s.close()))
        await server?.stop()
      })
      // each runtime its own connections, as two nodes have
      sharedCases(() => ({
        join(ns, on) {
          const s = new RedisState(new Redis({ port: server.port, host: '127.0.0.1' }), new Redis({ port: server.port, host: '127.0.0.1' }))
          opened.push(s)
          return s.join(ns, on)
        },
      }))
    })
  })
}
