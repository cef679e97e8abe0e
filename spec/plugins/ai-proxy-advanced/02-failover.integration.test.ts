// ai-proxy-advanced end to end: failover across providers (the OpenAI target answers 429, the
// Anthropic target answers, the client sees one OpenAI response), failover criteria as nginx's
// proxy_next_upstream, retries, the circuit breaker, all targets down, streams that already
// started, round-robin across targets and model aliases. Fake providers on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { closedPort, startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi, chatStream } from '../llm/helpers/fake-openai.ts'
import { ANTHROPIC_KEY, ANTHROPIC_VERSION, startFakeAnthropic } from '../llm/helpers/fake-anthropic.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'

let gw: TestGateway
let oai: FakeUpstream
let anth: FakeUpstream
let broken: FakeUpstream
let refused: number
const logs = logCapture()

const OPENAI_KEY = 'sk-openai-target'
const RATE_LIMITED = { error: { message: 'Rate limit reached for gpt-4o', type: 'requests', code: 'rate_limit_exceeded' } }

function openaiTarget(path: string, extra: Record<string, unknown> = {}, model: Record<string, unknown> = {}) {
  return {
    route_type: 'llm/v1/chat',
    auth: { header_name: 'Authorization', header_value: `Bearer ${OPENAI_KEY}` },
    ...extra,
    model: { provider: 'openai', name: 'gpt-4o', options: { upstream_url: `${oai.url}${path}` }, ...model },
  }
}

function anthropicTarget(extra: Record<string, unknown> = {}, model: Record<string, unknown> = {}) {
  return {
    route_type: 'llm/v1/chat',
    auth: { header_name: 'x-api-key', header_value: ANTHROPIC_KEY },
    ...extra,
    model: {
      provider: 'anthropic', name: 'claude-2.1',
      options: { max_tokens: 256, anthropic_version: ANTHROPIC_VERSION, upstream_url: `${anth.url}/v1/messages` },
      ...model,
    },
  }
}

const refusedTarget = (name = 'gpt-4o') => ({
  route_type: 'llm/v1/chat', model: { provider: 'openai', name, options: { upstream_url: `http://127.0.0.1:${refused}/v1/chat/completions` } },
})

function plugin(route: string, targets: unknown[], balancer: Record<string, unknown> = {}) {
  return { name: 'ai-proxy-advanced', route, config: { targets, balancer } }
}

beforeAll(async () => {
  refused = await closedPort()
  oai = await startFakeOpenAi((req, res) => {
    if (!req.url?.startsWith('/limited/')) return false
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' })
    res.end(JSON.stringify(RATE_LIMITED))
    return true
  })
  anth = await startFakeAnthropic()
  // a stream that starts, then the connection breaks
  broken = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(chatStream('gpt-4o').split('\n\n').slice(0, 2).join('\n\n') + '\n\n', () => res.socket?.destroy())
  })
  const routes = ['failover', 'no-non-idempotent', 'refused', 'exhausted', 'retries0', 'circuit', 'alldown', 'stream-broken', 'rr3', 'alias', 'not-listed']
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      { name: 'log-capture', config: {} },
      // the client names the logical model `chat`; each target maps it to its own (model_alias)
      plugin('failover', [
        openaiTarget('/limited/v1/chat/completions', { weight: 100, logging: { log_statistics: true } }, { model_alias: 'chat' }),
        anthropicTarget({ weight: 10, logging: { log_statistics: true } }, { model_alias: 'chat' }),
      ], { algorithm: 'priority', failover_criteria: ['http_429', 'non_idempotent'] }),
      plugin('no-non-idempotent', [openaiTarget('/limited/v1/chat/completions', { weight: 100 }), anthropicTarget({ weight: 10 })],
        { algorithm: 'priority', failover_criteria: ['http_429'] }),
      plugin('refused', [{ ...refusedTarget(), weight: 100 }, { ...anthropicTarget(), weight: 10 }], { algorithm: 'priority' }),
      plugin('exhausted', [openaiTarget('/limited/v1/chat/completions', { weight: 100 }), openaiTarget('/limited/b/v1/chat/completions', { weight: 10 })],
        { algorithm: 'priority', failover_criteria: ['http_429', 'non_idempotent'] }),
      plugin('retries0', [openaiTarget('/limited/v1/chat/completions', { weight: 100 }), anthropicTarget({ weight: 10 })],
        { algorithm: 'priority', retries: 0, failover_criteria: ['http_429', 'non_idempotent'] }),
      plugin('circuit', [openaiTarget('/limited/c/v1/chat/completions'), openaiTarget('/v1/chat/completions')],
        { failover_criteria: ['http_429', 'non_idempotent'], max_fails: 1, fail_timeout: 600000 }),
      plugin('alldown', [refusedTarget(), refusedTarget()], { max_fails: 1, fail_timeout: 600000 }),
      plugin('stream-broken', [
        { ...openaiTarget('/x'), weight: 100, model: { provider: 'openai', name: 'gpt-4o', options: { upstream_url: `${broken.url}/v1/chat/completions` } } },
        { ...openaiTarget('/v1/chat/completions'), weight: 10 },
      ], { algorithm: 'priority', failover_criteria: ['error', 'timeout', 'non_idempotent'] }),
      plugin('rr3', [openaiTarget('/one/v1/chat/completions'), openaiTarget('/two/v1/chat/completions'), openaiTarget('/three/v1/chat/completions')]),
      plugin('alias', [
        openaiTarget('/v1/chat/completions', {}, { model_alias: 'fast' }),
        anthropicTarget({}, { model_alias: 'smart' }),
      ]),
      plugin('not-listed', [openaiTarget('/limited/v1/chat/completions', { weight: 100 }), anthropicTarget({ weight: 10 })],
        { algorithm: 'priority', failover_criteria: ['http_500', 'non_idempotent'] }),
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await oai?.close()
  await anth?.close()
  await broken?.close()
})

