// ai-proxy with Cohere, Ollama (the ollama provider and mistral/llama2 in ollama format), llama2
// raw and Hugging Face, end to end: the official OpenAI SDK talks to the gateway, the gateway to
// fake providers that answer in their own formats (JSON, NDJSON streams, TGI SSE) and record
// what arrives. Also the native llm_formats cohere (rerank) and huggingface (TGI /generate).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()

// Kong's 09-streaming cohere events (spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua)
const COHERE_STREAM = [
  '{"is_finished":false,"event_type":"stream-start","generation_id":"3f41d0ea-0d9c-4ecd-990a-88ba46ede663"}',
  ...['1', ' +', ' 1', ' =', ' 2', '.', ' This', ' is', ' the', ' most', ' basic', ' example', ' of', ' addition', '.']
    .map((t) => `{"is_finished":false,"event_type":"text-generation","text":${JSON.stringify(t)}}`),
  '{"is_finished":true,"event_type":"stream-end","response":{"text":"1 + 1 = 2. This is the most basic example of addition.","meta":{"billed_units":{"input_tokens":57,"output_tokens":123}}},"finish_reason":"COMPLETE"}',
]

const OLLAMA_LINES = (model: string) => [
  { model, created_at: '2024-01-15T08:13:38Z', message: { role: 'assistant', content: 'Deux' }, done: false },
  { model, created_at: '2024-01-15T08:13:38Z', message: { role: 'assistant', content: ' — 2 ✓' }, done: false },
  { model, created_at: '2024-01-15T08:13:39Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 26, eval_count: 3 },
].map((l) => JSON.stringify(l) + '\n')

/** writes the pieces one by one, cut at awkward places (inside UTF-8 characters, mid-object) */
function writeCut(res: ServerResponse, text: string, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType })
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length; i += 7) res.write(bytes.subarray(i, i + 7))
  res.end()
}

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function fakeProviders(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
  const body = raw.length > 0 ? JSON.parse(raw.toString()) : {}
  const url = req.url ?? ''
  if (url.startsWith('/cohere/')) {
    if (req.headers.authorization !== 'Bearer cohere-key') return json(res, { message: 'invalid api token' }, 401)
    if (url === '/cohere/v1/chat' && body.stream) return writeCut(res, COHERE_STREAM.join('\n') + '\n', 'application/stream+json')
    if (url === '/cohere/v1/chat') {
      return json(res, {
        text: 'The sum of 1 + 1 is 2.', generation_id: 'gen-1',
        meta: { billed_units: { input_tokens: 81, output_tokens: 258 } },
      })
    }
    if (url === '/cohere/v1/generate') {
      return json(res, { id: 'g-2', prompt: body.prompt, generations: [{ id: '1', text: '1 + 1 is 2.' }], meta: { billed_units: { input_tokens: 4, output_tokens: 6 } } })
    }
    if (url === '/cohere/bad') return json(res, { nothing_object: {} })
    if (url === '/cohere/v2/rerank') return json(res, { id: 'r-1', results: [{ index: 1, relevance_score: 0.9 }], meta: { billed_units: { search_units: 1 } } })
  }
  if (url === '/ollama/api/chat' || url === '/mistral/api/chat' || url === '/llama2/ollama') {
    if (body.stream) return writeCut(res, OLLAMA_LINES(body.model).join(''), 'application/x-ndjson')
    return json(res, {
      model: body.model, created_at: '2024-01-15T08:13:38Z', message: { role: 'assistant', content: 'Deux.' },
      done: true, done_reason: 'stop', prompt_eval_count: 26, eval_count: 3,
    })
  }
  if (url === '/llama2/raw') {
    return json(res, { data: [{ generated_text: `${body.inputs}\n\nIs a well known font.` }] })
  }
  if (url === '/hf/v1/chat/completions') {
    if (body.stream) {
      const chunk = (delta: unknown, finish: string | null) => `data: ${JSON.stringify({ id: 'hf-1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
      return writeCut(res, chunk({ role: 'assistant', content: 'Two' }, null) + chunk({ content: '!' }, null) + chunk({}, 'stop') + 'data: [DONE]\n\n', 'text/event-stream')
    }
    return json(res, {
      object: 'chat.completion', id: 'hf-1', created: 1, model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: ' The sum of 1 + 1 is 2.' }, finish_reason: 'eos_token' }],
      usage: { prompt_tokens: 26, completion_tokens: 40, total_tokens: 66 },
    })
  }
  if (url === '/hf/generate') return json(res, [{ generated_text: 'I am a language model' }])
  if (url === '/hf/native/generate') return json(res, { generated_text: 'native answer', details: { finish_reason: 'eos_token', generated_tokens: 2 } })
  json(res, { error: `unexpected ${url}` }, 404)
}

function plugin(route: string, provider: string, name: string, options: Record<string, unknown>, config: Record<string, unknown> = {}) {
  return {
    name: 'ai-proxy',
    route,
    config: { route_type: 'llm/v1/chat', logging: { log_statistics: true }, ...config, model: { provider, name, options } },
  }
}

beforeAll(async () => {
  up = await startUpstream(fakeProviders)
  const cohereAuth = { auth: { header_name: 'Authorization', header_value: 'Bearer cohere-key' } }
  const routes = ['cohere', 'cohere-gen', 'cohere-bad', 'cohere-native', 'ollama', 'mistral', 'llama2-ollama', 'llama2-raw', 'hf', 'hf-gen', 'hf-native']
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      plugin('cohere', 'cohere', 'command', { upstream_url: `${up.url}/cohere/v1/chat`, max_tokens: 256 }, cohereAuth),
      plugin('cohere-gen', 'cohere', 'command', { upstream_url: `${up.url}/cohere/v1/generate` }, { ...cohereAuth, route_type: 'llm/v1/completions' }),
      plugin('cohere-bad', 'cohere', 'command', { upstream_url: `${up.url}/cohere/bad` }, cohereAuth),
      plugin('cohere-native', 'cohere', 'rerank-v3.5', { upstream_url: `${up.url}/cohere/v2/rerank` }, { ...cohereAuth, llm_format: 'cohere' }),
      plugin('ollama', 'ollama', 'llama3', { upstream_url: `${up.url}/ollama/api/chat`, max_tokens: 64 }),
      plugin('mistral', 'mistral', 'mistral-tiny', { upstream_url: `${up.url}/mistral/api/chat`, mistral_format: 'ollama' }),
      plugin('llama2-ollama', 'llama2', 'llama2', { upstream_url: `${up.url}/llama2/ollama`, llama2_format: 'ollama' }),
      plugin('llama2-raw', 'llama2', 'llama2', { upstream_url: `${up.url}/llama2/raw`, llama2_format: 'raw', max_tokens: 32 }),
      plugin('hf', 'huggingface', 'mistralai/Mistral-7B-Instruct-v0.2', { upstream_url: `${up.url}/hf/v1/chat/completions`, max_tokens: 100 }),
      plugin('hf-gen', 'huggingface', 'mistralai/Mistral-7B-Instruct-v0.2', { upstream_url: `${up.url}/hf/generate` }, { route_type: 'llm/v1/completions' }),
      plugin('hf-native', 'huggingface', 'tgi', { upstream_url: `${up.url}/hf/native/generate` }, { llm_format: 'huggingface' }),
      { name: 'log-capture' },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const client = (route: string, testId?: string) => new OpenAI({
  baseURL: `${gw.proxy}/${route}`, apiKey: 'sk-client', maxRetries: 0, ...(testId && { defaultHeaders: { 'x-test-id': testId } }),
})
const received = (path: string) => up.received.filter((r) => r.url === path).at(-1)!
const MESSAGES = [
  { role: 'system' as const, content: 'You are a helpful assistant.' },
  { role: 'user' as const, content: 'What is 1 + 1?' },
]

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
  for await (const c of stream) chunks.push(c)
  return { chunks, text: chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('') }
}

describe('cohere', () => {
  it('chat: OpenAI request → chat_history + message, answer back in OpenAI shape', async () => {
    const res = await client('cohere').chat.completions.create({ model: 'command', messages: MESSAGES }).withResponse()
    expect(res.data).toMatchObject({ object: 'chat.completion', model: 'command', id: 'gen-1', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'The sum of 1 + 1 is 2.' } }] })
    expect(res.data.usage).toEqual({ prompt_tokens: 81, completion_tokens: 258, total_tokens: 339 })
    expect(res.response.headers.get('x-kong-llm-model')).toBe('cohere/command')
    expect(JSON.parse(received('/cohere/v1/chat').body.toString())).toEqual({
      chat_history: [{ role: 'USER', message: 'You are a helpful assistant.' }], message: 'What is 1 + 1?', model: 'command', max_tokens: 256, stream: false,
    })
  })

  it('chat stream: NDJSON events become OpenAI chunks; usage logged from stream-end', async () => {
    const stream = await client('cohere', 'cohere-stream').chat.completions.create({ model: 'command', messages: MESSAGES, stream: true })
    const { chunks, text } = await collect(stream)
    expect(text).toBe('1 + 1 = 2. This is the most basic example of addition.')
    // Kong's 17 events (start, 15 tokens, [DONE]) plus the finish_reason chunk before [DONE]
    expect(chunks).toHaveLength(17)
    expect(chunks[0].id).toBe('3f41d0ea-0d9c-4ecd-990a-88ba46ede663')
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop')
    const ai = (await logs.waitFor('cohere-stream')).ai.proxy
    expect(ai.usage).toMatchObject({ prompt_tokens: 57, completion_tokens: 123, total_tokens: 180 })
  })

  it('completions: prompt → /v1/generate, generations → choices[].text', async () => {
    const res = await client('cohere-gen').completions.create({ model: 'command', prompt: 'What are you?' })
    expect(res).toMatchObject({ object: 'text_completion', model: 'command', choices: [{ index: 0, text: '1 + 1 is 2.', finish_reason: 'stop' }], usage: { total_tokens: 10 } })
  })

  it("an answer without text or generations gives Kong's 500", async () => {
    const err = await client('cohere-bad').chat.completions.create({ model: 'command', messages: MESSAGES }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.InternalServerError)
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).message)
      .toContain("transformation failed from type cohere://llm/v1/chat: 'text' or 'generations' missing from cohere response body")
  })

  it('llm_format cohere: a rerank call passes through unchanged', async () => {
    const body = '{"model":"rerank-v3.5","query":"capital of France?","documents":["Berlin","Paris"],"top_n":1}'
    const res = await request(`${gw.proxy}/cohere-native/v2/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(res.statusCode).toBe(200)
    expect(await res.body.json()).toEqual({ id: 'r-1', results: [{ index: 1, relevance_score: 0.9 }], meta: { billed_units: { search_units: 1 } } })
    const got = received('/cohere/v2/rerank')
    expect(got.body.toString()).toBe(body)
    expect(got.headers.authorization).toBe('Bearer cohere-key')
  })
})

