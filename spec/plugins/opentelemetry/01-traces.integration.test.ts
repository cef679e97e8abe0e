// The opentelemetry plugin end to end: a real gateway, a fake upstream and a fake OpenAI on
// 127.0.0.1, and a fake collector decoding the OTLP protobuf. Checks the span tree, Kong's
// attributes, the GenAI span of ai-proxy requests (JSON and stream), the trace context that
// reached the upstream, sampling, and that a collector that is down or never answers leaves the
// requests untouched while the lost spans are counted.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { closedPort, startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi, CHAT_ANSWER } from '../llm/helpers/fake-openai.ts'
import { startReceiver, type Receiver, type ReceivedSpan } from './otlp-receiver.ts'
import { exportStats } from '../../../plugins/opentelemetry/span-exporter.ts'
import { closeOtelPools } from '../../../plugins/opentelemetry/span-exporter.ts'

let gw: TestGateway
let up: FakeUpstream
let oai: FakeUpstream
let rx: Receiver

/** every span the plugin can make (Kong's default, off, exports none: see instrumentations.integration.test.ts) */
const ALL = { KONG_TRACING_INSTRUMENTATIONS: 'all' }
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const CLIENT_SPAN = '00f067aa0ba902b7'
const messages = [{ role: 'user', content: 'What is 1 + 1?' }]

