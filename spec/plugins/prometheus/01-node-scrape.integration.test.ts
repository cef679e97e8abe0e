// One scrape shows the whole node: a gateway with 2 worker threads in front of fake upstreams and
// fake LLM providers on 127.0.0.1, requests over fresh connections (the kernel spreads them over
// both workers) across routes, consumers and providers (JSON, a stream, a native format, an
// ai-proxy-advanced failover, a stream the client aborts), then scrapes of the Admin API and of
// the Status API, read with a real Prometheus text parser. A config reload keeps the counts.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Agent, request } from 'undici'
import { request as httpRequest } from 'node:http'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { closedPort, startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi, chatStream, CHAT_ANSWER } from '../llm/helpers/fake-openai.ts'
import { ANTHROPIC_KEY, ANTHROPIC_VERSION, MESSAGE_ANSWER, startFakeAnthropic } from '../llm/helpers/fake-anthropic.ts'
import { parseMetrics, samples, total, type Scrape } from './scrape.ts'
import { fileURLToPath } from 'node:url'

/** the test plugin that ends the worker thread serving a request (spec/security/worker-crash.integration.test.ts) */
const CRASH_PLUGIN = fileURLToPath(new URL('../../security/worker-crash.plugin.ts', import.meta.url))

let gw: TestGateway
let echo: FakeUpstream
let oai: FakeUpstream
let anth: FakeUpstream
let hold: FakeUpstream
const held = new Set<() => void>()
let statusUrl: string

const COST = { input_cost: 2, output_cost: 8 }
const messages = [{ role: 'user', content: 'What is 1 + 1?' }]
const oaiAuth = { header_name: 'Authorization', header_value: 'Bearer sk-up' }
const anthAuth = { header_name: 'x-api-key', header_value: ANTHROPIC_KEY }
const STATS = { log_statistics: true, log_payloads: false }

function config(extraRoute = false) {
  const anthModel = { provider: 'anthropic', name: 'claude-2.1', options: { max_tokens: 256, anthropic_version: ANTHROPIC_VERSION, upstream_url: `${anth.url}/v1/messages` } }
  const openai = (path: string, name: string) => ({ provider: 'openai', name, options: { upstream_url: `${oai.url}${path}`, ...COST } })
  const proxy = (route: string, model: object, extra: object = {}) =>
    ({ name: 'ai-proxy', route, config: { route_type: 'llm/v1/chat', auth: oaiAuth, logging: STATS, model, ...extra } })
  return JSON.stringify({
    _format_version: '3.0',
    consumers: [
      { username: 'alice', keyauth_credentials: [{ key: 'alice-key' }] },
      { username: 'bob', keyauth_credentials: [{ key: 'bob-key' }] },
    ],
    services: [
      { name: 'echo', url: echo.url, routes: [{ name: 'open', paths: ['/open'] }, { name: 'keyed', paths: ['/keyed'] }, { name: 'crash', paths: ['/crash'] }, ...(extraRoute ? [{ name: 'added', paths: ['/added'] }] : [])] },
      { name: 'llm', url: 'http://127.0.0.1:9', routes: ['chat', 'stream', 'native', 'failover', 'abort'].map((r) => ({ name: r, paths: [`/${r}`] })) },
    ],
    plugins: [
      { name: 'prometheus', config: { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, ai_metrics: true } },
      { name: 'key-auth', route: 'keyed', config: {} },
      { name: 'worker-crash', route: 'crash', config: {} },
      { name: 'key-auth', route: 'chat', config: {} },
      proxy('chat', openai('/v1/chat/completions', 'gpt-4o-mini')),
      proxy('stream', openai('/v1/chat/completions', 'gpt-4o-stream')),
      proxy('abort', openai('/hold/v1/chat/completions', 'gpt-4o-abort')),
      { name: 'ai-proxy', route: 'native', config: { route_type: 'llm/v1/chat', llm_format: 'anthropic', logging: STATS, auth: anthAuth, model: anthModel } },
      { name: 'ai-proxy-advanced', route: 'failover', config: {
        balancer: { algorithm: 'priority', failover_criteria: ['http_429', 'non_idempotent'] },
        targets: [
          { route_type: 'llm/v1/chat', auth: oaiAuth, logging: STATS, weight: 100, model: openai('/limited/v1/chat/completions', 'gpt-4o-mini') },
          { route_type: 'llm/v1/chat', auth: anthAuth, logging: STATS, weight: 10, model: anthModel },
        ],
      } },
    ],
  })
}

