// The configs `npm run bench` generates for ai-proxy (bench/scenarios/kong-config.ts) load and
// serve the bench's requests against the bench mock's answers (OpenAI → OpenAI, OpenAI →
// Anthropic, JSON and SSE), so the bench measures working set-ups.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { aiProxy, proxyConfig } from '../../../bench/scenarios/kong-config.ts'
import { ANTHROPIC_KEY, ANTHROPIC_MODEL, OPENAI_KEY, openaiChatKeyless } from '../../../bench/scenarios/requests.ts'
import { OPENAI_CHAT_JSON, openaiStreamEvents } from '../../../bench/mock/openai-answers.ts'
import { ANTHROPIC_MESSAGE_JSON, anthropicStreamEvents } from '../../../bench/mock/anthropic-answers.ts'

let mock: FakeUpstream
const gateways: TestGateway[] = []

beforeAll(async () => {
  // the bench mock's answers and its key check, on node:http
  mock = await startUpstream((req, res, body) => {
    const stream = (JSON.parse(body.toString()) as { stream?: boolean }).stream === true
    if (req.url === '/v1/chat/completions') {
      if (req.headers.authorization !== `Bearer ${OPENAI_KEY}`) { res.writeHead(401); res.end(); return }
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' })
      res.end(stream ? Buffer.concat(openaiStreamEvents(20)) : OPENAI_CHAT_JSON)
      return
    }
    if (req.headers['x-api-key'] !== ANTHROPIC_KEY || req.headers['anthropic-version'] !== '2023-06-01') { res.writeHead(401); res.end(); return }
    res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' })
    res.end(stream ? Buffer.concat(anthropicStreamEvents(20)) : ANTHROPIC_MESSAGE_JSON)
  })
})

afterAll(async () => {
  for (const g of gateways) await g.close()
  await mock?.close()
})

async function gatewayFor(provider: 'openai' | 'anthropic'): Promise<TestGateway> {
  const g = await startGateway(JSON.stringify(proxyConfig(mock.url, [aiProxy(provider, mock.url)])))
  gateways.push(g)
  return g
}

describe('bench ai-proxy configs', () => {
  it.each([['openai', undefined], ['anthropic', ANTHROPIC_MODEL]] as const)('%s: JSON and SSE requests succeed', async (provider, model) => {
    const g = await gatewayFor(provider)
    for (const stream of [false, true]) {
      const spec = openaiChatKeyless(stream, model)
      const res = await request(`${g.proxy}${spec.path}`, { method: spec.method as 'POST', headers: spec.headers, body: spec.body })
      expect(res.statusCode).toBe(200)
      const text = await res.body.text()
      if (stream) expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
      else expect((JSON.parse(text) as { choices: unknown[] }).choices.length).toBe(1)
    }
  })
})
