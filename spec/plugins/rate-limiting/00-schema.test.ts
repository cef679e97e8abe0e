// rate-limiting and ai-rate-limiting-advanced configs refused at load with Kong's messages and
// field paths, and the accepted shapes (Kong 3.x nested `redis`, the old flat `redis_*` fields).
import { describe, expect, it } from 'vitest'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'
import { configErrorBody, loadConfig } from '../../../core/config/load.ts'
import rateLimiting from '../../../plugins/rate-limiting/index.ts'
import aiRateLimiting from '../../../plugins/ai-rate-limiting-advanced/index.ts'
import { planOf } from '../../../plugins/rate-limiting/plan.ts'
import type { RateLimitingConf } from '../../../plugins/rate-limiting/schema.ts'

const registry = new PluginRegistry([rateLimiting as AnyPlugin, aiRateLimiting as AnyPlugin])
const text = (name: string, config: Record<string, unknown>) => `_format_version: "3.0"\nplugins:\n  - name: ${name}\n    config: ${JSON.stringify(config)}\n`

function refusal(name: string, config: Record<string, unknown>): unknown {
  try {
    loadConfig(text(name, config), { plugins: registry })
  } catch (e) {
    return configErrorBody(e)
  }
  throw new Error('accepted')
}

const AT_LEAST_ONE = "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"

// [config, the error under plugins[0]]
const RL_REFUSED: [Record<string, unknown>, unknown][] = [
  [{}, { '@entity': [AT_LEAST_ONE] }],
  [{ limit_by: 'ip' }, { '@entity': [AT_LEAST_ONE] }],
  [{ second: 10, minute: 5 }, { config: 'The limit for minute(5.0) cannot be lower than the limit for second(10.0)' }],
  [{ minute: 100, hour: 200, day: 150 }, { config: 'The limit for day(150.0) cannot be lower than the limit for hour(200.0)' }],
  [{ second: 2.5, year: 1.5 }, { config: 'The limit for year(1.5) cannot be lower than the limit for second(2.5)' }],
  [{ minute: 0 }, { config: { minute: expect.any(String) } }],
  [{ minute: -1 }, { config: { minute: expect.any(String) } }],
  [{ minute: '5' }, { config: { minute: expect.any(String) } }],
  [{ minute: 5, limit_by: 'consumer-group' }, { config: { limit_by: expect.stringContaining('expected one of') } }],
  [{ minute: 5, policy: 'cluster' }, { config: { policy: expect.stringContaining('expected one of') } }],
  [{ minute: 5, limit_by: 'header' }, { config: { header_name: 'required field missing' } }],
  [{ minute: 5, limit_by: 'path' }, { config: { path: 'required field missing' } }],
  [{ minute: 5, policy: 'redis' }, { config: { redis: { host: 'required field missing' } } }],
  [{ minute: 5, sync_rate: 1 }, { '@entity': ['sync_rate can only be used with the redis policy'] }],
  [{ minute: 5, policy: 'redis', redis: { host: 'h' }, sync_rate: 0.01 }, { '@entity': ['sync_rate must be greater than 0.02, or -1 to disable'] }],
  [{ minute: 5, redis: { host: 'h', sentinel_master: 'x' } }, { config: { redis: { sentinel_master: 'unknown field' } } }],
  [{ minute: 5, error_code: 0 }, { config: { error_code: expect.any(String) } }],
  [{ minute: 5, unknown: 1 }, { config: { unknown: 'unknown field' } }],
]

describe('rate-limiting config refused', () => {
  it.each(RL_REFUSED)('%j', (config, error) => {
    expect(refusal('rate-limiting', config)).toMatchObject({ fields: { plugins: [error] } })
  })

  it.each([
    [{ second: 1 }], [{ minute: 5, hour: 5 }], [{ year: 1e9 }], [{ minute: 5, policy: 'redis', redis: { host: '127.0.0.1' } }],
    [{ minute: 5, policy: 'redis', redis: { host: 'h' }, sync_rate: 0.02 }], [{ minute: 5, policy: 'redis', redis_host: 'h', redis_port: 6380 }],
    [{ minute: 5, limit_by: 'header', header_name: 'x-team' }], [{ minute: 5, limit_by: 'path', path: '/a' }],
  ])('accepts %j', (config) => {
    expect(registry.check('rate-limiting', config).ok).toBe(true)
  })

  it('the flat redis_* shorthands fill the redis record', () => {
    const r = registry.check('rate-limiting', { minute: 5, policy: 'redis', redis_host: 'h', redis_port: 6380, redis_database: 2, redis_timeout: 50 })
    expect(r.ok).toBe(true)
    const plan = planOf((r as unknown as { value: RateLimitingConf }).value)
    expect(plan.redis).toMatchObject({ host: 'h', port: 6380, database: 2, timeout: 50 })
  })
})

