// ai-rate-limiting-advanced counts what each exchange's LlmOutcome says was used: a failover
// counts for the provider of the target that answered; a stream the upstream breaks and a stream
// the client leaves count what was used (with log_statistics off: the limiter asks for usage).
// The log-capture plugin (log phase, after ai-proxy's) tells when a request is over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi, chatStream } from '../llm/helpers/fake-openai.ts'
import { ANTHROPIC_KEY, ANTHROPIC_VERSION, MESSAGE_ANSWER, startFakeAnthropic } from '../llm/helpers/fake-anthropic.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'

let gw: TestGateway
let oai: FakeUpstream
let anth: FakeUpstream
let odd: FakeUpstream
const held = new Set<() => void>()
const logs = logCapture()
const messages = [{ role: 'user', content: 'What is 1 + 1?' }]
const oaiAuth = { header_name: 'Authorization', header_value: 'Bearer sk-up' }
const openaiModel = (url: string) => ({ provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: url } })
const limits = (route: string, providers: { name: string; limit: number[]; window_size: number[] }[], extra: Record<string, unknown> = {}) =>
  ({ name: 'ai-rate-limiting-advanced', route, config: { llm_providers: providers, window_type: 'fixed', identifier: 'ip', ...extra } })

beforeAll(async () => {
  oai = await startFakeOpenAi((req, res) => {
    if (!req.url?.startsWith('/limited/')) return false
    res.writeHead(429, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: 'Rate limit reached' } }))
    return true
  })
  anth = await startFakeAnthropic()
  const events = chatStream('gpt-4o-mini').split('\n\n')
  odd = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const first = events.slice(0, 2).join('\n\n') + '\n\n'
    if (req.url?.startsWith('/reset/')) return void res.write(first, () => res.socket?.destroy())
    res.write(first)
    held.add(() => res.end())
  })
  const routes = ['failover', 'reset', 'abort']
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      { name: 'log-capture', config: {} },
      limits('failover', [{ name: 'openai', limit: [1000], window_size: [3600] }, { name: 'anthropic', limit: [1000], window_size: [3600] }]),
      { name: 'ai-proxy-advanced', route: 'failover', config: {
        balancer: { algorithm: 'priority', failover_criteria: ['http_429', 'non_idempotent'] },
        targets: [
          { route_type: 'llm/v1/chat', auth: oaiAuth, weight: 100, model: openaiModel(`${oai.url}/limited/v1/chat/completions`) },
          { route_type: 'llm/v1/chat', auth: { header_name: 'x-api-key', header_value: ANTHROPIC_KEY }, weight: 10,
            model: { provider: 'anthropic', name: 'claude-2.1', options: { max_tokens: 256, anthropic_version: ANTHROPIC_VERSION, upstream_url: `${anth.url}/v1/messages` } } },
        ],
      } },
      limits('reset', [{ name: 'openai', limit: [1000], window_size: [3600] }], { tokens_count_strategy: 'prompt_tokens' }),
      { name: 'ai-proxy', route: 'reset', config: { route_type: 'llm/v1/chat', auth: oaiAuth, model: openaiModel(`${odd.url}/reset/v1/chat/completions`) } },
      limits('abort', [{ name: 'openai', limit: [1000], window_size: [3600] }], { tokens_count_strategy: 'prompt_tokens' }),
      { name: 'ai-proxy', route: 'abort', config: { route_type: 'llm/v1/chat', auth: oaiAuth, model: openaiModel(`${odd.url}/abort/v1/chat/completions`) } },
    ],
  }), { plugins: [logs.plugin] })
})

afterAll(async () => {
  for (const release of held) release()
  await gw?.close()
  await oai?.close()
  await anth?.close()
  await odd?.close()
})

async function post(path: string, id: string, body: unknown = { messages }) {
  const res = await request(`${gw.proxy}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': id }, body: JSON.stringify(body) })
  let text = ''
  try { text = await res.body.text() } catch { /* the gateway dropped the connection mid-answer */ }
  await logs.waitFor(id)
  return { status: res.statusCode, headers: res.headers, text }
}

describe('ai-rate-limiting-advanced: usage from the outcome', () => {
  it('failover: the tokens count for the provider that answered (anthropic), not the one that failed', async () => {
    expect((await post('/failover', 'f1')).status).toBe(200)
    const next = await post('/failover', 'f2')
    const used = MESSAGE_ANSWER.usage.input_tokens + MESSAGE_ANSWER.usage.output_tokens
    expect(next.headers['x-ai-ratelimit-remaining-hour-anthropic']).toBe(String(1000 - used))
    expect(next.headers['x-ai-ratelimit-remaining-hour-openai']).toBe('1000')
  })

  it('upstream reset mid-stream: the prompt tokens (estimated) are counted', async () => {
    await post('/reset', 'r1', { messages, stream: true })
    const next = await post('/reset', 'r2', { messages, stream: true })
    expect(Number(next.headers['x-ai-ratelimit-remaining-hour-openai'])).toBe(1000 - 9)
  })

  it('client gone mid-stream: what was used is counted', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${gw.proxy}/abort`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': 'a1' } }, (res) => {
        res.once('data', () => { req.destroy(); resolve() })
      })
      req.on('error', (e) => { if (!req.destroyed) reject(e) })
      req.end(JSON.stringify({ messages, stream: true }))
    })
    await logs.waitFor('a1')
    // the held stream of a1 is released at the end; a second request reads the headers
    const res = await request(`${gw.proxy}/abort`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages }) })
    const remaining = res.headers['x-ai-ratelimit-remaining-hour-openai']
    res.body.destroy()
    expect(Number(remaining)).toBe(1000 - 9)
  })
})
