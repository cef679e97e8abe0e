// ai-proxy-advanced config: Kong's defaults, each target's llm checks under targets[i], and the
// plugin's own entity checks (kong-ai-features.md §3).
import { describe, expect, it } from 'vitest'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import plugin from '../../../plugins/ai-proxy-advanced/index.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'

const registry = new PluginRegistry([plugin as AnyPlugin])
const check = (config: Record<string, unknown>) => registry.check('ai-proxy-advanced', config)
const openai = (extra: Record<string, unknown> = {}) => ({ route_type: 'llm/v1/chat', model: { provider: 'openai', name: 'gpt-4o' }, ...extra })

function errorsOf(config: Record<string, unknown>): Record<string, any> {
  const r = check(config)
  expect(r.ok).toBe(false)
  return r.ok ? {} : (r.errors as Record<string, any>)
}

describe('ai-proxy-advanced schema', () => {
  it("fills Kong's defaults", () => {
    const r = check({ targets: [openai()] })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value).toMatchObject({
      llm_format: 'openai', response_streaming: 'allow', max_request_body_size: 1048576, model_name_header: true, genai_category: 'text/generation',
      balancer: {
        algorithm: 'round-robin', tokens_count_strategy: 'total-tokens', latency_strategy: 'tpot', hash_on_header: 'X-Kong-LLM-Request-ID',
        slots: 10000, retries: 5, connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000,
        failover_criteria: ['error', 'timeout'], max_fails: 0, fail_timeout: 10000,
      },
      targets: [{ weight: 100, logging: { log_statistics: false, log_payloads: false }, auth: { allow_override: false }, model: { options: { azure_api_version: '2023-05-15' } } }],
    })
  })

  it('checks ranges and enums', () => {
    const e = errorsOf({ targets: [openai({ weight: 0 })], balancer: { algorithm: 'random', retries: -1, slots: 5, failover_criteria: ['http_418'] } })
    expect(Object.keys(e.balancer).sort()).toEqual(['algorithm', 'failover_criteria', 'retries', 'slots'])
    expect(e.targets[0].weight).toBeTypeOf('string')
  })

  it('reports a target\'s llm checks under targets[i]', () => {
    const e = errorsOf({ targets: [openai(), { route_type: 'llm/v1/chat', model: { provider: 'anthropic' } }] })
    expect(e.targets[0]).toBeNull()
    expect(e.targets[1]['@entity']).toEqual(["must set 'model.options.anthropic_version' for anthropic provider"])
  })

  it('refuses mixed route types', () => {
    expect(errorsOf({ targets: [openai(), openai({ route_type: 'llm/v1/completions' })] })['@entity'])
      .toEqual(['mixing different route types are not supported'])
  })

  it('allows mixed providers (3.10)', () => {
    expect(check({ targets: [openai(), { route_type: 'llm/v1/chat', model: { provider: 'mistral', name: 'm', options: { mistral_format: 'openai' } } }] }).ok).toBe(true)
  })

  it('needs descriptions, embeddings and vectordb for semantic routing', () => {
    expect(errorsOf({ targets: [openai({ description: 'math' }), openai()], balancer: { algorithm: 'semantic' } })['@entity']).toEqual([
      'description field is required for every target in config.targets array',
      "must set 'embeddings' for semantic algorithm",
      "must set 'vectordb' for semantic algorithm",
    ])
    expect(check({
      targets: [openai({ description: 'math' }), openai({ description: 'CATCHALL' })],
      balancer: { algorithm: 'semantic' },
      embeddings: { model: { provider: 'openai', name: 'text-embedding-3-small' } },
      vectordb: { strategy: 'pgvector', dimensions: 3, distance_metric: 'cosine', threshold: 0.2 },
    }).ok).toBe(true)
  })
})
