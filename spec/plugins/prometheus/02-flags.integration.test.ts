// The prometheus plugin's flags, as Kong's: all default to false (only the node gauges then), each
// turns on its own families, per_consumer fills the consumer label, and a bad config is refused at
// load with the field path.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi } from '../llm/helpers/fake-openai.ts'
import { parseMetrics, samples, total, type Scrape } from './scrape.ts'

let up: FakeUpstream
let oai: FakeUpstream
let gw: TestGateway

const messages = [{ role: 'user', content: 'hi' }]

beforeAll(async () => {
  up = await startUpstream()
  oai = await startFakeOpenAi()
  // tokens need log_statistics, as in Kong (without it the answer's usage is not read)
  const llm = { route_type: 'llm/v1/chat', logging: { log_statistics: true, log_payloads: false }, auth: { header_name: 'Authorization', header_value: 'Bearer sk' }, model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${oai.url}/v1/chat/completions` } } }
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    consumers: [{ username: 'carol', keyauth_credentials: [{ key: 'carol-key' }] }],
    services: [{ name: 's', url: up.url, routes: ['defaults', 'codes', 'latency', 'bytes', 'ai-off', 'ai-on'].map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      { name: 'key-auth', config: {} },
      { name: 'prometheus', route: 'defaults', config: {} },
      { name: 'prometheus', route: 'codes', config: { status_code_metrics: true } },
      { name: 'prometheus', route: 'latency', config: { latency_metrics: true, per_consumer: true } },
      { name: 'prometheus', route: 'bytes', config: { bandwidth_metrics: true, per_consumer: true } },
      { name: 'prometheus', route: 'ai-off', config: { status_code_metrics: true } },
      { name: 'prometheus', route: 'ai-on', config: { ai_metrics: true } },
      { name: 'ai-proxy', route: 'ai-off', config: llm },
      { name: 'ai-proxy', route: 'ai-on', config: llm },
    ],
  }))
})
afterAll(async () => {
  await gw?.close()
  await up?.close()
  await oai?.close()
})

async function hit(path: string, body?: unknown): Promise<void> {
  const res = await request(`${gw.proxy}${path}`, { method: body ? 'POST' : 'GET', headers: { apikey: 'carol-key', 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined })
  expect(res.statusCode).toBe(200)
  await res.body.dump()
}

async function scrapeWhen(ready: (m: Scrape) => boolean): Promise<Scrape> {
  let last: Scrape | null = null
  await vi.waitFor(async () => {
    const res = await request(`${gw.admin}/metrics`)
    last = parseMetrics(await res.body.text())
    expect(ready(last)).toBe(true)
  }, { timeout: 10_000, interval: 50 })
  return last!
}

describe('prometheus flags', () => {
  it('each flag turns on its own families only, per route config', async () => {
    for (const r of ['defaults', 'codes', 'latency', 'bytes']) await hit(`/${r}`)
    await hit('/ai-off', { messages })
    await hit('/ai-on', { messages })
    const m = await scrapeWhen((x) => total(x, 'kong_http_requests_total') === 2 && total(x, 'kong_ai_llm_requests_total') === 1
      && total(x, 'kong_request_latency_ms_count') === 1 && total(x, 'kong_bandwidth_bytes') > 0)
    // defaults (all false): nothing for that route
    for (const name of ['kong_http_requests_total', 'kong_kong_latency_ms_count', 'kong_bandwidth_bytes']) expect(samples(m, name, { route: 'defaults' })).toEqual([])
    // status codes: without per_consumer the consumer label is empty
    expect(samples(m, 'kong_http_requests_total').map((s) => [s.labels!.route, s.labels!.consumer])).toEqual([['codes', ''], ['ai-off', '']])
    // latency: the three histograms for that route only
    for (const h of ['kong_kong_latency_ms_count', 'kong_upstream_latency_ms_count', 'kong_request_latency_ms_count']) {
      expect(samples(m, h).map((s) => s.labels!.route)).toEqual(['latency'])
    }
    // bandwidth with per_consumer: the consumer's username
    expect(new Set(samples(m, 'kong_bandwidth_bytes').map((s) => `${s.labels!.route}/${s.labels!.consumer}/${s.labels!.direction}`)))
      .toEqual(new Set(['bytes/carol/ingress', 'bytes/carol/egress']))
    expect(total(m, 'kong_bandwidth_bytes', { direction: 'egress' })).toBeGreaterThan(0)
    // ai_metrics on one route only: the other AI route's outcome is not counted
    expect(samples(m, 'kong_ai_llm_requests_total').map((s) => [s.labels!.ai_model, s.labels!.consumer])).toEqual([['gpt-4o-mini', '']])
    expect(total(m, 'kong_ai_llm_tokens_total', { token_type: 'total_tokens' })).toBe(37)
    // the node gauges are always there
    expect(samples(m, 'kong_node_info')).toHaveLength(1)
  })

  it.each([
    [{ bogus: true }, 'bogus', 'unknown field'],
    [{ per_consumer: 'yes' }, 'per_consumer', 'expected a boolean'],
    [{ ai_metrics: 1 }, 'ai_metrics', 'expected a boolean'],
  ])('a bad config %o is refused at load with the field path', async (config, field, message) => {
    const res = await request(`${gw.admin}/config`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _format_version: '3.0', plugins: [{ name: 'prometheus', config }] }),
    })
    expect(res.statusCode).toBe(400)
    const body = await res.body.json() as { fields: { plugins: { config: Record<string, string> }[] } }
    expect(body.fields.plugins[0]!.config[field]).toBe(message)
  })
})
