// ai-proxy with Anthropic, end to end (Kong's 03-anthropic_integration_spec, plus llm_format
// anthropic): the OpenAI SDK against provider anthropic, and the Anthropic SDK against a route with
// llm_format anthropic, in front of a fake Anthropic (passthrough) and a fake OpenAI (conversion).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import type { FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi, CHAT_ANSWER } from '../llm/helpers/fake-openai.ts'
import {
  ANTHROPIC_KEY, ANTHROPIC_VERSION, COMPLETE_ANSWER, MESSAGE_ANSWER, TEXT_STREAM, startFakeAnthropic,
} from '../llm/helpers/fake-anthropic.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'

let gw: TestGateway
let anth: FakeUpstream
let oai: FakeUpstream
const logs = logCapture()

const OPENAI_KEY = 'sk-gateway-openai'
const BAD_ANSWER = { nothing_object: { not_interesting_tag_names: 'bad string' } }
const NO_USAGE_ANSWER = { content: [{ text: 'The sum of 1 + 1 is 2.', type: 'text' }], model: 'claude-2.1', stop_reason: 'end_turn', stop_sequence: 'string' }

function anthropicRoute(route: string, config: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  return {
    name: 'ai-proxy',
    route,
    config: {
      route_type: 'llm/v1/chat',
      auth: { header_name: 'x-api-key', header_value: ANTHROPIC_KEY },
      ...config,
      model: {
        provider: 'anthropic', name: 'claude-2.1',
        options: { max_tokens: 256, anthropic_version: ANTHROPIC_VERSION, upstream_url: `${anth.url}/v1/messages`, ...options },
      },
    },
  }
}