describe('ollama format (ollama provider, mistral and llama2 with *_format: ollama)', () => {
  it.for([
    ['ollama', 'llama3', '/ollama/api/chat'],
    ['mistral', 'mistral-tiny', '/mistral/api/chat'],
    ['llama2-ollama', 'llama2', '/llama2/ollama'],
  ])('%s: chat', async ([route, model, path]) => {
    const res = await client(route).chat.completions.create({ model, messages: MESSAGES, temperature: 0.2 })
    expect(res).toMatchObject({ object: 'chat.completion', model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Deux.' } }] })
    expect(res.usage).toEqual({ prompt_tokens: 26, completion_tokens: 3, total_tokens: 29 })
    const sent = JSON.parse(received(path).body.toString())
    expect(sent).toMatchObject({ model, messages: MESSAGES, stream: false, options: { temperature: 0.2 } })
  })

  it.for(['ollama', 'mistral', 'llama2-ollama'])('%s: NDJSON stream, cut mid-character, becomes OpenAI chunks', async (route) => {
    const stream = await client(route, `stream-${route}`).chat.completions.create({ model: route === 'mistral' ? 'mistral-tiny' : route === 'ollama' ? 'llama3' : 'llama2', messages: MESSAGES, stream: true })
    const { chunks, text } = await collect(stream)
    expect(text).toBe('Deux — 2 ✓')
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop')
    expect((await logs.waitFor(`stream-${route}`)).ai.proxy.usage).toMatchObject({ prompt_tokens: route === 'mistral' ? expect.any(Number) : 26, completion_tokens: 3 })
  })

  it('the SDK stream helper assembles the final message', async () => {
    const final = await client('ollama').chat.completions.stream({ model: 'llama3', messages: MESSAGES }).finalChatCompletion()
    expect(final.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'Deux — 2 ✓' } })
  })
})