const messages = [{ role: 'user' as const, content: 'What is 1 + 1?' }]

async function post(path: string, body: unknown = { messages }, headers: Record<string, string> = {}) {
  const res = await request(`${gw.proxy}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

const hits = (up: FakeUpstream, prefix: string) => up.received.filter((r) => r.url.startsWith(prefix)).length

describe('failover across providers', () => {
  it('OpenAI target answers 429, the Anthropic target answers: the client sees one OpenAI response', async () => {
    const oaiBefore = hits(oai, '/limited/v1/')
    const anthBefore = anth.received.length
    const client = new OpenAI({ baseURL: `${gw.proxy}/failover`, apiKey: 'sk-client', maxRetries: 0, defaultHeaders: { 'x-test-id': 'failover-1' } })
    const { data, response } = await client.chat.completions.create({ model: 'chat', messages }).withResponse()
    expect(response.status).toBe(200)
    expect(data.object).toBe('chat.completion')
    expect(data.choices[0]!.message).toEqual({ role: 'assistant', content: 'The sum of 1 + 1 is 2.' })
    expect(response.headers.get('x-kong-llm-model')).toBe('anthropic/claude-2.1')
    expect(response.headers.get('retry-after')).toBeNull() // nothing of the 429 reached the client
    expect(hits(oai, '/limited/v1/') - oaiBefore).toBe(1)
    expect(anth.received.length - anthBefore).toBe(1)

    const got = anth.received[anth.received.length - 1]!
    expect(got.url).toBe('/v1/messages')
    expect(got.headers['x-api-key']).toBe(ANTHROPIC_KEY)
    expect(got.headers['anthropic-version']).toBe(ANTHROPIC_VERSION)
    const sent = JSON.parse(got.body.toString())
    expect(sent).toMatchObject({ model: 'claude-2.1', max_tokens: 256, messages: [{ role: 'user', content: 'What is 1 + 1?' }] })

    const log = await logs.waitFor('failover-1')
    expect(log.ai.proxy.meta.provider_name).toBe('anthropic')
    expect(log.ai.proxy.meta.request_model).toBe('claude-2.1')
    expect(typeof log.ai.proxy.meta.plugin_id).toBe('string')
  })

  it('rebuilds the request for the next target: none of the first target\'s credentials or body go along', async () => {
    const r = await post('/failover', { messages, temperature: 0.5 }) // no model: any target may answer
    expect(r.status).toBe(200)
    const got = anth.received[anth.received.length - 1]!
    expect(got.headers.authorization).toBeUndefined()
    expect(JSON.stringify(got.headers)).not.toContain(OPENAI_KEY)
    const sent = JSON.parse(got.body.toString())
    expect(sent.model).toBe('claude-2.1')
    expect(sent.temperature).toBe(0.5)
    const first = oai.received.filter((x) => x.url.startsWith('/limited/v1/')).pop()!
    expect(first.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`)
  })

  it('a POST that reached the upstream is not sent again without non_idempotent (nginx)', async () => {
    const before = anth.received.length
    const r = await post('/no-non-idempotent')
    expect(r.status).toBe(429)
    expect(JSON.parse(r.text)).toEqual(RATE_LIMITED)
    expect(r.headers['retry-after']).toBe('1')
    expect(anth.received.length).toBe(before)
  })

  it('a status not in failover_criteria goes to the client as it came', async () => {
    const before = anth.received.length
    const r = await post('/not-listed')
    expect(r.status).toBe(429)
    expect(anth.received.length).toBe(before)
  })

  it('a connection refused moves on to the next target under the default criteria (error, timeout)', async () => {
    const r = await post('/refused')
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text).choices[0].message.content).toBe('The sum of 1 + 1 is 2.')
    expect(r.headers['x-kong-llm-model']).toBe('anthropic/claude-2.1')
  })

  it('when every target failed, the last answer goes to the client', async () => {
    const a = hits(oai, '/limited/v1/')
    const b = hits(oai, '/limited/b/')
    const r = await post('/exhausted')
    expect(r.status).toBe(429)
    expect(JSON.parse(r.text)).toEqual(RATE_LIMITED)
    expect(hits(oai, '/limited/v1/') - a).toBe(1)
    expect(hits(oai, '/limited/b/') - b).toBe(1)
  })

  it('retries 0 sends each request to one target only', async () => {
    const before = anth.received.length
    const r = await post('/retries0')
    expect(r.status).toBe(429)
    expect(anth.received.length).toBe(before)
  })

  it('never retries a stream that already sent bytes', async () => {
    const ok = hits(oai, '/v1/chat/completions')
    const res = await request(`${gw.proxy}/stream-broken`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages, stream: true }),
    })
    expect(res.statusCode).toBe(200)
    const text = await res.body.text().catch((e: Error) => `failed: ${e.message}`)
    expect(text).not.toContain('The answer is 2')
    expect(broken.received.length).toBe(1)
    expect(hits(oai, '/v1/chat/completions')).toBe(ok)
  })
})

