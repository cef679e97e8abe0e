// Balancer state shared beyond one worker: two runtimes of the same config (two workers, or two
// nodes) close circuits together and configs that differ stay apart, through the in-memory bus and
// through a real redis-server. Opening circuits and learning together, for every algorithm, is in
// the balancer conformance suite (balancer.case.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { Runtime } from '../../../plugins/ai-proxy-advanced/runtime.ts'
import { MemoryState } from '../../../plugins/ai-proxy-advanced/state/memory-state.ts'
import { RedisState } from '../../../plugins/ai-proxy-advanced/state/redis-state.ts'
import type { SharedState } from '../../../plugins/ai-proxy-advanced/state/types.ts'
import type { AdvancedConf } from '../../../plugins/ai-proxy-advanced/schema.ts'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import plugin from '../../../plugins/ai-proxy-advanced/index.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'
import { redisMissing, startRedis, type TestRedis } from '../../helpers/redis.ts'

const registry = new PluginRegistry([plugin as AnyPlugin])
function conf(balancer: Record<string, unknown>): AdvancedConf {
  const target = (name: string) => ({ route_type: 'llm/v1/chat', model: { provider: 'openai', name, options: { upstream_url: `http://127.0.0.1:9/${name}` } } })
  const r = registry.check('ai-proxy-advanced', { targets: [target('a'), target('b')], balancer })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.value as unknown as AdvancedConf
}

/** resolves once `check` holds (each event delivery re-checks; bounded) */
async function until(check: () => boolean, tries = 200): Promise<void> {
  for (let k = 0; k < tries && !check(); k++) await new Promise((r) => setImmediate(r))
  for (let k = 0; k < tries && !check(); k++) await new Promise((r) => setTimeout(r, 5))
  expect(check()).toBe(true)
}

function sharedCases(make: () => SharedState) {
  it('a circuit closed by one closes on the other', async () => {
    const c = conf({ max_fails: 1, fail_timeout: 1000 })
    const shared = make()
    const one = new Runtime(c, { shared })
    const two = new Runtime(c, { shared })
    await Promise.all([one.sharedReady, two.sharedReady])
    const t0 = Date.now()
    two.failure(1, t0)
    await until(() => !one.breaker.available(1, t0))
    one.breaker.picked(1, t0 + 1001) // the probe, on one
    one.success(1)
    await until(() => two.breaker.state(1, t0 + 1002) === 'closed')
    one.dispose()
    two.dispose()
  })

  it('configs that differ do not share', async () => {
    const shared = make()
    const one = new Runtime(conf({ max_fails: 1 }), { shared })
    const other = new Runtime(conf({ max_fails: 1, retries: 2 }), { shared })
    const probe = new Runtime(conf({ max_fails: 1 }), { shared })
    await Promise.all([one, other, probe].map((r) => r.sharedReady))
    const now = Date.now()
    one.failure(0, now)
    await until(() => !probe.breaker.available(0, now))
    expect(other.breaker.available(0, now)).toBe(true)
    for (const r of [one, other, probe]) r.dispose()
  })
}

describe('shared state in memory', () => {
  sharedCases(() => new MemoryState())
})

const missing = redisMissing()
describe.skipIf(missing !== null)(`shared state through Redis${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: TestRedis
  const states: RedisState[] = []
  beforeAll(async () => { server = await startRedis() }, 20_000)
  afterAll(async () => {
    await Promise.all(states.map((s) => s.close()))
    await server?.stop()
  })
  // each runtime its own connections, as two nodes would have
  let pair: RedisState[] = []
  const node = (): RedisState => {
    const s = new RedisState(new Redis({ port: server.port, host: '127.0.0.1' }), new Redis({ port: server.port, host: '127.0.0.1' }))
    states.push(s)
    return s
  }
  const shared: SharedState = {
    join(ns, on) {
      if (pair.length === 2) pair = []
      const s = node()
      pair.push(s)
      return s.join(ns, on)
    },
  }
  sharedCases(() => shared)
})