describe('llama2 raw', () => {
  it('chat: [INST] prompt upstream, text after the last [/INST] back', async () => {
    const res = await client('llama2-raw').chat.completions.create({ model: 'llama2', messages: MESSAGES })
    expect(res.choices[0].message).toEqual({ role: 'assistant', content: 'Is a well known font.' })
    expect(JSON.parse(received('/llama2/raw').body.toString())).toEqual({
      inputs: '<s>[INST] <<SYS>> You are a helpful assistant. <</SYS>> What is 1 + 1? [/INST]',
      parameters: { max_new_tokens: 32, stream: false },
    })
  })
})

describe('huggingface', () => {
  it('chat: the router answer passes through', async () => {
    const res = await client('hf').chat.completions.create({ model: 'mistralai/Mistral-7B-Instruct-v0.2', messages: MESSAGES }).withResponse()
    expect(res.data).toMatchObject({ model: 'mistralai/Mistral-7B-Instruct-v0.2', object: 'chat.completion', choices: [{ message: { content: ' The sum of 1 + 1 is 2.' } }] })
    expect(res.response.headers.get('x-kong-llm-model')).toBe('huggingface/mistralai/Mistral-7B-Instruct-v0.2')
    expect(JSON.parse(received('/hf/v1/chat/completions').body.toString())).toMatchObject({ model: 'mistralai/Mistral-7B-Instruct-v0.2', max_tokens: 100, messages: MESSAGES })
  })

  it('chat stream: the router SSE reaches the SDK', async () => {
    const { chunks, text } = await collect(await client('hf').chat.completions.create({ model: 'mistralai/Mistral-7B-Instruct-v0.2', messages: MESSAGES, stream: true }))
    expect(text).toBe('Two!')
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop')
  })

  it('completions: prompt → inputs, [{generated_text}] → choices[].text', async () => {
    const res = await client('hf-gen').completions.create({ model: 'mistralai/Mistral-7B-Instruct-v0.2', prompt: 'What are you?', max_tokens: 20 })
    expect(res.choices[0]).toMatchObject({ index: 0, text: 'I am a language model' })
    expect(JSON.parse(received('/hf/generate').body.toString())).toMatchObject({ inputs: 'What are you?', parameters: { max_new_tokens: 20 } })
  })

  it('llm_format huggingface: a TGI /generate call passes through unchanged', async () => {
    const body = '{"inputs":"Who are you?","parameters":{"max_new_tokens":5}}'
    const res = await request(`${gw.proxy}/hf-native/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(res.statusCode).toBe(200)
    expect(await res.body.json()).toEqual({ generated_text: 'native answer', details: { finish_reason: 'eos_token', generated_tokens: 2 } })
    expect(received('/hf/native/generate').body.toString()).toBe(body)
  })
})
