// The limiters build their counter keys from parts made once per config (prefixes per plugin id
// or namespace, the Redis key tail once a window): the strings must be exactly the keys that
// localKey, redisKey and tableKey name, which other nodes and Redis share, whatever the window,
// identifier or plugin id.
import { describe, expect, it } from 'vitest'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'
import rateLimiting from '../../../plugins/rate-limiting/index.ts'
import aiRateLimiting from '../../../plugins/ai-rate-limiting-advanced/index.ts'
import { keyParts, planOf, redisTail } from '../../../plugins/rate-limiting/plan.ts'
import { periodStart } from '../../../plugins/rate-limiting/periods.ts'
import { localKey } from '../../../plugins/rate-limiting/local-policy.ts'
import { redisKey } from '../../../plugins/rate-limiting/redis-policy.ts'
import type { RateLimitingConf } from '../../../plugins/rate-limiting/schema.ts'
import { keyPrefixes, planOf as aiPlanOf } from '../../../plugins/ai-rate-limiting-advanced/plan.ts'
import { tableKey } from '../../../plugins/ai-rate-limiting-advanced/counters.ts'
import type { AiRateLimitingConf } from '../../../plugins/ai-rate-limiting-advanced/schema.ts'

const registry = new PluginRegistry([rateLimiting as AnyPlugin, aiRateLimiting as AnyPlugin])
function checked<T>(name: string, config: Record<string, unknown>): T {
  const r = registry.check(name, config)
  if (!r.ok) throw new Error(JSON.stringify(r))
  return r.value as T
}

const T0 = Date.UTC(2026, 0, 31, 23, 59, 59, 500)
// a second, a minute, an hour, a day, a month and a year boundary, then back to an earlier window
const TIMES = [T0, T0 + 1, T0 + 500, T0 + 1500, T0 + 61_000, T0 + 3_600_000, T0 + 400 * 86_400_000, T0]
const IDS = ['127.0.0.1', '::1', 'consumer-uuid', 'a|b:c', '', 'ünïcode', 'x'.repeat(300)]
const PLUGINS = ['00000000-0000-4000-8000-000000000001', 'global', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001']

describe('rate-limiting key parts', () => {
  const conf = checked<RateLimitingConf>('rate-limiting', { second: 1, minute: 2, hour: 3, day: 4, month: 5, year: 6 })
  const plan = planOf(conf)

  it.each(PLUGINS.map((p) => [p]))('plugin %s: local and Redis keys equal localKey and redisKey across windows and identifiers', (pluginId) => {
    for (const now of TIMES) {
      const k = keyParts(plan, pluginId)
      expect(k.pluginId).toBe(pluginId)
      for (const id of IDS) {
        plan.periods.forEach((p, i) => {
          const start = periodStart(p.period, now)
          expect(k.local[i]! + id).toBe(localKey(pluginId, p.period, id))
          expect(k.redisHead + id + redisTail(k, plan, i, start)).toBe(redisKey(pluginId, id, start, p.period))
        })
      }
    }
  })

  it('the limit header values are the configured limits as Kong prints them', () => {
    expect(plan.periods.map((p) => [p.limitHeader, p.limitValue])).toEqual([
      ['X-RateLimit-Limit-Second', '1'], ['X-RateLimit-Limit-Minute', '2'], ['X-RateLimit-Limit-Hour', '3'],
      ['X-RateLimit-Limit-Day', '4'], ['X-RateLimit-Limit-Month', '5'], ['X-RateLimit-Limit-Year', '6'],
    ])
  })
})

describe('ai-rate-limiting-advanced key prefixes', () => {
  const conf = checked<AiRateLimitingConf>('ai-rate-limiting-advanced', {
    llm_providers: [{ name: 'openai', limit: [10, 2.5], window_size: [60, 3600] }, { name: 'anthropic', limit: [7], window_size: [45] }],
  })
  const plan = aiPlanOf(conf)

  it.each(['ns-a', 'global', '00000000-0000-4000-8000-000000000003', 'ns-a'].map((n) => [n]))('namespace %s: keys equal tableKey for every window and identifier', (ns) => {
    const k = keyPrefixes(plan, ns)
    expect(k.ns).toBe(ns)
    for (const id of IDS) plan.windows.forEach((w, i) => expect(k.byWindow[i]! + id).toBe(tableKey(ns, w, id)))
  })

  it('each window knows its index and prints its limit once', () => {
    expect(plan.windows.map((w) => [w.index, w.provider, w.limitValue])).toEqual([[0, 'openai', '10'], [1, 'openai', '2.5'], [2, 'anthropic', '7']])
    for (const [provider, ws] of plan.byProvider) {
      for (const w of ws) {
        expect(plan.windows[w.index]).toBe(w)
        expect(w.provider).toBe(provider)
      }
    }
  })
})