function aiProxy(route: string) {
  return {
    name: 'ai-proxy', route,
    config: {
      route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' },
      logging: { log_statistics: true, log_payloads: route === 'json' },
      model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${oai.url}/v1/chat/completions` } },
    },
  }
}

function traceOf(traceId: string): ReceivedSpan[] {
  return rx.spans.filter((s) => s.traceId === traceId)
}

/** sends, then waits for the request's spans (the root span `kong` ends each request's batch) */
async function traced(path: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}) {
  const before = rx.spans.length
  const res = await request(`${gw.proxy}${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body })
  const text = await res.body.text()
  return { res, text, before }
}

beforeAll(async () => {
  rx = await startReceiver()
  up = await startUpstream()
  oai = await startFakeOpenAi((req, res) => {
    if (!req.url?.startsWith('/limited/')) return false
    res.writeHead(429, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: 'Rate limit reached' } }))
    return true
  })
  const config = {
    _format_version: '3.0',
    services: [
      { name: 'plain', url: up.url, routes: [{ name: 'plain', paths: ['/plain'] }] },
      { name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'json', paths: ['/json'] }, { name: 'stream', paths: ['/stream'] }, { name: 'failover', paths: ['/failover'] }] },
    ],
    plugins: [
      { name: 'opentelemetry', config: { traces_endpoint: rx.url, sampling_rate: 1, batch_flush_delay: 0, headers: { 'x-collector-token': 'tok' }, resource_attributes: { 'deployment.environment': 'test' } } },
      aiProxy('json'), aiProxy('stream'),
      { name: 'ai-proxy-advanced', route: 'failover', config: {
        balancer: { algorithm: 'priority', failover_criteria: ['http_429', 'non_idempotent'] },
        targets: ['limited/v1', 'v1'].map((p, i) => ({
          route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' }, weight: 100 - i * 90,
          logging: { log_statistics: true, log_payloads: false },
          model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${oai.url}/${p}/chat/completions` } },
        })),
      } },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { env: ALL })
})

afterAll(async () => {
  await gw?.close()
  await closeOtelPools()
  await Promise.all([up?.close(), oai?.close(), rx?.close()])
})

describe('a plain proxied request', () => {
  it('continues the client trace: span tree, attributes, ids, and the context the upstream got', async () => {
    const { res, before } = await traced('/plain/x?q=1', { headers: { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` } })
    expect(res.statusCode).toBe(200)
    await rx.waitForSpans(before + 4)
    const spans = traceOf(CLIENT_TRACE)
    const root = spans.find((s) => s.name === 'kong')!
    expect(root.kind).toBe(2) // SPAN_KIND_SERVER
    expect(root.parentSpanId).toBe(CLIENT_SPAN)
    expect(root.attributes).toMatchObject({
      'http.method': 'GET', 'http.scheme': 'http', 'http.host': '127.0.0.1', 'http.flavor': '1.1',
      'http.status_code': 200, 'http.route': '/plain', 'net.peer.ip': '127.0.0.1',
    })
    expect(root.attributes['http.url']).toBe(`http://127.0.0.1/plain/x?q=1`)
    expect(root.attributes['kong.request.id']).toBe(res.headers['x-kong-request-id'])
    expect(root.resource).toMatchObject({ 'service.name': 'kong', 'deployment.environment': 'test' })
    expect(root.scope).toBe('kong-internal')
    const names = spans.map((s) => s.name).sort()
    expect(names).toEqual(['kong', 'kong.access.plugin.opentelemetry', 'kong.balancer', 'kong.router'])
    for (const s of spans.filter((x) => x !== root)) {
      expect(s.parentSpanId).toBe(root.spanId)
      expect(s.end >= s.start).toBe(true)
      expect(s.start >= root.start && s.end <= root.end).toBe(true)
    }
    const balancer = spans.find((s) => s.name === 'kong.balancer')!
    expect(balancer.kind).toBe(3) // SPAN_KIND_CLIENT
    expect(balancer.attributes).toMatchObject({ try_count: 1, 'net.peer.ip': '127.0.0.1', 'net.peer.port': up.port })
    // the upstream was called from the balancer span, in the client's format
    const got = up.received.at(-1)!.headers
    expect(got.traceparent).toBe(`00-${CLIENT_TRACE}-${balancer.spanId}-01`)
    // the collector got the configured headers
    expect(rx.requests.at(-1)!.headers['x-collector-token']).toBe('tok')
    expect(rx.requests.at(-1)!.headers['content-type']).toBe('application/x-protobuf')
  })

  it('starts a new trace without client headers and injects w3c (default_format)', async () => {
    const { res, before } = await traced('/plain/new')
    expect(res.statusCode).toBe(200)
    await rx.waitForSpans(before + 4)
    const tp = String(up.received.at(-1)!.headers.traceparent)
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(tp)
    expect(m).not.toBeNull()
    const root = traceOf(m![1]!).find((s) => s.name === 'kong')!
    expect(root.parentSpanId).toBe('')
  })

  it('a client that sampled out gets its decision passed on and no spans exported', async () => {
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
    await traced('/plain/out', { headers: { traceparent: `00-${other}-${CLIENT_SPAN}-00` } })
    expect(up.received.at(-1)!.headers.traceparent).toMatch(new RegExp(`^00-${other}-[0-9a-f]{16}-00$`))
    // a sampled request after it: its spans arrive, the sampled-out one's never came before them
    const { before } = await traced('/plain/in')
    await rx.waitForSpans(before + 4)
    expect(traceOf(other)).toEqual([])
  })
})