describe('circuit breaker', () => {
  it('takes a failing target out after max_fails and keeps it out for fail_timeout', async () => {
    for (let k = 0; k < 4; k++) expect((await post('/circuit')).status).toBe(200)
    expect(hits(oai, '/limited/c/')).toBe(1)
  })

  it('answers Kong\'s 500 when every target is down', async () => {
    const first = await post('/alldown')
    expect(first.status).toBe(502)
    const second = await post('/alldown')
    expect(second.status).toBe(500)
    expect(JSON.parse(second.text)).toEqual({ error: { message: 'failed to get peer' } })
  })
})

describe('balancing and model aliases', () => {
  it('round-robins over three targets', async () => {
    const before = ['/one/', '/two/', '/three/'].map((p) => hits(oai, p))
    for (let k = 0; k < 6; k++) expect((await post('/rr3')).status).toBe(200)
    expect(['/one/', '/two/', '/three/'].map((p, i) => hits(oai, p) - before[i]!)).toEqual([2, 2, 2])
  })

  it('picks the target whose model_alias the request names, and sends it the real model', async () => {
    const smart = await post('/alias', { model: 'smart', messages })
    expect(smart.status).toBe(200)
    expect(smart.headers['x-kong-llm-model']).toBe('anthropic/claude-2.1')
    expect(JSON.parse(anth.received[anth.received.length - 1]!.body.toString()).model).toBe('claude-2.1')
    for (let k = 0; k < 3; k++) {
      const fast = await post('/alias', { model: 'fast', messages })
      expect(fast.status).toBe(200)
      expect(fast.headers['x-kong-llm-model']).toBe('openai/gpt-4o')
    }
    expect(JSON.parse(oai.received[oai.received.length - 1]!.body.toString()).model).toBe('gpt-4o')
  })

  it('a request naming one target\'s model goes to that target only (no failover to another model)', async () => {
    const before = anth.received.length
    const r = await post('/failover', { model: 'gpt-4o', messages })
    expect(r.status).toBe(429)
    expect(anth.received.length).toBe(before)
  })

  it('a model no target names or aliases gets Kong\'s 400 from the picked target', async () => {
    const r = await post('/alias', { model: 'other', messages })
    expect(r.status).toBe(400)
    expect(JSON.parse(r.text).error.message).toMatch(/^cannot use own model - must be: /)
  })
})