const P = (name: string, limit: unknown[] = [100], window_size: unknown[] = [60]) => ({ name, limit, window_size })
const AI_REFUSED: [Record<string, unknown>, unknown][] = [
  [{}, { config: { llm_providers: 'required field missing' } }],
  [{ llm_providers: [] }, { config: { llm_providers: 'length must be at least 1' } }],
  [{ llm_providers: [P('openai'), P('openai')] }, { config: "Provider 'openai' is not unique" }],
  [{ llm_providers: [P('nope')] }, { config: { llm_providers: [{ name: expect.stringContaining('expected one of') }] } }],
  [{ llm_providers: [P('openai', [100, 200], [60])] }, { config: { llm_providers: [{ window_size: expect.any(String) }] } }],
  [{ llm_providers: [P('openai', [], [])] }, { config: { llm_providers: [{ window_size: expect.any(String) }] } }],
  [{ llm_providers: [P('openai', [0])] }, { config: { llm_providers: [{ limit: { 0: expect.any(String) } }] } }],
  [{ llm_providers: [P('openai', [10], [1.5])] }, { config: { llm_providers: [{ window_size: { 0: expect.any(String) } }] } }],
  [{ llm_providers: [P('openai'), P('requestPrompt')] }, { config: { llm_providers: [null, { name: expect.stringContaining('Lua') }] } }],
  [{ llm_providers: [P('openai')], identifier: 'header' }, { config: 'No header name provided' }],
  [{ llm_providers: [P('openai')], identifier: 'path' }, { config: 'No path provided' }],
  [{ llm_providers: [P('openai')], strategy: 'redis', sync_rate: 0 }, { config: 'No redis config provided' }],
  [{ llm_providers: [P('openai')], sync_rate: 1 }, { config: 'sync_rate cannot be configured when using a local strategy' }],
  [{ llm_providers: [P('openai')], strategy: 'redis', redis: { host: 'h' } }, { config: 'sync_rate is required if not using a local strategy' }],
  [{ llm_providers: [P('openai')], strategy: 'redis', redis: { host: 'h' }, sync_rate: 0.01 }, { config: "Config option 'sync_rate' must not be a decimal between 0 and 0.02" }],
  [{ llm_providers: [P('openai')], retry_after_jitter_max: -1 }, { config: 'Non-negative retry_after_jitter_max value is expected' }],
  [{ llm_providers: [P('openai')], strategy: 'cluster' }, { config: { strategy: expect.stringContaining('expected one of') } }],
  [{ llm_providers: [P('openai')], window_type: 'rolling' }, { config: { window_type: expect.stringContaining('expected one of') } }],
  [{ llm_providers: [P('openai')], tokens_count_strategy: 'words' }, { config: { tokens_count_strategy: expect.stringContaining('expected one of') } }],
]

describe('ai-rate-limiting-advanced config refused', () => {
  it.each(AI_REFUSED)('%j', (config, error) => {
    expect(refusal('ai-rate-limiting-advanced', config)).toMatchObject({ fields: { plugins: [error] } })
  })

  it.each([
    [{ llm_providers: [P('openai')] }],
    [{ llm_providers: [P('openai', [100, 5000], [60, 3600]), P('anthropic')], window_type: 'fixed', tokens_count_strategy: 'cost' }],
    [{ llm_providers: [P('gemini')], strategy: 'redis', redis: { host: 'h' }, sync_rate: 0 }],
    [{ llm_providers: [P('bedrock')], strategy: 'redis', redis: { host: 'h' }, sync_rate: -1 }],
    [{ llm_providers: [P('openai')], sync_rate: -1 }],
  ])('accepts %j', (config) => {
    expect(registry.check('ai-rate-limiting-advanced', config).ok).toBe(true)
  })
})
