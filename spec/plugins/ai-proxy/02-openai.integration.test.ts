// ai-proxy with the OpenAI provider, end to end: the official OpenAI SDK talks to the gateway,
// the gateway to a fake OpenAI that records what arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import type { FakeUpstream } from '../../../public/testing/upstream.ts'
import { CHAT_ANSWER, EMBEDDINGS_ANSWER, startFakeOpenAi } from '../llm/helpers/fake-openai.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()

const KEY = 'sk-gateway-key'

function aiProxy(route: string, config: Record<string, unknown>, model: Record<string, unknown> = {}) {
  const { options, ...rest } = model as { options?: Record<string, unknown> }
  return {
    name: 'ai-proxy',
    route,
    config: {
      route_type: 'llm/v1/chat',
      auth: { header_name: 'Authorization', header_value: `Bearer ${KEY}` },
      ...config,
      model: { provider: 'openai', name: 'gpt-4o-mini', ...rest, options: { upstream_url: `${up.url}/v1/chat/completions`, ...options } },
    },
  }
}

beforeAll(async () => {
  up = await startFakeOpenAi((req, res) => {
    if (req.url?.startsWith('/fail/')) {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end('{"error":{"message":"bad API key"}}')
      return true
    }
    return false
  })
  const routes = ['chat', 'stats', 'nomodel', 'embeddings', 'deny', 'always', 'completions', 'override', 'query', 'body', 'tiny', 'fail', 'noheader', 'alias']
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [
      ...routes.map((r) => ({ name: r, paths: [`/${r}`] })),
      { name: 'templated', paths: ['~/tpl/(?<model>[^/]+)/chat/completions$'] },
    ] }],
    plugins: [
      aiProxy('chat', {}),
      aiProxy('stats', { logging: { log_statistics: true, log_payloads: true } }, { options: { input_cost: 10, output_cost: 10 } }),
      aiProxy('nomodel', {}, { name: undefined }),
      aiProxy('embeddings', { route_type: 'llm/v1/embeddings', logging: { log_statistics: true } }, { name: 'text-embedding-3-small', options: { upstream_url: `${up.url}/v1/embeddings` } }),
      aiProxy('deny', { response_streaming: 'deny' }),
      aiProxy('always', { response_streaming: 'always' }),
      aiProxy('completions', { route_type: 'llm/v1/completions' }, { name: 'gpt-3.5-turbo-instruct', options: { upstream_url: `${up.url}/v1/completions` } }),
      aiProxy('override', { auth: { header_name: 'Authorization', header_value: `Bearer ${KEY}`, allow_override: true } }),
      aiProxy('query', { auth: { param_name: 'key', param_value: 'q-secret', param_location: 'query' } }),
      aiProxy('body', { auth: { param_name: 'api_key', param_value: 'b-secret', param_location: 'body' } }),
      aiProxy('tiny', { max_request_body_size: 10 }),
      aiProxy('fail', {}, { options: { upstream_url: `${up.url}/fail/v1/chat/completions` } }),
      aiProxy('noheader', { model_name_header: false }),
      aiProxy('alias', {}, { model_alias: 'fast' }),
      aiProxy('templated', {}, { name: '$(uri_captures.model)', options: { upstream_url: `${up.url}/v1/chat/completions`, temperature: 0.3 } }),
      { name: 'log-capture' },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const client = (route: string, apiKey = 'sk-client-key') => new OpenAI({ baseURL: `${gw.proxy}/${route}`, apiKey, maxRetries: 0 })
const lastReceived = () => up.received[up.received.length - 1]!

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${gw.proxy}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

const messages = [{ role: 'user' as const, content: 'What is 1 + 1?' }]

describe('ai-proxy openai: chat through the OpenAI SDK', () => {
  it('proxies a chat completion with the configured key, model and the client bytes untouched', async () => {
    const { data, response } = await client('chat').chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse()
    expect(data.choices[0]!.message.content).toBe('The answer is 2.')
    expect(data.usage?.total_tokens).toBe(37)
    expect(response.headers.get('x-kong-llm-model')).toBe('openai/gpt-4o-mini')
    expect(response.headers.get('set-cookie')).toBeNull()
    const got = lastReceived()
    expect(got.url).toBe('/v1/chat/completions')
    expect(got.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(JSON.parse(got.body.toString())).toEqual({ model: 'gpt-4o-mini', messages })
  })

  it('sends the body byte for byte when nothing changes', async () => {
    const raw = '{"model":"gpt-4o-mini",  "messages":[{"role":"user","content":"hi"}], "x_extra": 1}'
    const r = await post('/chat', raw)
    expect(r.status).toBe(200)
    expect(lastReceived().body.toString()).toBe(raw)
  })

  it('adds the configured model when the request has none', async () => {
    const r = await post('/chat', { messages })
    expect(r.status).toBe(200)
    expect(JSON.parse(lastReceived().body.toString()).model).toBe('gpt-4o-mini')
  })

  it('takes the model from the request when the config has none (header names it)', async () => {
    const r = await post('/nomodel', { model: 'try-to-override-the-model', messages })
    expect(r.status).toBe(200)
    expect(r.headers['x-kong-llm-model']).toBe('openai/try-to-override-the-model')
    expect(JSON.parse(lastReceived().body.toString()).model).toBe('try-to-override-the-model')
  })

  it('maps model_alias to the configured model', async () => {
    const r = await post('/alias', { model: 'fast', messages })
    expect(r.status).toBe(200)
    expect(JSON.parse(lastReceived().body.toString()).model).toBe('gpt-4o-mini')
  })

  it('accepts model: null', async () => {
    const r = await post('/chat', { model: null, messages })
    expect(r.status).toBe(200)
    expect(JSON.parse(lastReceived().body.toString()).model).toBe('gpt-4o-mini')
  })

  it('omits X-Kong-LLM-Model when model_name_header is false, unless Kong-Debug is sent', async () => {
    expect((await post('/noheader', { messages })).headers['x-kong-llm-model']).toBeUndefined()
    expect((await post('/noheader', { messages }, { 'kong-debug': '1' })).headers['x-kong-llm-model']).toBe('openai/gpt-4o-mini')
  })

  it('streams through the SDK with text/event-stream and the chunks unchanged', async () => {
    const stream = await client('chat').chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
    let text = ''
    let finish: string | null = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(text).toBe('The answer is 2.')
    expect(finish).toBe('stop')
  })

  it('streams tool calls through the SDK', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } } }]
    const stream = await client('chat').chat.completions.create({ model: 'gpt-4o-mini', messages, tools, stream: true })
    let args = ''
    let name = ''
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta?.tool_calls?.[0]
      if (call?.function?.name) name = call.function.name
      args += call?.function?.arguments ?? ''
    }
    expect(name).toBe('add')
    expect(JSON.parse(args)).toEqual({ a: 2, b: 12 })
  })

  it('answers tool calls (non-streamed)', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'add', parameters: { type: 'object' } } }]
    const data = await client('chat').chat.completions.create({ model: 'gpt-4o-mini', messages, tools })
    expect(data.choices[0]!.message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } })
    expect(JSON.parse(lastReceived().body.toString()).tools[0].function.name).toBe('add')
  })

  it('proxies embeddings through the SDK', async () => {
    const data = await client('embeddings').embeddings.create({ model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float' }, { headers: { 'x-test-id': 'emb' } })
    expect(data.data[0]!.embedding).toEqual(EMBEDDINGS_ANSWER.data[0]!.embedding)
    expect(lastReceived().url).toBe('/v1/embeddings')
    const log = await logs.waitFor('emb')
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 })
  })

  it('proxies legacy completions', async () => {
    const r = await post('/completions', { prompt: 'Say hi' })
    expect(r.status).toBe(200)
    expect(lastReceived().url).toBe('/v1/completions')
    expect(JSON.parse(lastReceived().body.toString()).model).toBe('gpt-3.5-turbo-instruct')
  })

  it('forces streaming with response_streaming always', async () => {
    const r = await post('/always', { messages })
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('text/event-stream')
    expect(JSON.parse(lastReceived().body.toString()).stream).toBe(true)
    expect(r.text.endsWith('data: [DONE]\n\n')).toBe(true)
  })

  it('passes an upstream error through unchanged', async () => {
    const r = await post('/fail', { messages })
    expect(r.status).toBe(401)
    expect(r.text).toBe('{"error":{"message":"bad API key"}}')
    expect(r.headers['x-kong-llm-model']).toBeUndefined()
  })
})