beforeAll(async () => {
  echo = await startUpstream()
  oai = await startFakeOpenAi((req, res) => {
    if (!req.url?.startsWith('/limited/')) return false
    res.writeHead(429, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }))
    return true
  })
  anth = await startFakeAnthropic()
  const events = chatStream('gpt-4o-abort').split('\n\n')
  hold = await startUpstream((_req, res) => {
    // the first events, then nothing until the test ends: the client leaves meanwhile
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(events.slice(0, 2).join('\n\n') + '\n\n')
    held.add(() => res.end())
  })
  const [proxyPort, statusPort] = [await closedPort(), await closedPort()]
  gw = await startGateway(config().replace(`${oai.url}/hold/`, `${hold.url}/hold/`), {
    env: { KONG_PLUGINS: `bundled,${CRASH_PLUGIN}`, KONG_NGINX_WORKER_PROCESSES: '2', KONG_PROXY_LISTEN: `127.0.0.1:${proxyPort}`, KONG_STATUS_LISTEN: `127.0.0.1:${statusPort}` },
  })
  statusUrl = `http://127.0.0.1:${gw.node.statusPort}`
}, 60_000)

afterAll(async () => {
  for (const release of held) release()
  await gw?.close()
  await Promise.all([echo, oai, anth, hold].map((u) => u?.close()))
})

/** One request on a fresh connection, so the kernel may hand it to either worker. */
async function send(path: string, opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<number> {
  const agent = new Agent({ pipelining: 0 })
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (opts.key) headers.apikey = opts.key
    Object.assign(headers, opts.headers)
    const res = await request(`${gw.proxy}${path}`, { method: opts.body ? 'POST' : 'GET', headers, body: opts.body ? JSON.stringify(opts.body) : undefined, dispatcher: agent })
    await res.body.text()
    return res.statusCode
  } finally {
    await agent.close()
  }
}

async function abortStream(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(`${gw.proxy}/abort`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.once('data', () => { req.destroy(); resolve() })
    })
    req.on('error', (e) => { if (!req.destroyed) reject(e) })
    req.end(JSON.stringify({ messages, stream: true }))
  })
}

async function scrape(url: string): Promise<Scrape> {
  const res = await request(`${url}/metrics`)
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parseMetrics(await res.body.text())
}

/** Scrapes until `ready` holds (log phases run after the answers went out), then returns that one scrape. */
async function scrapeWhen(url: string, ready: (m: Scrape) => boolean, timeout = 10_000): Promise<Scrape> {
  let last: Scrape | null = null
  await vi.waitFor(async () => { last = await scrape(url); expect(ready(last)).toBe(true) }, { timeout, interval: 50 })
  return last!
}

const req = (m: Scrape, labels: Record<string, string>) => total(m, 'kong_http_requests_total', labels)
const ai = (m: Scrape, name: string, labels: Record<string, string>) => total(m, name, labels)

