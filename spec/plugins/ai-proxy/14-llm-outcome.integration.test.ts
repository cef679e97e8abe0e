// One LlmOutcome per LLM response, whatever its ending: a real gateway (ai-proxy and
// ai-proxy-advanced) in front of fake providers on 127.0.0.1, a listener on the outcome bus, and
// the log record of each request (its log phase runs after the LLM plugins' own) to know the
// request is over before counting its outcomes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi, chatStream } from '../llm/helpers/fake-openai.ts'
import { ANTHROPIC_KEY, ANTHROPIC_VERSION, MESSAGE_ANSWER, startFakeAnthropic } from '../llm/helpers/fake-anthropic.ts'
import { logCapture, type LogRecord } from '../llm/helpers/log-capture.ts'
import { onLlmOutcome } from '../../../plugins/llm/outcome/outcome-bus.ts'
import type { LlmOutcome } from '../../../plugins/llm/outcome/llm-outcome.ts'

let gw: TestGateway
let oai: FakeUpstream
let anth: FakeUpstream
let odd: FakeUpstream
/** streams the fake upstream holds open until the test lets them go */
const held = new Set<() => void>()
const logs = logCapture()
const outcomes: LlmOutcome[] = []
const unsubscribe = onLlmOutcome((o) => { outcomes.push(o) })

const RATE_LIMITED = { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }
const STATS = { log_statistics: true, log_payloads: false }
const COST = { input_cost: 2, output_cost: 8 }
const messages = [{ role: 'user', content: 'What is 1 + 1?' }]

function openaiModel(url: string, name = 'gpt-4o-mini') {
  return { provider: 'openai', name, options: { upstream_url: url, ...COST } }
}
const oaiAuth = { header_name: 'Authorization', header_value: 'Bearer sk-up' }
const anthropicTarget = {
  route_type: 'llm/v1/chat', auth: { header_name: 'x-api-key', header_value: ANTHROPIC_KEY }, logging: STATS,
  model: { provider: 'anthropic', name: 'claude-2.1', options: { max_tokens: 256, anthropic_version: ANTHROPIC_VERSION, upstream_url: '' } },
}

function proxy(route: string, model: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { name: 'ai-proxy', route, config: { route_type: 'llm/v1/chat', auth: oaiAuth, logging: STATS, model, ...extra } }
}

beforeAll(async () => {
  oai = await startFakeOpenAi((req, res) => {
    if (req.url?.startsWith('/limited/')) {
      res.writeHead(429, { 'content-type': 'application/json' })
      res.end(JSON.stringify(RATE_LIMITED))
      return true
    }
    if (req.url?.startsWith('/error/')) {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: 'upstream broke' } }))
      return true
    }
    return false
  })
  anth = await startFakeAnthropic()
  const events = chatStream('gpt-4o-mini').split('\n\n')
  odd = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const first = events.slice(0, 2).join('\n\n') + '\n\n'
    // the connection breaks after the first events
    if (req.url?.startsWith('/reset/')) return void res.write(first, () => res.socket?.destroy())
    // the first events, then nothing until the test ends (the client leaves meanwhile)
    res.write(first)
    held.add(() => res.end())
  })
  const anthUrl = `${anth.url}/v1/messages`
  const at = (t: typeof anthropicTarget) => ({ ...t, model: { ...t.model, options: { ...t.model.options, upstream_url: anthUrl } } })
  const routes = ['json', 'stream', 'error', 'reset', 'abort', 'native', 'failover', 'alldown']
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      { name: 'log-capture', config: {} },
      proxy('json', openaiModel(`${oai.url}/v1/chat/completions`)),
      proxy('stream', openaiModel(`${oai.url}/v1/chat/completions`)),
      proxy('error', openaiModel(`${oai.url}/error/v1/chat/completions`)),
      proxy('reset', openaiModel(`${odd.url}/reset/v1/chat/completions`)),
      proxy('abort', openaiModel(`${odd.url}/hold/v1/chat/completions`)),
      { name: 'ai-proxy', route: 'native', config: { route_type: 'llm/v1/chat', llm_format: 'anthropic', logging: STATS, auth: anthropicTarget.auth, model: { ...at(anthropicTarget).model } } },
      { name: 'ai-proxy-advanced', route: 'failover', config: {
        balancer: { algorithm: 'priority', failover_criteria: ['http_429', 'non_idempotent'] },
        targets: [
          { route_type: 'llm/v1/chat', auth: oaiAuth, logging: STATS, weight: 100, model: openaiModel(`${oai.url}/limited/v1/chat/completions`) },
          { ...at(anthropicTarget), weight: 10 },
        ],
      } },
      { name: 'ai-proxy-advanced', route: 'alldown', config: {
        balancer: { algorithm: 'priority', failover_criteria: ['http_429', 'non_idempotent'] },
        targets: [
          { route_type: 'llm/v1/chat', auth: oaiAuth, logging: STATS, weight: 100, model: openaiModel(`${oai.url}/limited/a/v1/chat/completions`) },
          { route_type: 'llm/v1/chat', auth: oaiAuth, logging: STATS, weight: 10, model: openaiModel(`${oai.url}/limited/b/v1/chat/completions`) },
        ],
      } },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  unsubscribe()
  for (const release of held) release()
  await gw?.close()
  await oai?.close()
  await anth?.close()
  await odd?.close()
})

