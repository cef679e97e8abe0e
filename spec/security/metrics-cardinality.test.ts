// Metric labels a client can steer cannot grow memory without bound: the model name (a client may
// pick it when the config does not) is cut and, past MAX_MODELS per worker, counted under `other`;
// the series cached per model are capped whatever the client, the upstream or config reloads send
// (past the cap a series is found through its family, so counts stay exact); hostile names stay
// valid text.
import { describe, expect, it } from 'vitest'
import { cachedAi, MAX_CONSUMERS_PER_MODEL, MAX_MODEL_LABEL, MAX_MODELS, OVERFLOW_MODEL, recordAi } from '../../plugins/prometheus/ai-metrics.ts'
import { threadRegistry } from '../../core/status/metric-family.ts'
import { cachedFor, MAX_CACHED_CODES, MAX_CACHED_CONSUMERS } from '../../plugins/prometheus/http-metrics.ts'
import prometheus from '../../plugins/prometheus/index.ts'
import type { AnyPlugin } from '../../core/plugins/contract.ts'
import type { Consumer, Entities, PluginEntity, Route, Service } from '../../core/config/types.ts'
import { RequestContext } from '../../core/runloop/context.ts'
import { buildPlans } from '../../core/runloop/plan.ts'
import { runPhase } from '../../core/runloop/runner.ts'
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
const count = (o: LlmOutcome, consumer = ''): void => recordAi(o, consumer)
const scrape = async () => parseMetrics(await new NodeMetrics(async () => [await threadSnapshot()]).text())

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

describe('the series cached per worker', () => {
  // each source of distinct values, a thousand and more of them: how many requests, and the outcome and consumer of the i-th
  const FLOODS: ReadonlyArray<readonly [what: string, n: number, make: (i: number) => [LlmOutcome, string]]> = [
    ['client model names', MAX_MODELS + 700, (i) => [outcome(`client-${i}`), '']],
    ['long client model names', 600, (i) => [outcome(`${i}-`.padEnd(5000, 'x')), '']],
    ['model names the upstream answers with', 1500, (i) => [outcome('gpt-4o-mini', { responseModel: `upstream-${i}` }), '']],
    ['consumers (config reloads)', MAX_CONSUMERS_PER_MODEL + 300, (i) => [outcome('gpt-4o-mini'), `consumer-${i}`]],
    ['consumers on a cached answer', MAX_CONSUMERS_PER_MODEL + 300, (i) => [outcome('gpt-4o-mini', { cache: 'hit' }), `cached-${i}`]],
    ['consumers and models at once', MAX_MODELS + MAX_CONSUMERS_PER_MODEL, (i) => [outcome(`both-${i}`), `both-${i}`]],
  ]

  it.each(FLOODS)('%s: bounded, every request counted', async (_what, n, make) => {
    const before = total(await scrape(), 'kong_ai_llm_requests_total')
    const cached = cachedAi().series
    for (let i = 0; i < n; i++) { const [o, consumer] = make(i); count(o, consumer) }
    const filled = cachedAi()
    expect(filled.models).toBeLessThanOrEqual(MAX_MODELS)
    expect(filled.series - cached).toBeLessThanOrEqual(MAX_MODELS + MAX_CONSUMERS_PER_MODEL)
    // saturated: more new values of the same kind cache nothing more
    for (let i = n; i < n + 200; i++) { const [o, consumer] = make(i); count(o, consumer) }
    expect(cachedAi()).toEqual(filled)
    expect(total(await scrape(), 'kong_ai_llm_requests_total')).toBe(before + n + 200)
  })
})

describe('the request series cached per route', () => {
  const service: Service = {
    id: 'svc', name: 'svc', protocol: 'http', host: 'upstream.test', port: 80, path: null, retries: 5,
    connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true, tls_verify: null, tags: null,
  }
  const routeNamed = (name: string): Route => ({
    id: name, name, service: { id: 'svc' }, protocols: ['http', 'https'], methods: null, hosts: null, paths: ['/'],
    headers: null, snis: null, strip_path: false, preserve_host: false, path_handling: 'v0', regex_priority: 0,
    https_redirect_status_code: 426, request_buffering: true, response_buffering: true, tags: null,
  })
  const config = { per_consumer: true, status_code_metrics: true, latency_metrics: false, bandwidth_metrics: true,
    upstream_health_metrics: false, ai_metrics: true, wasm_metrics: false }

  /** The prometheus log phase of one request on `route`, through the real runner and PDK. */
  function served(route: Route, consumer: Consumer | null, status: number): void {
    const entities: Entities = {
      services: [service], routes: [route], consumers: [], keyauth_credentials: [], basicauth_credentials: [], acls: [],
      plugins: [{ id: 'p0', name: 'prometheus', instance_name: null, config, enabled: true, protocols: ['http', 'https'],
        route: { id: route.id }, service: null, consumer: null, tags: null } as PluginEntity],
    }
    const log = buildPlans(entities, [prometheus as AnyPlugin]).byRoute.get(route.id)!.collected!.log!
    const ctx = new RequestContext('GET', '/', '', { host: 'gw.test' }, '127.0.0.1', 8000, 0)
    ctx.route = route
    ctx.service = service
    ctx.consumer = consumer
    ctx.status = status
    ctx.endAt = ctx.start + 1
    void runPhase(ctx, log, 'log')
  }
  const consumer = (name: string): Consumer => ({ id: name, username: name, custom_id: null, tags: null })

  // a config with many consumers (or many reloads), and statuses a hostile upstream picks (any 3 digits)
  const FLOODS: ReadonlyArray<readonly [what: string, n: number, make: (i: number) => [Consumer | null, number]]> = [
    ['consumers', MAX_CACHED_CONSUMERS + 300, (i) => [consumer(`c-${i}`), 200]],
    ['upstream statuses', 900, (i) => [null, 100 + (i % 900)]],
    ['consumers × statuses', MAX_CACHED_CONSUMERS + 300, (i) => [consumer(`cs-${i}`), 100 + (i % 900)]],
    ['__proto__ and friends as consumer names', 4, (i) => [consumer(['__proto__', 'constructor', 'prototype', 'toString'][i]!), 200]],
  ]

  it.each(FLOODS)('%s: bounded, every request counted', async (what, n, make) => {
    const route = routeNamed(`flood-${what}`)
    for (let i = 0; i < n; i++) served(route, ...make(i))
    const filled = cachedFor(route)!
    expect(filled.consumers).toBeLessThanOrEqual(MAX_CACHED_CONSUMERS)
    expect(filled.codes).toBeLessThanOrEqual((filled.consumers + 1) * MAX_CACHED_CODES)
    for (let i = n; i < n + 100; i++) served(route, ...make(i))
    if (n > MAX_CACHED_CONSUMERS || n > MAX_CACHED_CODES) expect(cachedFor(route)).toEqual(filled)
    const m = await scrape()
    expect(total(m, 'kong_http_requests_total', { route: route.name! })).toBe(n + 100)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