beforeAll(async () => {
  anth = await startFakeAnthropic((req, res) => {
    const answer = req.url?.startsWith('/bad/') ? BAD_ANSWER : req.url?.startsWith('/nousage/') ? NO_USAGE_ANSWER : null
    if (!answer) return false
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer))
    return true
  })
  oai = await startFakeOpenAi()
  const routes = ['chat', 'stats', 'bad', 'nousage', 'completions', 'wrongkey', 'claude', 'claude-stats', 'claude-openai']
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      anthropicRoute('chat'),
      anthropicRoute('stats', { logging: { log_statistics: true, log_payloads: true } }, { input_cost: 10, output_cost: 10 }),
      { name: 'log-capture', route: 'stats', config: {} },
      anthropicRoute('bad', {}, { upstream_url: `${anth.url}/bad/v1/messages` }),
      anthropicRoute('nousage', {}, { upstream_url: `${anth.url}/nousage/v1/messages` }),
      anthropicRoute('completions', { route_type: 'llm/v1/completions' }, { upstream_url: `${anth.url}/v1/complete` }),
      anthropicRoute('wrongkey', { auth: { header_name: 'x-api-key', header_value: 'wrong' } }),
      anthropicRoute('claude', { llm_format: 'anthropic' }),
      anthropicRoute('claude-stats', { llm_format: 'anthropic', logging: { log_statistics: true, log_payloads: true } }, { input_cost: 10, output_cost: 10 }),
      { name: 'log-capture', route: 'claude-stats', config: {} },
      {
        name: 'ai-proxy',
        route: 'claude-openai',
        config: {
          route_type: 'llm/v1/chat',
          llm_format: 'anthropic',
          auth: { header_name: 'Authorization', header_value: `Bearer ${OPENAI_KEY}` },
          model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${oai.url}/v1/chat/completions` } },
        },
      },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await anth?.close()
  await oai?.close()
})

const openai = (route: string) => new OpenAI({ baseURL: `${gw.proxy}/${route}`, apiKey: 'sk-client', maxRetries: 0 })
const claude = (route: string, headers: Record<string, string> = {}) =>
  new Anthropic({ baseURL: `${gw.proxy}/${route}`, apiKey: 'sk-ant-client', maxRetries: 0, defaultHeaders: headers })
const lastAnthropic = () => anth.received[anth.received.length - 1]!
const lastOpenAi = () => oai.received[oai.received.length - 1]!
const sentBody = (r: { body: Buffer }) => JSON.parse(r.body.toString())

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${gw.proxy}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

const messages = [
  { role: 'system' as const, content: 'You are a helpful assistant.' },
  { role: 'user' as const, content: 'What is 1 + 1?' },
]
const ADD_TOOL = {
  type: 'function' as const,
  function: { name: 'add', description: 'Adds two numbers', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } },
}

describe('ai-proxy anthropic: OpenAI clients, provider anthropic', () => {
  it('converts a chat request and the answer (x-api-key, anthropic-version, /v1/messages)', async () => {
    const { data, response } = await openai('chat').chat.completions.create({ model: 'claude-2.1', messages }).withResponse()
    expect(data.choices[0]!.message).toEqual({ role: 'assistant', content: 'The sum of 1 + 1 is 2.' })
    expect(data.choices[0]!.finish_reason).toBe('stop')
    expect(data.object).toBe('chat.completion')
    expect(data.model).toBe('claude-2.1')
    expect(data.usage).toEqual({ prompt_tokens: 14, completion_tokens: 10, total_tokens: 24 })
    expect(response.headers.get('x-kong-llm-model')).toBe('anthropic/claude-2.1')

    const got = lastAnthropic()
    expect(got.url).toBe('/v1/messages')
    expect(got.headers['x-api-key']).toBe(ANTHROPIC_KEY)
    expect(got.headers['anthropic-version']).toBe(ANTHROPIC_VERSION)
    expect(sentBody(got)).toEqual({
      model: 'claude-2.1', system: 'You are a helpful assistant.', messages: [{ role: 'user', content: 'What is 1 + 1?' }],
      max_tokens: 256, stream: false,
    })
  })

  it('streams: Anthropic events become OpenAI chunks with the finish reason, then [DONE]', async () => {
    const stream = await openai('chat').chat.completions.create({ model: 'claude-2.1', messages, stream: true })
    let text = ''
    let finish: string | null = null
    let chunks = 0
    for await (const chunk of stream) {
      chunks++
      expect(chunk.object).toBe('chat.completion.chunk')
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(text).toBe('1 + 1 = 2')
    expect(finish).toBe('stop')
    expect(chunks).toBe(8)
    expect(sentBody(lastAnthropic())).toMatchObject({ stream: true, max_tokens: 256 })

    const raw = await post('/chat', { messages, stream: true })
    expect(raw.headers['content-type']).toMatch(/^text\/event-stream/)
    expect(raw.text.endsWith('data: [DONE]\n\n')).toBe(true)
  })

  it('stream_options.include_usage: a last chunk with usage and no choices, right before [DONE]', async () => {
    const stream = await openai('chat').chat.completions.create({ model: 'claude-2.1', messages, stream: true, stream_options: { include_usage: true } })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    const last = chunks[chunks.length - 1]!
    expect(last.choices).toEqual([])
    expect(last.usage).toEqual({ prompt_tokens: 15, completion_tokens: 9, total_tokens: 24 })
    expect(last).toMatchObject({ id: chunks[0]!.id, object: 'chat.completion.chunk', model: chunks[0]!.model })
    expect(chunks.slice(0, -1).every((c) => c.usage === undefined || c.usage === null)).toBe(true)
    // Anthropic has no such option: it is not sent upstream
    expect(sentBody(lastAnthropic()).stream_options).toBeUndefined()

    const raw = await post('/chat', { messages, stream: true, stream_options: { include_usage: true } })
    const frames = raw.text.split('\n\n').filter((f) => f !== '')
    expect(frames[frames.length - 1]).toBe('data: [DONE]')
    expect(JSON.parse(frames[frames.length - 2]!.slice('data: '.length))).toMatchObject({ choices: [], usage: { total_tokens: 24 } })
    const without = await post('/chat', { messages, stream: true })
    expect(without.text).not.toContain('"usage"')
  })

  it('converts tools and tool calls (non-streamed)', async () => {
    const data = await openai('chat').chat.completions.create({ model: 'claude-2.1', messages, tools: [ADD_TOOL], tool_choice: 'required' })
    expect(data.choices[0]!.finish_reason).toBe('tool_calls')
    expect(data.choices[0]!.message.content).toBe('Adding.')
    expect(data.choices[0]!.message.tool_calls).toEqual([{ id: 'toolu_01', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } }])
    const sent = sentBody(lastAnthropic())
    expect(sent.tools).toEqual([{ name: 'add', description: 'Adds two numbers', input_schema: ADD_TOOL.function.parameters }])
    expect(sent.tool_choice).toEqual({ type: 'any' })
  })

  it('streams tool calls: per-tool indexes, arguments and finish reason through the SDK', async () => {
    const stream = await openai('chat').chat.completions.create({ model: 'claude-2.1', messages, tools: [ADD_TOOL], stream: true })
    const calls: { id?: string; name?: string; args: string }[] = []
    let text = ''
    let finish: string | null = null
    for await (const chunk of stream) {
      const choice = chunk.choices[0]
      if (!choice) continue
      text += choice.delta.content ?? ''
      for (const tc of choice.delta.tool_calls ?? []) {
        const c = (calls[tc.index] ??= { args: '' })
        if (tc.id) c.id = tc.id
        if (tc.function?.name) c.name = tc.function.name
        c.args += tc.function?.arguments ?? ''
      }
      finish = choice.finish_reason ?? finish
    }
    expect(text).toBe('Je vérifie la météo ☀️ à 東京 et à Paris.')
    expect(calls).toEqual([
      { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', args: '{"location": "東京"}' },
      { id: 'toolu_02Paris', name: 'get_weather', args: '{"location": "Paris"}' },
    ])
    expect(finish).toBe('tool_calls')
  })

  it('sends tool results back as tool_result blocks', async () => {
    await openai('chat').chat.completions.create({
      model: 'claude-2.1',
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } }] },
        { role: 'tool', tool_call_id: 'toolu_01', content: '14' },
      ],
      tools: [ADD_TOOL],
    })
    expect(sentBody(lastAnthropic()).messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'add', input: { a: 2, b: 12 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '14' }] },
    ])
  })

  it('converts legacy completions to /v1/complete', async () => {
    const data = await openai('completions').completions.create({ model: 'claude-2.1', prompt: 'What are you?' })
    expect(data.choices[0]!.text).toBe(COMPLETE_ANSWER.completion)
    expect(data.object).toBe('text_completion')
    const got = lastAnthropic()
    expect(got.url).toBe('/v1/complete')
    expect(sentBody(got)).toEqual({ model: 'claude-2.1', prompt: 'Human: What are you?\n\nAssistant:', max_tokens_to_sample: 256, stream: false })
  })

  it('an upstream 401 reaches the client unchanged', async () => {
    const r = await post('/wrongkey', { messages })
    expect(r.status).toBe(401)
    expect(JSON.parse(r.text).error.type).toBe('authentication_error')
    expect(r.headers['x-kong-llm-model']).toBeUndefined()
  })

  it('an answer without content is a 500 with Kong\'s message', async () => {
    const r = await post('/bad', { messages })
    expect(r.status).toBe(500)
    expect(JSON.parse(r.text)).toEqual({ error: { message: "transformation failed from type anthropic://llm/v1/chat: 'content' not in anthropic://llm/v1/chat response" } })
  })

  it('an answer without usage carries Kong\'s usage string', async () => {
    const r = await post('/nousage', { messages })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text).usage).toBe('no usage data returned from upstream')
  })

  it('logs usage from the Anthropic stream events (message_start and message_delta)', async () => {
    const r = await post('/stats', { messages, stream: true }, { 'x-test-id': 'anthropic-stream' })
    expect(r.status).toBe(200)
    const ai = (await logs.waitFor('anthropic-stream')).ai.proxy
    expect(ai.meta).toMatchObject({ provider_name: 'anthropic', request_model: 'claude-2.1', request_mode: 'stream' })
    expect(ai.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 9, total_tokens: 24, cost: 0.00024 })
  })
})

describe('ai-proxy anthropic: Anthropic SDK clients (llm_format anthropic)', () => {
  const params = {
    model: 'claude-2.1', max_tokens: 100, system: 'You are a helpful assistant.',
    messages: [{ role: 'user' as const, content: 'What is 1 + 1?' }],
  }

  it('native provider: the request and the answer pass unchanged', async () => {
    const { data, response } = await claude('claude').messages.create(params).withResponse()
    expect(data).toEqual(MESSAGE_ANSWER)
    expect(response.headers.get('x-kong-llm-model')).toBe('anthropic/claude-2.1')
    const got = lastAnthropic()
    expect(got.url).toBe('/v1/messages')
    expect(got.headers['x-api-key']).toBe(ANTHROPIC_KEY)
    expect(got.headers['anthropic-version']).toBe(ANTHROPIC_VERSION)
    expect(sentBody(got)).toEqual(params)
  })

  it('native provider: the client\'s body bytes reach the upstream as they were sent', async () => {
    const raw = '{"model":"claude-2.1",  "max_tokens":5,"messages":[{"role":"user","content":"hi"}], "metadata":{"user_id":"u"}}'
    const res = await request(`${gw.proxy}/claude/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw })
    expect(res.statusCode).toBe(200)
    await res.body.text()
    expect(lastAnthropic().body.toString()).toBe(raw)
  })

  it('native provider: the stream passes unchanged and the SDK reads it', async () => {
    const stream = claude('claude').messages.stream(params)
    const texts: string[] = []
    stream.on('text', (t) => texts.push(t))
    const msg = await stream.finalMessage()
    expect(texts.join('')).toBe('1 + 1 = 2')
    expect(msg.content).toEqual([{ type: 'text', text: '1 + 1 = 2' }])
    expect(msg.usage).toMatchObject({ input_tokens: 15, output_tokens: 9 })

    const res = await request(`${gw.proxy}/claude/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...params, stream: true }),
    })
    expect(Buffer.from(await res.body.arrayBuffer()).equals(TEXT_STREAM)).toBe(true)
  })

  it('native provider with statistics: the stream reaches the SDK unchanged and its event usage is logged', async () => {
    const stream = claude('claude-stats', { 'x-test-id': 'claude-native-stream' }).messages.stream(params)
    const msg = await stream.finalMessage()
    expect(msg.content).toEqual([{ type: 'text', text: '1 + 1 = 2' }])
    const ai = (await logs.waitFor('claude-native-stream')).ai.proxy
    expect(ai.meta).toMatchObject({ provider_name: 'anthropic', request_model: 'claude-2.1', response_model: 'claude-2.1', request_mode: 'stream' })
    // message_start's input_tokens and message_delta's output_tokens, as for a converted stream
    expect(ai.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 9, total_tokens: 24, cost: 0.00024 })
    expect(ai.usage.time_to_first_token).toBeGreaterThanOrEqual(0)
    expect(JSON.parse(ai.payload.response)).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: '1 + 1 = 2' } }] })

    const res = await request(`${gw.proxy}/claude-stats/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...params, stream: true }),
    })
    expect(Buffer.from(await res.body.arrayBuffer()).equals(TEXT_STREAM)).toBe(true)
  })

  it('OpenAI provider: the Messages request is converted, the answer comes back as a message', async () => {
    const msg = await claude('claude-openai').messages.create({ ...params, model: 'gpt-4o-mini', stop_sequences: ['END'], metadata: { user_id: 'u-1' } })
    expect(msg).toMatchObject({
      type: 'message', role: 'assistant', model: CHAT_ANSWER.model,
      content: [{ type: 'text', text: 'The answer is 2.' }], stop_reason: 'end_turn',
      usage: { input_tokens: 25, output_tokens: 12 },
    })
    const got = lastOpenAi()
    expect(got.url).toBe('/v1/chat/completions')
    expect(got.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`)
    expect(sentBody(got)).toEqual({
      model: 'gpt-4o-mini', max_tokens: 100, stop: ['END'], user: 'u-1',
      messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'What is 1 + 1?' }],
    })
  })

  it('OpenAI provider: tools both ways', async () => {
    const msg = await claude('claude-openai').messages.create({
      ...params, model: 'gpt-4o-mini',
      tools: [{ name: 'add', description: 'Adds two numbers', input_schema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } }],
      tool_choice: { type: 'tool', name: 'add' },
    })
    expect(msg.content).toEqual([{ type: 'tool_use', id: 'call_1', name: 'add', input: { a: 2, b: 12 } }])
    expect(msg.stop_reason).toBe('tool_use')
    const sent = sentBody(lastOpenAi())
    expect(sent.tools).toEqual([ADD_TOOL])
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: 'add' } })
  })

  it('OpenAI provider: the stream becomes Anthropic events, usage included', async () => {
    const stream = claude('claude-openai').messages.stream({ ...params, model: 'gpt-4o-mini' })
    const texts: string[] = []
    stream.on('text', (t) => texts.push(t))
    const msg = await stream.finalMessage()
    expect(texts.join('')).toBe('The answer is 2.')
    expect(msg).toMatchObject({ role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: 'The answer is 2.' }] })
    expect(msg.usage).toMatchObject({ input_tokens: 9, output_tokens: 5 })
    expect(sentBody(lastOpenAi())).toMatchObject({ stream: true, stream_options: { include_usage: true } })
  })

  it('OpenAI provider: a streamed tool call arrives as a tool_use block', async () => {
    const msg = await claude('claude-openai').messages.stream({
      ...params, model: 'gpt-4o-mini',
      tools: [{ name: 'add', input_schema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } }],
    }).finalMessage()
    expect(msg.content).toEqual([{ type: 'tool_use', id: 'call_1', name: 'add', input: { a: 2, b: 12 } }])
    expect(msg.stop_reason).toBe('tool_use')
  })

  it('a gateway error keeps Kong\'s error body', async () => {
    const r = await post('/claude-openai', { model: 'gpt-4o-mini', max_tokens: 5 })
    expect(r.status).toBe(400)
    expect(JSON.parse(r.text)).toEqual({ error: { message: "request body doesn't contain valid prompts" } })
  })
})
