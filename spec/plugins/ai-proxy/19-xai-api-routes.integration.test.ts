// xAI's Responses API and image generation (Kong 3.13's xai route types), end to end with the
// OpenAI SDK: the fake xAI records what arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    if (req.url === '/v1/images/generations') return res.end('{"created":1,"data":[{"url":"https://imgen.x.ai/1.jpg","revised_prompt":"a cat"}]}')
    res.end(JSON.stringify({ id: 'resp_1', object: 'response', created_at: 1, model: 'grok-4', status: 'completed', output: [],
      usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } }))
  })
  const auth = { header_name: 'Authorization', header_value: 'Bearer xai-key' }
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'img', paths: ['/img'] }, { name: 'resp', paths: ['/resp'] }] }],
    plugins: [
      { name: 'ai-proxy', route: 'img', config: { route_type: 'image/v1/images/generations', auth, model: { provider: 'xai', name: 'grok-2-image', options: { upstream_url: up.url } } } },
      { name: 'ai-proxy', route: 'resp', config: { route_type: 'llm/v1/responses', auth, model: { provider: 'xai', name: 'grok-4', options: { upstream_url: up.url } } } },
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const last = () => up.received[up.received.length - 1]!

describe('xai API routes', () => {
  it('images.generate reaches /v1/images/generations unchanged, with the gateway key', async () => {
    const res = await new OpenAI({ baseURL: `${gw.proxy}/img`, apiKey: 'sk-client', maxRetries: 0 }).images.generate({ model: 'grok-2-image', prompt: 'a cat' })
    expect(res.data?.[0]?.url).toBe('https://imgen.x.ai/1.jpg')
    expect(last()).toMatchObject({ method: 'POST', url: '/v1/images/generations' })
    expect(last().headers.authorization).toBe('Bearer xai-key')
    expect(JSON.parse(last().body.toString())).toEqual({ model: 'grok-2-image', prompt: 'a cat' })
  })

  it('responses.create and responses.retrieve reach /v1/responses and /v1/responses/{id}', async () => {
    const client = new OpenAI({ baseURL: `${gw.proxy}/resp`, apiKey: 'sk-client', maxRetries: 0 })
    const created = await client.responses.create({ model: 'grok-4', input: 'hi' })
    expect(created.id).toBe('resp_1')
    expect(last()).toMatchObject({ method: 'POST', url: '/v1/responses' })
    await client.responses.retrieve('resp_1')
    expect(last()).toMatchObject({ method: 'GET', url: '/v1/responses/resp_1' })
  })
})
