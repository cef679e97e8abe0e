// Streaming through ai-proxy (OpenAI provider): an upstream stream written in pieces cut at awkward
// places (inside an event, inside a UTF-8 character, between CR and LF) reaches the client byte for
// byte; statistics are read on the side; an upstream error on a stream request is not streamed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { chatStream } from '../llm/helpers/fake-openai.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()

const STREAM = Buffer.from(chatStream('gpt-4o-mini', true).replace('The', 'Thé 😀').replace(/\n/g, '\r\n'))
/** cut points: inside the first event, inside 😀 (4 bytes), between a CR and its LF */
const CUTS = [7, STREAM.indexOf('😀') + 2, STREAM.indexOf('\r\n', 200) + 1, STREAM.length - 3]

beforeAll(async () => {
  up = await startUpstream((req, res, body) => {
    const parsed = JSON.parse(body.toString()) as { stream?: boolean; messages?: { content: string }[] }
    if (parsed.messages?.[0]?.content === 'fail') {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end('{"error":{"message":"bad request"}}')
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    let at = 0
    for (const cut of CUTS) { res.write(STREAM.subarray(at, cut)); at = cut }
    res.end(STREAM.subarray(at))
  })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'chat', paths: ['/chat'] }] }],
    plugins: [
      {
        name: 'ai-proxy', route: 'chat',
        config: {
          route_type: 'llm/v1/chat', logging: { log_statistics: true, log_payloads: true },
          model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${up.url}/v1/chat/completions`, input_cost: 1, output_cost: 2 } },
        },
      },
      { name: 'log-capture' },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const post = (content: string, id: string) => request(`${gw.proxy}/chat`, {
  method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': id },
  body: JSON.stringify({ messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } }),
})

describe('ai-proxy streaming', () => {
  it('forwards the upstream stream byte for byte, as text/event-stream', async () => {
    const res = await post('What is 1 + 1?', 's1')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/event-stream')
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.headers['x-kong-llm-model']).toBe('openai/gpt-4o-mini')
    expect(Buffer.from(await res.body.arrayBuffer()).equals(STREAM)).toBe(true)
  })

  it("logs the stream's own usage, its text and time to first token", async () => {
    const res = await post('What is 1 + 1?', 's2')
    await res.body.text()
    const ai = (await logs.waitFor('s2')).ai.proxy
    expect(ai.meta).toMatchObject({ request_mode: 'stream', request_model: 'gpt-4o-mini', provider_name: 'openai' })
    expect(ai.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 5, total_tokens: 14, cost: (9 * 1 + 5 * 2) / 1e6 })
    expect(ai.usage.time_to_first_token).toBeGreaterThanOrEqual(0)
    expect(ai.usage.time_to_first_token).toBeLessThanOrEqual(ai.meta.llm_latency)
    expect(JSON.parse(ai.payload.response).choices[0].message.content).toBe('Thé 😀 answer is 2.')
  })

  it('returns an upstream error on a stream request as it came, not as a stream', async () => {
    const res = await post('fail', 's3')
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toBe('application/json')
    expect(await res.body.text()).toBe('{"error":{"message":"bad request"}}')
  })
})