async function post(path: string, id: string, body: unknown = { messages }) {
  const res = await request(`${gw.proxy}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': id }, body: JSON.stringify(body),
  })
  let text = ''
  try { text = await res.body.text() } catch { /* the gateway dropped the connection mid-answer */ }
  return { status: res.statusCode, text }
}

/** The one outcome of the request logged as `id` (its log record is written after the LLM plugin's log phase). */
async function outcomeOf(id: string): Promise<{ o: LlmOutcome; log: LogRecord }> {
  const log = await logs.waitFor(id)
  const mine = outcomes.filter((o) => o.requestId === log.request.id)
  expect(mine).toHaveLength(1)
  return { o: mine[0]!, log }
}

/** Fields every outcome has, with what the request logged. */
function commonChecks(o: LlmOutcome): void {
  expect(o.cache).toBe('none')
  expect(typeof o.pluginId).toBe('string')
  expect(o.latencyMs).toBeGreaterThanOrEqual(0)
  expect(o.targetLatencyMs).toBeGreaterThanOrEqual(0)
  expect(o.targetLatencyMs).toBeLessThanOrEqual(o.latencyMs)
}

describe('LlmOutcome: one per response, whatever its ending', () => {
  it('complete JSON answer: the provider\'s tokens, the cost, the models; analytics log the same figures', async () => {
    const r = await post('/json', 'o-json')
    expect(r.status).toBe(200)
    const { o, log } = await outcomeOf('o-json')
    commonChecks(o)
    expect(o).toMatchObject({
      ending: 'complete', response: 'passthrough', status: 200, provider: 'openai', requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18', stream: false, timeToFirstTokenMs: null, tried: [0],
      usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 },
    })
    expect(o.cost).toBeCloseTo((25 * 2 + 12 * 8) / 1e6, 12)
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 12, total_tokens: 37, cost: o.cost })
    expect(log.ai.proxy.meta).toMatchObject({ provider_name: 'openai', request_model: 'gpt-4o-mini', response_model: 'gpt-4o-mini-2024-07-18', plugin_id: o.pluginId, request_mode: 'oneshot' })
    expect(log.ai.proxy.meta.llm_latency).toBe(Math.round(o.latencyMs))
  })

  it('complete stream: Kong\'s estimates for a stream without usage, a time to first token', async () => {
    const r = await post('/stream', 'o-stream', { messages, stream: true })
    expect(r.status).toBe(200)
    expect(r.text).toContain('data: [DONE]')
    const { o, log } = await outcomeOf('o-stream')
    commonChecks(o)
    expect(o).toMatchObject({ ending: 'complete', response: 'stream', status: 200, stream: true, tried: [0] })
    // "The answer is 2." = 16 characters → 4; the prompt's 5 words × 1.8 → 9
    expect(o.usage).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 })
    expect(o.timeToFirstTokenMs).not.toBeNull()
    expect(o.timeToFirstTokenMs!).toBeLessThanOrEqual(o.latencyMs)
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13, cost: o.cost, time_to_first_token: Math.round(o.timeToFirstTokenMs!) })
    expect(log.ai.proxy.meta.request_mode).toBe('stream')
  })

  it('upstream error status: the answer goes out as it came, no tokens, no analytics', async () => {
    const r = await post('/error', 'o-error')
    expect(r.status).toBe(500)
    const { o, log } = await outcomeOf('o-error')
    commonChecks(o)
    expect(o).toMatchObject({ ending: 'complete', response: 'none', status: 500, provider: 'openai', usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, cost: 0, tried: [0] })
    expect(log.ai).toBeUndefined()
  })

  it('upstream reset mid-stream: ended by the upstream, what was streamed counted, no analytics', async () => {
    await post('/reset', 'o-reset', { messages, stream: true })
    const { o, log } = await outcomeOf('o-reset')
    commonChecks(o)
    expect(o).toMatchObject({ ending: 'upstream_failed', response: 'stream', stream: true, tried: [0] })
    expect(o.usage.prompt_tokens).toBe(9)
    expect(log.ai).toBeUndefined()
  })

  it('client abort mid-stream: ended by the client, once', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${gw.proxy}/abort`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': 'o-abort' } }, (res) => {
        res.once('data', () => { req.destroy(); resolve() })
      })
      req.on('error', (e) => { if (!req.destroyed) reject(e) })
      req.end(JSON.stringify({ messages, stream: true }))
    })
    const { o, log } = await outcomeOf('o-abort')
    commonChecks(o)
    expect(o).toMatchObject({ ending: 'client_aborted', response: 'stream', stream: true, status: 200, tried: [0] })
    expect(o.timeToFirstTokenMs).not.toBeNull()
    expect(log.ai).toBeUndefined()
  })

  it('native passthrough (llm_format anthropic): the client format\'s usage, analytics the same', async () => {
    const r = await post('/native', 'o-native', { model: 'claude-2.1', max_tokens: 256, messages })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text)).toMatchObject({ type: 'message' })
    const { o, log } = await outcomeOf('o-native')
    commonChecks(o)
    const u = MESSAGE_ANSWER.usage
    expect(o).toMatchObject({
      ending: 'complete', response: 'native', status: 200, provider: 'anthropic', requestModel: 'claude-2.1', stream: false,
      usage: { prompt_tokens: u.input_tokens, completion_tokens: u.output_tokens, total_tokens: u.input_tokens + u.output_tokens },
    })
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: u.input_tokens, completion_tokens: u.output_tokens })
  })

  it('failover then success: the answering target\'s provider and tokens, both targets tried in order', async () => {
    const r = await post('/failover', 'o-failover')
    expect(r.status).toBe(200)
    const { o, log } = await outcomeOf('o-failover')
    commonChecks(o)
    const u = MESSAGE_ANSWER.usage
    expect(o).toMatchObject({
      ending: 'complete', response: 'convert', status: 200, provider: 'anthropic', requestModel: 'claude-2.1', tried: [0, 1],
      usage: { prompt_tokens: u.input_tokens, completion_tokens: u.output_tokens }, cost: 0,
    })
    expect(log.ai.proxy.meta.provider_name).toBe('anthropic')
  })

  it('all targets failed: the last answer, every target tried, no tokens', async () => {
    const r = await post('/alldown', 'o-alldown')
    expect(r.status).toBe(429)
    const { o, log } = await outcomeOf('o-alldown')
    commonChecks(o)
    expect(o).toMatchObject({ ending: 'complete', response: 'none', status: 429, provider: 'openai', tried: [0, 1], usage: { total_tokens: 0 }, cost: 0 })
    // no analytics for an answer that never came; only the targets tried (Kong 3.11's tried_targets)
    expect(Object.keys(log.ai.proxy)).toEqual(['tried_targets'])
    expect(log.ai.proxy.tried_targets).toHaveLength(2)
  })
})
