// ai-semantic-cache config: Kong's defaults, and bad values refused at load with their field path.
import { describe, expect, it } from 'vitest'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import plugin from '../../../plugins/ai-semantic-cache/index.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'

const registry = new PluginRegistry([plugin as AnyPlugin])
const check = (config: Record<string, unknown>) => registry.check('ai-semantic-cache', config)
const EMBEDDINGS = { model: { provider: 'openai', name: 'text-embedding-3-small' } }
const VDB = { strategy: 'pgvector', dimensions: 3, distance_metric: 'cosine' }
const base = (extra: Record<string, unknown> = {}) => ({ embeddings: EMBEDDINGS, vectordb: VDB, ...extra })

describe('ai-semantic-cache schema', () => {
  it('runs after ai-proxy (765 < 770)', () => {
    expect(plugin.priority).toBe(765)
  })

  it("fills Kong's defaults", () => {
    const r = check(base())
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value).toMatchObject({
      cache_ttl: 300, cache_control: false, exact_caching: false, message_countback: 1,
      ignore_system_prompts: false, ignore_assistant_prompts: false, ignore_tool_prompts: false,
      stop_on_failure: false, llm_format: 'openai',
    })
  })

  it.each([
    ['no embeddings', { embeddings: undefined }, ['embeddings']],
    ['no vectordb', { vectordb: undefined }, ['vectordb']],
    ['an unknown strategy', { vectordb: { ...VDB, strategy: 'qdrant' } }, ['vectordb']],
    ['an unknown metric', { vectordb: { ...VDB, distance_metric: 'manhattan' } }, ['vectordb']],
    ['dimensions 0', { vectordb: { ...VDB, dimensions: 0 } }, ['vectordb']],
    ['cache_ttl 0', { cache_ttl: 0 }, ['cache_ttl']],
    ['message_countback 0', { message_countback: 0 }, ['message_countback']],
    ['message_countback 1001', { message_countback: 1001 }, ['message_countback']],
    ['an embeddings provider without embeddings', { embeddings: { model: { provider: 'anthropic', name: 'x' } } }, ['embeddings']],
    ['an unknown field', { cache_key: 'x' }, ['cache_key']],
    ['a bad llm_format', { llm_format: 'soap' }, ['llm_format']],
  ])('refuses %s with its field path', (_name, extra, fields) => {
    const r = check(base(extra))
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(Object.keys(r.errors as Record<string, unknown>)).toEqual(fields)
  })
})