describe('ai-proxy openai: auth', () => {
  it('replaces the client credential unless allow_override', async () => {
    await post('/chat', { messages }, { authorization: 'Bearer client' })
    expect(lastReceived().headers.authorization).toBe(`Bearer ${KEY}`)
    await post('/override', { messages }, { authorization: 'Bearer client' })
    expect(lastReceived().headers.authorization).toBe('Bearer client')
    await post('/override', { messages })
    expect(lastReceived().headers.authorization).toBe(`Bearer ${KEY}`)
  })

  it('adds a query parameter credential', async () => {
    await post('/query?key=client&x=1', { messages })
    expect(lastReceived().url).toBe('/v1/chat/completions?x=1&key=q-secret')
  })

  it('adds a body parameter credential', async () => {
    await post('/body', { messages })
    expect(JSON.parse(lastReceived().body.toString()).api_key).toBe('b-secret')
  })
})

describe('ai-proxy openai: templates', () => {
  it('takes the model from a URI capture and keeps the other options', async () => {
    const r = await post('/tpl/gpt-4.1/chat/completions', { messages })
    expect(r.status).toBe(200)
    expect(r.headers['x-kong-llm-model']).toBe('openai/gpt-4.1')
    expect(JSON.parse(lastReceived().body.toString())).toMatchObject({ model: 'gpt-4.1', temperature: 0.3 })
  })

  it("lets the request's temperature win over the configured default", async () => {
    const r = await post('/tpl/gpt-4.1/chat/completions', { messages, temperature: 0.9 })
    expect(r.status).toBe(200)
    expect(JSON.parse(lastReceived().body.toString()).temperature).toBe(0.9)
  })

  it('refuses a request model that differs from the templated one', async () => {
    const r = await post('/tpl/gpt-4.1/chat/completions', { model: 'other', messages })
    expect(r.status).toBe(400)
    expect(JSON.parse(r.text)).toEqual({ error: { message: 'cannot use own model - must be: gpt-4.1' } })
  })
})