describe('ai-proxy requests', () => {
  it('JSON: a GenAI span with the semantic conventions, payloads (log_payloads on)', async () => {
    const body = JSON.stringify({ messages })
    const { res, before } = await traced('/json', { method: 'POST', headers: { 'content-type': 'application/json', traceparent: `00-${'b'.repeat(32)}-${CLIENT_SPAN}-01` }, body })
    expect(res.statusCode).toBe(200)
    await rx.waitForSpans(before + 6)
    const spans = traceOf('b'.repeat(32))
    const root = spans.find((s) => s.name === 'kong')!
    const gen = spans.find((s) => s.name === 'chat gpt-4o-mini')!
    expect(gen.kind).toBe(3)
    expect(gen.parentSpanId).toBe(root.spanId)
    expect(gen.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': CHAT_ANSWER.model,
      'gen_ai.usage.input_tokens': CHAT_ANSWER.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': CHAT_ANSWER.usage.completion_tokens,
      'gen_ai.response.finish_reasons': ['stop'],
    })
    expect(String(gen.attributes['gen_ai.input.messages'])).toContain('What is 1 + 1?')
    expect(String(gen.attributes['gen_ai.output.messages'])).toContain('The answer is 2.')
    expect(spans.map((s) => s.name)).toContain('kong.access.plugin.ai-proxy')
    // the provider got the trace context too
    expect(oai.received.at(-1)!.headers.traceparent).toMatch(new RegExp(`^00-${'b'.repeat(32)}-[0-9a-f]{16}-01$`))
  })

  it('stream: time to first token and the finish reason; no payloads when log_payloads is off', async () => {
    const body = JSON.stringify({ messages, stream: true })
    const { res, text, before } = await traced('/stream', { method: 'POST', headers: { 'content-type': 'application/json', traceparent: `00-${'c'.repeat(32)}-${CLIENT_SPAN}-01` }, body })
    expect(res.statusCode).toBe(200)
    expect(text).toContain('[DONE]')
    await rx.waitForSpans(before + 6)
    const gen = traceOf('c'.repeat(32)).find((s) => s.name.startsWith('chat '))!
    expect(gen.attributes['gen_ai.response.finish_reasons']).toEqual(['stop'])
    expect(typeof gen.attributes['gen_ai.server.time_to_first_token']).toBe('number')
    expect(gen.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0)
    expect(gen.attributes['gen_ai.input.messages']).toBeUndefined()
    expect(gen.attributes['gen_ai.output.messages']).toBeUndefined()
  })
})

describe('ai-proxy-advanced failover', () => {
  it('a balancer span per try, the failed one in error; each try told the trace', async () => {
    const trace = 'd'.repeat(32)
    const body = JSON.stringify({ messages })
    const seen = oai.received.length
    const { res, before } = await traced('/failover', { method: 'POST', headers: { 'content-type': 'application/json', traceparent: `00-${trace}-${CLIENT_SPAN}-01` }, body })
    expect(res.statusCode).toBe(200)
    await rx.waitForSpans(before + 7)
    const spans = traceOf(trace)
    const tries = spans.filter((s) => s.name === 'kong.balancer').sort((a, b) => Number(a.attributes.try_count) - Number(b.attributes.try_count))
    expect(tries.map((t) => [t.attributes.try_count, t.status])).toEqual([[1, 2], [2, 0]])
    const calls = oai.received.slice(seen)
    expect(calls.map((c) => c.url)).toEqual(['/limited/v1/chat/completions', '/v1/chat/completions'])
    for (const c of calls) expect(String(c.headers.traceparent)).toMatch(new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`))
    expect(calls[1]!.headers.traceparent).toBe(`00-${trace}-${tries[1]!.spanId}-01`)
    expect(spans.find((s) => s.name.startsWith('chat '))!.attributes['gen_ai.usage.input_tokens']).toBe(CHAT_ANSWER.usage.prompt_tokens)
  })
})

describe('a collector that is down or slow', () => {
  it.each(['down', 'slow'] as const)('%s: requests are served as usual and the lost spans are counted', async (kind) => {
    const slow = await startReceiver()
    slow.mode = 'hang'
    const endpoint = kind === 'down' ? `http://127.0.0.1:${await closedPort()}/v1/traces` : slow.url
    const config = {
      _format_version: '3.0',
      services: [{ name: 'plain', url: up.url, routes: [{ name: 'plain', paths: ['/plain'] }] }],
      plugins: [{ name: 'opentelemetry', config: { traces_endpoint: endpoint, sampling_rate: 1, batch_flush_delay: 0, connect_timeout: 200, send_timeout: 100, read_timeout: 100 } }],
    }
    const g = await startGateway(JSON.stringify(config), { env: ALL })
    try {
      const dropped = exportStats.dropped
      for (let i = 0; i < 20; i++) {
        const res = await request(`${g.proxy}/plain/${i}`)
        await res.body.text()
        expect(res.statusCode).toBe(200)
      }
      // every span was either lost to the collector or is still queued behind it; some are counted lost
      await vi.waitFor(() => expect(exportStats.dropped).toBeGreaterThan(dropped), { timeout: 5000, interval: 20 })
      if (kind === 'slow') expect(slow.requests.length).toBeGreaterThan(0)
    } finally {
      await g.close()
      await slow.close()
    }
  })
})
