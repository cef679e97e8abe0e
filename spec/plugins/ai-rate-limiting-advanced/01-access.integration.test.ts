// ai-rate-limiting-advanced (local strategy) through a real gateway with ai-proxy in front of a fake
// OpenAI (known usage: 25 prompt + 12 completion = 37 tokens per JSON answer, 14 per stream with
// usage): Kong's X-AI-RateLimit-* headers, the 429 before the provider is called, counting from
// each exchange's outcome, fixed and sliding windows on a set clock, cost, hidden headers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import type { FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi } from '../llm/helpers/fake-openai.ts'
import { setClock } from '../../../plugins/rate-limit-counters/clock.ts'

const T0 = Date.UTC(2026, 0, 15, 12, 30, 0) // the start of a minute
let now = T0
setClock(() => now)
afterAll(() => setClock(null))

let gw: TestGateway
let oai: FakeUpstream
let configText = ''
const ROUTES: Record<string, Record<string, unknown>> = {
  fixed: { llm_providers: [{ name: 'openai', limit: [100], window_size: [60] }], window_type: 'fixed', identifier: 'ip' },
  windows: { llm_providers: [{ name: 'openai', limit: [50, 1000], window_size: [60, 3600] }], window_type: 'fixed', tokens_count_strategy: 'prompt_tokens' },
  cost: { llm_providers: [{ name: 'openai', limit: [0.0003], window_size: [60] }], window_type: 'fixed', tokens_count_strategy: 'cost' },
  stream: { llm_providers: [{ name: 'openai', limit: [20], window_size: [60] }], window_type: 'fixed' },
  sliding: { llm_providers: [{ name: 'openai', limit: [100], window_size: [60] }] },
  hidden: { llm_providers: [{ name: 'openai', limit: [30], window_size: [60] }], window_type: 'fixed', hide_client_headers: true, error_code: 403, error_message: 'budget spent: ' },
  byheader: { llm_providers: [{ name: 'openai', limit: [30], window_size: [60] }], window_type: 'fixed', identifier: 'header', header_name: 'x-team' },
  twoproviders: { llm_providers: [{ name: 'anthropic', limit: [1000], window_size: [60] }, { name: 'openai', limit: [30], window_size: [60] }], window_type: 'fixed' },
}

