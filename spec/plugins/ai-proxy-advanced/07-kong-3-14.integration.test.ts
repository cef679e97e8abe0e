// ai-proxy-advanced's Kong 3.14 fields, end to end through a real gateway and fake providers on
// 127.0.0.1: `acls` deciding which targets a consumer may use (403 when none), `tried_targets` in
// the log record after a failover, every cost field priced from the provider's cache and tier
// report, and `llm-accuracy` refused at config load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { CHAT_ANSWER } from '../llm/helpers/fake-openai.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'
import { configErrorBody, loadConfig } from '../../../core/config/load.ts'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import { BUNDLED } from '../../../plugins/index.ts'
import { LLM_ACCURACY_REFUSED } from '../../../plugins/ai-proxy-advanced/schema.ts'

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()

const ANTHROPIC_ANSWER = {
  id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', stop_reason: 'end_turn',
  content: [{ type: 'text', text: 'hi' }],
  usage: { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 300, cache_creation_input_tokens: 600, cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 400 } },
}

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    const url = req.url ?? ''
    if (url.startsWith('/fail')) { res.writeHead(500, { 'content-type': 'application/json' }); res.end('{"error":{"message":"boom"}}'); return }
    res.writeHead(200, { 'content-type': 'application/json' })
    if (url.startsWith('/anthropic')) return res.end(JSON.stringify(ANTHROPIC_ANSWER))
    if (url.startsWith('/cached')) {
      return res.end(JSON.stringify({ ...CHAT_ANSWER, service_tier: 'priority', usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 400 } } }))
    }
    res.end(JSON.stringify(CHAT_ANSWER))
  })
  const stats = { log_statistics: true }
  const openai = (path: string, name = 'gpt-4o', options: Record<string, unknown> = {}) => ({
    route_type: 'llm/v1/chat', logging: stats, auth: { header_name: 'Authorization', header_value: 'Bearer sk-test' },
    model: { provider: 'openai', name, options: { upstream_url: `${up.url}${path}`, ...options } },
  })
  const routes = ['cost-openai', 'cost-anthropic', 'cost-plain', 'tried', 'acl', 'acl-ip'].map((r) => ({ name: r, paths: [`/${r}`] }))
  const config = {
    _format_version: '3.0',
    consumers: [
      { username: 'alice', keyauth_credentials: [{ key: 'alice-key' }] },
      { username: 'bob', custom_id: 'b-1', keyauth_credentials: [{ key: 'bob-key' }] },
    ],
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes }],
    plugins: [
      { name: 'log-capture', config: {} },
      { name: 'ai-proxy-advanced', route: 'cost-openai', config: { targets: [openai('/cached', 'gpt-4o', {
        input_cost: 2, output_cost: 8, cache_read_cost: 0.5,
        context_window_factor: [{ above: '500', input_factor: 1.5, output_factor: 1.25 }, { above: '100k', input_factor: 9, output_factor: 9 }],
        service_tier_factor: [{ tier: 'flex', factor: 0.5 }, { tier: 'PRIORITY', factor: 2 }],
      })] } },
      { name: 'ai-proxy-advanced', route: 'cost-anthropic', config: { targets: [{
        route_type: 'llm/v1/chat', logging: stats, auth: { header_name: 'x-api-key', header_value: 'ak' },
        model: { provider: 'anthropic', name: 'claude-x', options: {
          anthropic_version: '2023-06-01', max_tokens: 64, upstream_url: `${up.url}/anthropic/v1/messages`,
          input_cost: 3, output_cost: 15, cache_read_cost: 0.3, cache_write_cost: 3.75, cache_write_cost_list: [{ ttl: '1h', cost: 6 }],
        } },
      }] } },
      { name: 'ai-proxy', route: 'cost-plain', config: openai('/cached', 'gpt-4o', { input_cost: 2, output_cost: 8 }) },
      { name: 'ai-proxy-advanced', route: 'tried', config: {
        balancer: { algorithm: 'round-robin', failover_criteria: ['error', 'timeout', 'http_500', 'non_idempotent'] },
        targets: [openai('/fail/v1/chat/completions?key=secret-in-query'), openai('/ok/v1/chat/completions', 'gpt-4o-mini')],
      } },
      { name: 'key-auth', route: 'acl', config: {} },
      { name: 'ai-proxy-advanced', route: 'acl', config: {
        targets: [openai('/ok/big', 'gpt-4o'), openai('/ok/small', 'gpt-4o-mini')],
        acls: {
          allow: [{ match: [{ type: 'header', key: 'X-Team', values: ['ai'] }] }],
          deny: [{ match: [{ type: 'consumer', values: ['bob'] }, { type: 'model', values: ['gpt-4o'] }] }],
        },
      } },
      { name: 'ai-proxy-advanced', route: 'acl-ip', config: {
        targets: [openai('/ok/ip')],
        acls: { deny: [{ match: [{ type: 'ip', values: ['10.0.0.0/8', '127.0.0.0/8'] }, { type: 'provider', values: ['openai'] }] }] },
      } },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

async function call(path: string, id: string, headers: Record<string, string> = {}) {
  const res = await request(`${gw.proxy}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': id, ...headers }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  })
  const body = await res.body.text()
  return { status: res.statusCode, body, log: await logs.waitFor(id) }
}

describe('every Kong 3.14 cost field is priced', () => {
  it('openai: cached prompt tokens at cache_read_cost, the context window above 500 and the priority tier', async () => {
    const r = await call('/cost-openai', 'cost-1')
    expect(r.status).toBe(200)
    // ((600 × 2 + 400 × 0.5) × 1.5 + 100 × 8 × 1.25) × 2 / 1e6
    expect(r.log.ai.proxy.usage.cost).toBeCloseTo(0.0062, 10)
  })

  it('anthropic: cache reads, writes per TTL (1h from the list, 5m at cache_write_cost) and the rest at input_cost', async () => {
    const r = await call('/cost-anthropic', 'cost-2')
    expect(r.status).toBe(200)
    expect(r.log.ai.proxy.usage.prompt_tokens).toBe(1000)
    // (100 × 3 + 300 × 0.3 + 200 × 3.75 + 400 × 6 + 50 × 15) / 1e6
    expect(r.log.ai.proxy.usage.cost).toBeCloseTo(0.00429, 10)
  })

  it('without cache costs the cached tokens are priced at input_cost (ai-proxy uses the same formula)', async () => {
    const r = await call('/cost-plain', 'cost-3')
    expect(r.log.ai.proxy.usage.cost).toBeCloseTo((1000 * 2 + 100 * 8) / 1e6, 10)
  })
})

describe('tried_targets', () => {
  it('lists every target a request went to, in order, Kong\'s shape, without the query', async () => {
    const logsSeen = []
    for (const id of ['tried-1', 'tried-2']) {
      const r = await call('/tried', id)
      expect(r.status, r.body).toBe(200)
      logsSeen.push(r.log.ai.proxy.tried_targets as Record<string, unknown>[])
    }
    for (const t of logsSeen) expect(t.at(-1)).toEqual({
      provider: 'openai', model: 'gpt-4o-mini', route_type: 'llm/v1/chat', upstream_scheme: 'http', host: '127.0.0.1', ip: '127.0.0.1', port: up.port, upstream_uri: '/ok/v1/chat/completions',
    })
    const failedOver = logsSeen.find((t) => t.length === 2)
    expect(failedOver?.[0]).toMatchObject({ model: 'gpt-4o', upstream_uri: '/fail/v1/chat/completions' })
    expect(JSON.stringify(logsSeen)).not.toContain('secret-in-query')
  })
})

describe('acls', () => {
  const DENIED = { status: 403, body: JSON.stringify({ message: 'You cannot consume this service' }) }

  it.each([
    ['alice without the allowed header', { apikey: 'alice-key' }],
    ['bob without the allowed header', { apikey: 'bob-key' }],
    ['alice with another team', { apikey: 'alice-key', 'x-team': 'web' }],
  ])('no allow rule holds: %s → 403', async (_n, headers) => {
    const before = up.received.length
    const r = await call('/acl', `acl-${_n}`, headers)
    expect({ status: r.status, body: r.body }).toEqual(DENIED)
    expect(up.received.length).toBe(before)
  })

  it('bob may not use gpt-4o: every request goes to gpt-4o-mini', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await call('/acl', `acl-bob-${i}`, { apikey: 'bob-key', 'x-team': 'ai' })
      expect(r.status).toBe(200)
      expect(up.received.at(-1)!.url).toBe('/ok/small')
    }
  })

  it('alice may use both targets', async () => {
    const urls = new Set<string>()
    for (let i = 0; i < 4; i++) {
      expect((await call('/acl', `acl-alice-${i}`, { apikey: 'alice-key', 'x-team': 'ai' })).status).toBe(200)
      urls.add(up.received.at(-1)!.url)
    }
    expect(urls).toEqual(new Set(['/ok/big', '/ok/small']))
  })

  it('an ip and provider deny rule refuses a client from 127.0.0.1', async () => {
    const r = await call('/acl-ip', 'acl-ip')
    expect({ status: r.status, body: r.body }).toEqual(DENIED)
  })
})

function refusal(config: Record<string, unknown>): unknown {
  try {
    loadConfig(JSON.stringify({ _format_version: '3.0', plugins: [{ name: 'ai-proxy-advanced', config }] }), { plugins: new PluginRegistry(BUNDLED) })
    return null
  } catch (e) {
    return (configErrorBody(e) as { fields: { plugins: unknown[] } }).fields.plugins[0]
  }
}

describe('config load', () => {
  const target = { route_type: 'llm/v1/chat', model: { provider: 'openai', name: 'gpt-4o' } }
  it('llm-accuracy with lowest-usage is refused, naming the field and why', () => {
    expect(refusal({ targets: [target], balancer: { algorithm: 'lowest-usage', tokens_count_strategy: 'llm-accuracy' } }))
      .toEqual({ config: { balancer: { tokens_count_strategy: LLM_ACCURACY_REFUSED } } })
  })
  it('llm-accuracy where no balancer reads it is accepted (it changes nothing there)', () => {
    expect(refusal({ targets: [target], balancer: { tokens_count_strategy: 'llm-accuracy' } })).toBeNull()
  })
  it.each([
    ['a header match without key', { allow: [{ match: [{ type: 'header', values: ['x'] }] }] }, { config: { acls: { allow: [{ match: [{ key: "required field missing (for type 'header')" }] }] } } }],
    ['a bad ip', { deny: [{ match: [{ type: 'ip', values: ['10.0.0.0/8', '300.1.1.1', '1.2.3.4/33'] }] }] }, { config: { acls: { deny: [{ match: [{ values: [null, "invalid ip or cidr range: '300.1.1.1'", "invalid ip or cidr range: '1.2.3.4/33'"] }] }] } } }],
    ['an unknown type', { deny: [{ match: [{ type: 'tenant', values: ['x'] }] }] }, { config: { acls: { deny: [{ match: [{ type: 'expected one of: consumer, consumer_group, header, ip, model, path, provider' }] }] } } }],
    ['an empty rule', { deny: [{ match: [] }] }, { config: { acls: { deny: [{ match: 'length must be at least 1' }] } } }],
    ['no values', { deny: [{ match: [{ type: 'model', values: [] }] }] }, { config: { acls: { deny: [{ match: [{ values: 'length must be at least 1' }] }] } } }],
  ] as const)('acls: %s is refused', (_n, acls, fields) => {
    expect(refusal({ targets: [target], acls })).toEqual(fields)
  })
  it('a Kong 3.14 acls block loads', () => {
    expect(refusal({ targets: [target], acls: { allow: [{ match: [{ type: 'consumer_group', values: ['gold'] }, { type: 'path', values: ['/v1/*'] }] }] } })).toBeNull()
  })
})