describe('prometheus: one scrape for a node of 2 workers', () => {
  const N = { open: 5, keyedAlice: 3, keyedBob: 2, keyedNoKey: 1, chatAlice: 2, chatBob: 1, stream: 2, native: 2, failover: 2, abort: 1 }
  const expectedTotal = Object.values(N).reduce((a, b) => a + b, 0)

  it('counts every request, token and cost once, whichever worker served it', async () => {
    for (let i = 0; i < N.open; i++) expect(await send('/open')).toBe(200)
    for (let i = 0; i < N.keyedAlice; i++) expect(await send('/keyed', { key: 'alice-key' })).toBe(200)
    for (let i = 0; i < N.keyedBob; i++) expect(await send('/keyed', { key: 'bob-key' })).toBe(200)
    expect(await send('/keyed')).toBe(401)
    for (let i = 0; i < N.chatAlice; i++) expect(await send('/chat', { key: 'alice-key', body: { messages } })).toBe(200)
    expect(await send('/chat', { key: 'bob-key', body: { messages } })).toBe(200)
    for (let i = 0; i < N.stream; i++) expect(await send('/stream', { body: { messages, stream: true, stream_options: { include_usage: true } } })).toBe(200)
    for (let i = 0; i < N.native; i++) expect(await send('/native', { body: { model: 'claude-2.1', max_tokens: 256, messages } })).toBe(200)
    for (let i = 0; i < N.failover; i++) expect(await send('/failover', { body: { messages } })).toBe(200)
    await abortStream()
    expect(await send('/nowhere')).toBe(404) // no route: not counted, as Kong

    const m = await scrapeWhen(gw.admin, (s) => req(s, {}) === expectedTotal && ai(s, 'kong_ai_llm_requests_total', {}) === 10)

    // requests: by route, status, source and consumer
    expect(req(m, {})).toBe(expectedTotal)
    expect(req(m, { service: 'echo', route: 'open', code: '200', source: 'service', consumer: '' })).toBe(N.open)
    expect(req(m, { route: 'keyed', code: '200', consumer: 'alice' })).toBe(N.keyedAlice)
    expect(req(m, { route: 'keyed', code: '200', consumer: 'bob' })).toBe(N.keyedBob)
    expect(req(m, { route: 'keyed', code: '401', source: 'kong', consumer: '' })).toBe(N.keyedNoKey)
    expect(req(m, { service: 'llm', route: 'failover', code: '200' })).toBe(N.failover)
    expect(req(m, { route: 'abort' })).toBe(N.abort)
    expect(samples(m, 'kong_http_requests_total').every((s) => s.labels!.workspace === 'default')).toBe(true)

    // AI: requests, tokens and cost equal the fakes' usage
    const chatUsage = CHAT_ANSWER.usage
    const chatCost = (chatUsage.prompt_tokens * COST.input_cost + chatUsage.completion_tokens * COST.output_cost) / 1e6
    const openaiChat = { ai_provider: 'openai', ai_model: 'gpt-4o-mini' }
    expect(ai(m, 'kong_ai_llm_requests_total', { ...openaiChat, consumer: 'alice' })).toBe(N.chatAlice)
    expect(ai(m, 'kong_ai_llm_requests_total', { ...openaiChat, consumer: 'bob' })).toBe(N.chatBob)
    expect(ai(m, 'kong_ai_llm_tokens_total', { ...openaiChat, consumer: 'alice', token_type: 'prompt_tokens' })).toBe(N.chatAlice * chatUsage.prompt_tokens)
    expect(ai(m, 'kong_ai_llm_tokens_total', { ...openaiChat, token_type: 'completion_tokens' })).toBe(3 * chatUsage.completion_tokens)
    expect(ai(m, 'kong_ai_llm_tokens_total', { ...openaiChat, token_type: 'total_tokens' })).toBe(3 * chatUsage.total_tokens)
    expect(ai(m, 'kong_ai_llm_cost_total', openaiChat)).toBeCloseTo(3 * chatCost, 12)

    const stream = { ai_provider: 'openai', ai_model: 'gpt-4o-stream' }
    expect(ai(m, 'kong_ai_llm_requests_total', stream)).toBe(N.stream)
    // the fake's stream usage chunk (include_usage): 9 + 5
    expect(ai(m, 'kong_ai_llm_tokens_total', { ...stream, token_type: 'prompt_tokens' })).toBe(N.stream * 9)
    expect(ai(m, 'kong_ai_llm_tokens_total', { ...stream, token_type: 'completion_tokens' })).toBe(N.stream * 5)
    expect(ai(m, 'kong_ai_llm_cost_total', stream)).toBeCloseTo(N.stream * (9 * 2 + 5 * 8) / 1e6, 12)

    // the native request and the failovers were both answered by anthropic (no cost configured: no cost series)
    const claude = { ai_provider: 'anthropic', ai_model: 'claude-2.1' }
    const u = MESSAGE_ANSWER.usage
    expect(ai(m, 'kong_ai_llm_requests_total', claude)).toBe(N.native + N.failover)
    expect(ai(m, 'kong_ai_llm_tokens_total', { ...claude, token_type: 'prompt_tokens' })).toBe((N.native + N.failover) * u.input_tokens)
    expect(ai(m, 'kong_ai_llm_tokens_total', { ...claude, token_type: 'completion_tokens' })).toBe((N.native + N.failover) * u.output_tokens)
    expect(ai(m, 'kong_ai_llm_cost_total', claude)).toBe(0)

    // the aborted stream: counted once, with its prompt estimate
    const aborted = { ai_provider: 'openai', ai_model: 'gpt-4o-abort' }
    expect(ai(m, 'kong_ai_llm_requests_total', aborted)).toBe(1)
    expect(ai(m, 'kong_ai_llm_tokens_total', { ...aborted, token_type: 'prompt_tokens' })).toBe(9)

    // histograms: one observation per counted request
    expect(total(m, 'kong_ai_llm_provider_latency_ms_count')).toBe(10)
    expect(total(m, 'kong_ai_llm_provider_latency_ms_bucket', { le: '+Inf' })).toBe(10)
    expect(total(m, 'kong_kong_latency_ms_count', { route: 'open' })).toBe(N.open)
    expect(samples(m, 'kong_kong_latency_ms_bucket', { route: 'open' }).map((s) => s.labels!.le))
      .toEqual(['1', '2', '5', '7', '10', '15', '20', '30', '50', '75', '100', '200', '500', '750', '1000', '3000', '6000', '+Inf'])
    expect(total(m, 'kong_upstream_latency_ms_count', { route: 'open' })).toBe(N.open)
    expect(total(m, 'kong_request_latency_ms_count', {})).toBe(expectedTotal)
    expect(total(m, 'kong_bandwidth_bytes', { route: 'open', direction: 'egress' })).toBeGreaterThan(0)

    // node gauges: one node, two workers' heaps
    expect(samples(m, 'kong_node_info')).toHaveLength(1)
    expect(samples(m, 'kong_memory_workers_lua_vms_bytes')).toHaveLength(2)
    expect(total(m, 'kong_nginx_requests_total')).toBeGreaterThanOrEqual(expectedTotal)
    expect(m.families.get('kong_http_requests_total')!.type).toBe('COUNTER')
    expect(m.families.get('kong_kong_latency_ms')!.type).toBe('HISTOGRAM')
    expect(m.families.get('kong_ai_llm_tokens_total')!.type).toBe('COUNTER')
    expect(m.families.get('kong_memory_workers_lua_vms_bytes')!.type).toBe('GAUGE')

    // the Status API serves the same node
    const st = await scrape(statusUrl)
    expect(req(st, {})).toBe(expectedTotal)
    expect(ai(st, 'kong_ai_llm_tokens_total', {})).toBe(ai(m, 'kong_ai_llm_tokens_total', {}))
  })

  it('a config reload keeps every counter', async () => {
    const before = await scrape(gw.admin)
    const res = await request(`${gw.admin}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: config(true).replace(`${oai.url}/hold/`, `${hold.url}/hold/`) })
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    expect(await send('/open')).toBe(200)
    expect(await send('/added')).toBe(200)
    const after = await scrapeWhen(gw.admin, (s) => req(s, { route: 'added' }) === 1 && req(s, { route: 'open' }) === req(before, { route: 'open' }) + 1)
    expect(req(after, {})).toBe(req(before, {}) + 2)
    expect(ai(after, 'kong_ai_llm_tokens_total', {})).toBe(ai(before, 'kong_ai_llm_tokens_total', {}))
  })

  it('a worker that dies and is replaced takes nothing away from the totals', async () => {
    // both workers have counted something (fresh connections spread over them); the scrape records each worker's counts
    const open0 = req(await scrape(gw.admin), { route: 'open' })
    for (let i = 0; i < 10; i++) expect(await send('/open')).toBe(200)
    const before = await scrapeWhen(gw.admin, (x) => req(x, { route: 'open' }) === open0 + 10)
    const threadsBefore = samples(before, 'kong_memory_workers_lua_vms_bytes').map((x) => x.labels!.pid).sort()
    expect(threadsBefore).toHaveLength(2)
    // the answer leaves, then the serving thread exits (its log phase may or may not have run)
    await send('/crash', { headers: { 'x-crash': 'process-exit' } }).catch(() => 0)
    const after = await scrapeWhen(gw.admin, (x) => {
      const threads = samples(x, 'kong_memory_workers_lua_vms_bytes').map((t) => t.labels!.pid).sort()
      return threads.length === 2 && threads.join() !== threadsBefore.join()
    }, 50_000) // a new worker thread loads the TypeScript sources: slow on a loaded machine
    const crashed = req(after, { route: 'crash' })
    expect(crashed).toBeLessThanOrEqual(1)
    expect(req(after, {})).toBe(req(before, {}) + crashed)
    expect(ai(after, 'kong_ai_llm_tokens_total', {})).toBe(ai(before, 'kong_ai_llm_tokens_total', {}))
    expect(total(after, 'kong_request_latency_ms_count')).toBe(total(before, 'kong_request_latency_ms_count') + crashed)
    const ready = await request(`${statusUrl}/status/ready`)
    expect(ready.statusCode).toBe(200)
    await ready.body.dump()
  }, 70_000)
})