beforeAll(async () => {
  oai = await startFakeOpenAi()
  const names = Object.keys(ROUTES)
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: names.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: names.flatMap((r, i) => [
      { id: `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`, name: 'ai-rate-limiting-advanced', route: r, config: ROUTES[r] },
      { name: 'ai-proxy', route: r, config: {
        route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' },
        model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${oai.url}/v1/chat/completions`, input_cost: 2, output_cost: 8 } },
      } },
    ]),
  }
  configText = JSON.stringify(config)
  gw = await startGateway(configText)
})
afterAll(async () => { await gw.close(); await oai.close() })
afterEach(() => { now = T0 })

async function chat(route: string, opts: { stream?: boolean; headers?: Record<string, string> } = {}) {
  const body = { messages: [{ role: 'user', content: 'hi' }], ...(opts.stream && { stream: true, stream_options: { include_usage: true } }) }
  const res = await request(`${gw.proxy}/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...opts.headers }, body: JSON.stringify(body) })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, text }
}

describe('ai-rate-limiting-advanced: counting and refusing', () => {
  it('fixed window: admitted while usage <= limit, the crossing exchange completes, the next is refused before the provider is called', async () => {
    const remaining: string[] = []
    for (let i = 0; i < 3; i++) {
      const r = await chat('fixed')
      expect(r.status).toBe(200)
      expect(r.headers['x-ai-ratelimit-limit-minute-openai']).toBe('100')
      remaining.push(String(r.headers['x-ai-ratelimit-remaining-minute-openai']))
    }
    // computed before each request's own tokens are known: 100, 100-37, 100-74
    expect(remaining).toEqual(['100', '63', '26'])
    const calls = oai.received.length
    const refused = await chat('fixed')
    expect(refused.status).toBe(429)
    expect(JSON.parse(refused.text)).toEqual({ message: 'AI token rate limit exceeded for provider(s): openai' })
    expect(oai.received.length).toBe(calls)
    expect(refused.headers['x-ai-ratelimit-remaining-minute-openai']).toBe('0')
    expect(refused.headers['x-ai-ratelimit-reset-minute-openai']).toBe('60')
    expect(refused.headers['x-ai-ratelimit-retry-after-minute-openai']).toBe('60')
    expect(refused.headers['x-ai-ratelimit-reset']).toBe('60')
    expect(refused.headers['x-ai-ratelimit-retry-after']).toBe('60')
    // the next minute starts from zero
    now += 60_000
    const next = await chat('fixed')
    expect(next.status).toBe(200)
    expect(next.headers['x-ai-ratelimit-remaining-minute-openai']).toBe('100')
  })

  it('several windows per provider, prompt_tokens: a header pair per window', async () => {
    now = T0 + 3_600_000
    const a = await chat('windows')
    expect(a.headers['x-ai-ratelimit-limit-minute-openai']).toBe('50')
    expect(a.headers['x-ai-ratelimit-limit-hour-openai']).toBe('1000')
    const b = await chat('windows')
    expect(b.headers['x-ai-ratelimit-remaining-minute-openai']).toBe('25')
    expect(b.headers['x-ai-ratelimit-remaining-hour-openai']).toBe('975')
    expect((await chat('windows')).status).toBe(200) // 50 <= 50
    const c = await chat('windows')
    expect(c.status).toBe(429)
    expect(c.headers['x-ai-ratelimit-reset-minute-openai']).toBeDefined()
    expect(c.headers['x-ai-ratelimit-reset-hour-openai']).toBeUndefined()
  })

  it('cost: (25 × 2 + 12 × 8) / 1e6 per answer, remaining not floored', async () => {
    now = T0 + 2 * 3_600_000
    expect((await chat('cost')).headers['x-ai-ratelimit-remaining-minute-openai']).toBe('0.0003')
    const b = await chat('cost')
    expect(Number(b.headers['x-ai-ratelimit-remaining-minute-openai'])).toBeCloseTo(0.0003 - 0.000146, 9)
    expect((await chat('cost')).status).toBe(200)
    expect((await chat('cost')).status).toBe(429)
  })

  it('streams count the usage of the stream (14 tokens)', async () => {
    now = T0 + 3 * 3_600_000
    const a = await chat('stream', { stream: true })
    expect(a.status).toBe(200)
    expect(a.text).toContain('data: [DONE]')
    const b = await chat('stream', { stream: true })
    expect(b.headers['x-ai-ratelimit-remaining-minute-openai']).toBe('6')
    expect((await chat('stream', { stream: true })).status).toBe(429)
  })

  it('sliding: the previous window weighs in by the part of it still inside the sliding window', async () => {
    now = T0 + 4 * 3_600_000
    for (let i = 0; i < 3; i++) expect((await chat('sliding')).status).toBe(200) // 111 tokens
    now += 60_000 // next window, nothing elapsed: 111 × 60/60 > 100
    const refused = await chat('sliding')
    expect(refused.status).toBe(429)
    // reset 60 s + ceil((111 - 100) / (111 + 100) × 60) = 64
    expect(refused.headers['x-ai-ratelimit-reset-minute-openai']).toBe('64')
    now += 30_000 // half way: 111 × 0.5 = 55.5
    const ok = await chat('sliding')
    expect(ok.status).toBe(200)
    expect(ok.headers['x-ai-ratelimit-remaining-minute-openai']).toBe('44')
  })

  it('hide_client_headers: only X-AI-RateLimit-Reset and -Retry-After on the refusal; error_code and error_message', async () => {
    now = T0 + 5 * 3_600_000
    const a = await chat('hidden')
    expect(Object.keys(a.headers).filter((h) => /ratelimit/i.test(h))).toEqual([])
    const b = await chat('hidden')
    expect(b.status).toBe(403)
    expect(JSON.parse(b.text)).toEqual({ message: 'budget spent: openai' })
    expect(Object.keys(b.headers).filter((h) => /ratelimit/i.test(h)).sort()).toEqual(['x-ai-ratelimit-reset', 'x-ai-ratelimit-retry-after'])
  })

  it('identifier header: each value has its own budget', async () => {
    now = T0 + 6 * 3_600_000
    expect((await chat('byheader', { headers: { 'x-team': 'a' } })).status).toBe(200)
    expect((await chat('byheader', { headers: { 'x-team': 'a' } })).status).toBe(429)
    expect((await chat('byheader', { headers: { 'x-team': 'b' } })).status).toBe(200)
  })

  it("usage counts for the provider that answered; every configured provider's windows are shown", async () => {
    now = T0 + 7 * 3_600_000
    const a = await chat('twoproviders')
    expect(a.headers['x-ai-ratelimit-limit-minute-anthropic']).toBe('1000')
    const b = await chat('twoproviders')
    expect(b.status).toBe(429)
    expect(b.headers['x-ai-ratelimit-remaining-minute-anthropic']).toBe('1000')
    expect(JSON.parse(b.text)).toEqual({ message: 'AI token rate limit exceeded for provider(s): openai' })
  })
})

describe('ai-rate-limiting-advanced: counters survive a config reload', () => {
  it('same plugin ids and limits: the usage counted before POST /config still counts after it', async () => {
    now = T0 + 8 * 3_600_000
    expect((await chat('fixed')).headers['x-ai-ratelimit-remaining-minute-openai']).toBe('100')
    const res = await request(`${gw.admin}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ config: configText }) })
    await res.body.text()
    expect(res.statusCode).toBe(201)
    expect((await chat('fixed')).headers['x-ai-ratelimit-remaining-minute-openai']).toBe('63')
  })
})