describe('ai-proxy openai: bad input (Kong codes and messages)', () => {
  const cases: [string, string, unknown, number, string][] = [
    ['bad JSON', '/chat', '{"messages": [', 400, "request body doesn't contain valid prompts"],
    ['no prompt', '/chat', { model: 'gpt-4o-mini' }, 400, "request body doesn't contain valid prompts"],
    ['empty body', '/chat', '', 400, "request body doesn't contain valid prompts"],
    ['wrong model', '/chat', { model: 'gpt-4', messages }, 400, 'cannot use own model - must be: gpt-4o-mini'],
    ['no model anywhere', '/nomodel', { messages }, 400, 'model parameter not found in request, nor in gateway configuration'],
    ['too large', '/tiny', { messages }, 400, "request body doesn't contain valid prompts"],
    ['stream denied', '/deny', { messages, stream: true }, 400, 'response streaming is not enabled for this LLM'],
    ['multiple formats', '/chat', { messages, prompt: 'hi' }, 400, 'request matches multiple LLM request formats'],
    ['chat on completions', '/completions', { messages }, 400, '[llm/v1/chat] message format is not compatible with [llm/v1/completions] route type'],
    ['completions on chat', '/chat', { prompt: 'hi' }, 400, '[llm/v1/completions] message format is not compatible with [llm/v1/chat] route type'],
  ]
  it.each(cases)('%s', async (_name, path, body, status, message) => {
    const before = up.received.length
    const r = await post(path, body)
    expect(r.status).toBe(status)
    expect(JSON.parse(r.text)).toEqual({ error: { message } })
    expect(up.received.length).toBe(before)
  })
})

describe('ai-proxy openai: statistics', () => {
  it('logs meta, usage, cost and payloads for a non-streamed answer', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages })
    const r = await post('/stats', body, { 'x-test-id': 'stats-json' })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text)).toEqual(CHAT_ANSWER)
    const ai = (await logs.waitFor('stats-json')).ai.proxy
    expect(ai.meta).toMatchObject({ provider_name: 'openai', request_model: 'gpt-4o-mini', response_model: 'gpt-4o-mini-2024-07-18', request_mode: 'oneshot' })
    expect(typeof ai.meta.plugin_id).toBe('string')
    expect(ai.meta.llm_latency).toBeGreaterThanOrEqual(0)
    expect(ai.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 12, total_tokens: 37, cost: 0.00037 })
    expect(ai.usage.time_per_token).toBeCloseTo(ai.meta.llm_latency / 12)
    expect(ai.payload.request).toBe(body)
    expect(JSON.parse(ai.payload.response)).toEqual(CHAT_ANSWER)
  })

  it('logs estimated usage, time to first token and the synthetic answer for a stream', async () => {
    const r = await post('/stats', { model: 'gpt-4o-mini', messages, stream: true }, { 'x-test-id': 'stats-stream' })
    expect(r.status).toBe(200)
    const ai = (await logs.waitFor('stats-stream')).ai.proxy
    expect(ai.meta.request_mode).toBe('stream')
    // prompt: 5 words × 1.8 = 9; completion: ceil(16 chars / 4) = 4
    expect(ai.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 })
    expect(ai.usage.time_to_first_token).toBeGreaterThanOrEqual(0)
    expect(JSON.parse(ai.payload.response)).toMatchObject({ object: 'chat.completion', choices: [{ finish_reason: 'stop', message: { content: 'The answer is 2.' } }] })
  })
})
