// Metric labels a client can steer cannot grow memory without bound: the model name (a client may
// pick it when the config does not) is cut and, past MAX_MODELS per worker, counted under `other`;
// outcomes waiting for a log phase that never comes are capped; hostile names stay valid text.
import { beforeEach, describe, expect, it } from 'vitest'
import { MAX_MODEL_LABEL, MAX_MODELS, MAX_PARKED, OVERFLOW_MODEL, parkOutcome, parkedCount, recordAi, setAiMetricsWanted } from '../../plugins/prometheus/ai-metrics.ts'
import { threadRegistry } from '../../core/status/metric-family.ts'
import { NodeMetrics } from '../../core/status/node-metrics.ts'
import { threadSnapshot } from '../../core/status/thread-snapshot.ts'
import type { LlmOutcome } from '../../plugins/llm/outcome/llm-outcome.ts'
import { parseMetrics, samples, total } from '../plugins/prometheus/scrape.ts'

let seq = 0
function outcome(model: string | null, over: Partial<LlmOutcome> = {}): LlmOutcome {
  return {
    ending: 'complete', response: 'passthrough', status: 200, requestId: `req-${++seq}`, pluginId: 'p', provider: 'openai',
    requestModel: model, responseModel: model, stream: false, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    cost: 0, latencyMs: 5, targetLatencyMs: 4, timeToFirstTokenMs: null, tried: [0], cache: 'none', ...over,
  }
}
const count = (o: LlmOutcome): void => { parkOutcome(o); recordAi(o.requestId, '') }
const scrape = async () => parseMetrics(await new NodeMetrics(async () => [await threadSnapshot()]).text())

beforeEach(() => setAiMetricsWanted(true))

describe('AI metric labels from client input', () => {
  it.each([
    ['a quote and a backslash', 'gpt"\\x'],
    ['a newline', 'gpt\n# TYPE evil counter\nevil 1'],
    ['label syntax', 'x",consumer="admin'],
    ['unicode', 'modèle-😀'],
    ['__proto__', '__proto__'], ['constructor', 'constructor'], ['prototype', 'prototype'], ['hasOwnProperty', 'hasOwnProperty'],
  ])('%s: one series, the name read back as sent', async (_, model) => {
    count(outcome(model))
    const m = await scrape()
    expect(samples(m, 'kong_ai_llm_requests_total', { ai_model: model })).toHaveLength(1)
    expect(m.families.has('evil')).toBe(false)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('a long model name is cut', async () => {
    count(outcome('m'.repeat(100_000)))
    const m = await scrape()
    expect(samples(m, 'kong_ai_llm_requests_total', { ai_model: 'm'.repeat(MAX_MODEL_LABEL) })).toHaveLength(1)
  })

  it(`past ${MAX_MODELS} models a worker counts new names under "${OVERFLOW_MODEL}", losing no request or token`, async () => {
    const before = total(await scrape(), 'kong_ai_llm_requests_total')
    const extra = MAX_MODELS + 300
    for (let i = 0; i < extra; i++) count(outcome(`flood-${i}`))
    const m = await scrape()
    expect(samples(m, 'kong_ai_llm_requests_total').length).toBeLessThanOrEqual(MAX_MODELS + 1)
    expect(total(m, 'kong_ai_llm_requests_total')).toBe(before + extra)
    expect(total(m, 'kong_ai_llm_requests_total', { ai_model: OVERFLOW_MODEL })).toBeGreaterThanOrEqual(300)
    expect(total(m, 'kong_ai_llm_tokens_total', { ai_model: OVERFLOW_MODEL, token_type: 'total_tokens' })).toBe(3 * total(m, 'kong_ai_llm_requests_total', { ai_model: OVERFLOW_MODEL }))
    expect(threadRegistry.getSingleMetric('kong_ai_llm_requests_total')).toBeDefined()
  })
})

describe('outcomes waiting for their log phase', () => {
  it(`are capped at ${MAX_PARKED} (the oldest go first)`, () => {
    for (let i = 0; i < MAX_PARKED * 3; i++) parkOutcome(outcome('never-logged'))
    expect(parkedCount()).toBe(MAX_PARKED)
  })

  it('are not kept at all when no prometheus config counts AI metrics', () => {
    setAiMetricsWanted(false)
    expect(parkedCount()).toBe(0)
    for (let i = 0; i < 10; i++) parkOutcome(outcome('x'))
    expect(parkedCount()).toBe(0)
  })
})
