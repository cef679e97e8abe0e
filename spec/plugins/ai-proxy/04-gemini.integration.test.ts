// ai-proxy with the Gemini provider, end to end: the official OpenAI SDK (converted to Gemini) and
// the official Google GenAI SDK (llm_format gemini, passed through) talk to the gateway, the
// gateway to a fake Gemini that records what arrives and answers like AI Studio / Vertex.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { GoogleGenAI } from '@google/genai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()
const KEY = 'gemini-secret'

const TEXT_ANSWER = {
  candidates: [{ content: { role: 'model', parts: [{ text: 'Everything is okay.' }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 11, totalTokenCount: 13 },
  modelVersion: 'gemini-2.0-flash-001',
  responseId: 'resp-1',
}
const TOOL_ANSWER = {
  candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'add', args: { a: 2, b: 12 } } }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 5, totalTokenCount: 25 },
}
const STREAM = [
  { candidates: [{ content: { role: 'model', parts: [{ text: 'The answer' }] }, index: 0 }], usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 2, totalTokenCount: 8 } },
  { candidates: [{ content: { role: 'model', parts: [{ text: ' is 2 — “zwei” 🎉' }] }, index: 0 }], usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 9, totalTokenCount: 15 } },
  { candidates: [{ content: { role: 'model', parts: [{ text: '.' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 10, totalTokenCount: 16 } },
]
const TOOL_STREAM = [
  { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'add', args: { a: 2, b: 12 } } }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 5, totalTokenCount: 25 } },
]

/** Writes a body in pieces cut inside strings, escapes and multi-byte characters. */
function writeInPieces(res: ServerResponse, body: string): void {
  const bytes = Buffer.from(body)
  const cuts = [1, 7, 23, 24, 25, 61, 62, 63, 64, 97, 150, 151, 152, 200, 260, 261]
  let at = 0
  for (const c of cuts) if (c > at && c < bytes.length) { res.write(bytes.subarray(at, c)); at = c }
  res.end(bytes.subarray(at))
}

function fakeGemini(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const url = new URL(req.url!, 'http://x')
  const op = /:([A-Za-z]+)$/.exec(url.pathname)?.[1]
  const parsed = body.length ? JSON.parse(body.toString()) : {}
  const tools = Array.isArray(parsed.tools)
  if (op === 'streamGenerateContent') {
    const events = tools ? TOOL_STREAM : STREAM
    if (url.searchParams.get('alt') === 'sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      writeInPieces(res, events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''))
    } else {
      res.writeHead(200, { 'content-type': 'application/json' })
      writeInPieces(res, `[${events.map((e) => JSON.stringify(e, null, 2)).join(',\r\n')}]`)
    }
    return
  }
  if (op === 'batchEmbedContents') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ embeddings: parsed.requests.map((_: unknown, i: number) => ({ values: [i, 0.5, -0.25] })) }))
    return
  }
  if (parsed.contents?.[0]?.parts?.[0]?.text === 'block me') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ promptFeedback: { blockReason: 'SAFETY', blockReasonMessage: 'blocked' } }))
    return
  }
  res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'a=b' })
  res.end(JSON.stringify(tools ? TOOL_ANSWER : TEXT_ANSWER))
}

const lastReceived = (): Received => up.received[up.received.length - 1]!
const lastBody = () => JSON.parse(lastReceived().body.toString())

beforeAll(async () => {
  up = await startUpstream(fakeGemini)
  const studio = (op: string) => `${up.url}/v1beta/models/gemini-2.0-flash:${op}`
  const queryAuth = { param_name: 'key', param_value: KEY, param_location: 'query' }
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [
      ...['chat', 'stream', 'vertex', 'embeddings'].map((r) => ({ name: r, paths: [`/${r}`] })),
      { name: 'native', paths: ['~/native/v1beta/models/(?<model>[^/:]+):(?<operation>[A-Za-z]+)$'] },
    ] }],
    plugins: [
      { name: 'ai-proxy', route: 'chat', config: {
        route_type: 'llm/v1/chat', auth: queryAuth, logging: { log_statistics: true },
        model: { provider: 'gemini', name: 'gemini-2.0-flash', options: { upstream_url: studio('generateContent'), input_cost: 15, output_cost: 15 } },
      } },
      { name: 'ai-proxy', route: 'stream', config: {
        route_type: 'llm/v1/chat', auth: queryAuth, logging: { log_statistics: true },
        model: { provider: 'gemini', name: 'gemini-2.0-flash', options: { upstream_url: studio('streamGenerateContent') } },
      } },
      { name: 'ai-proxy', route: 'vertex', config: {
        route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer vertex-token' },
        model: { provider: 'gemini', name: 'gemini-1.5-pro', options: { gemini: { api_endpoint: `http://127.0.0.1:${up.port}`, project_id: 'my-project', location_id: 'us-central1' } } },
      } },
      { name: 'ai-proxy', route: 'embeddings', config: {
        route_type: 'llm/v1/embeddings', auth: { header_name: 'x-goog-api-key', header_value: KEY },
        model: { provider: 'gemini', name: 'text-embedding-004', options: { upstream_url: `${up.url}/v1beta/models/text-embedding-004:batchEmbedContents` } },
      } },
      { name: 'ai-proxy', route: 'native', config: {
        route_type: 'llm/v1/chat', llm_format: 'gemini', auth: { header_name: 'x-goog-api-key', header_value: KEY }, logging: { log_statistics: true },
        model: { provider: 'gemini', name: 'gemini-2.0-flash', options: { upstream_url: `${up.url}/v1beta/models/$(uri_captures.model):$(uri_captures.operation)` } },
      } },
      { name: 'log-capture' },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const openai = (route: string, headers: Record<string, string> = {}) =>
  new OpenAI({ baseURL: `${gw.proxy}/${route}`, apiKey: 'sk-client', maxRetries: 0, defaultHeaders: headers })

const TOOLS = [{ type: 'function' as const, function: { name: 'add', description: 'adds two numbers', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } } }]

describe('ai-proxy gemini: OpenAI clients', () => {
  it('chat: converted request (path, key, body), converted answer, model header and statistics', async () => {
    const c = openai('chat', { 'x-test-id': 'chat-1' })
    const { data, response } = await c.chat.completions.create({
      model: 'gemini-2.0-flash',
      messages: [{ role: 'system', content: 'You are a mathematician.' }, { role: 'user', content: 'What is 1 + 1?' }],
      temperature: 0.5, max_tokens: 100,
    }).withResponse()
    const got = lastReceived()
    expect(got.url).toBe(`/v1beta/models/gemini-2.0-flash:generateContent?key=${KEY}`)
    expect(lastBody()).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'What is 1 + 1?' }] }],
      systemInstruction: { parts: [{ text: 'You are a mathematician.' }] },
      generationConfig: { temperature: 0.5, maxOutputTokens: 100 },
    })
    expect(data.choices[0]!.message.content).toBe('Everything is okay.')
    expect(data.choices[0]!.finish_reason).toBe('stop')
    expect(data.model).toBe('gemini-2.0-flash-001')
    expect(data.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 11, total_tokens: 13 })
    expect(response.headers.get('x-kong-llm-model')).toBe('gemini/gemini-2.0-flash')
    expect(response.headers.get('set-cookie')).toBeNull()
    const log = await logs.waitFor('chat-1')
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 11, total_tokens: 13, cost: 0.000195 })
    expect(log.ai.proxy.meta).toMatchObject({ provider_name: 'gemini', request_model: 'gemini-2.0-flash', response_model: 'gemini-2.0-flash-001' })
  })

  it('tools: function_declarations upstream, tool_calls back; tool results go up as functionResponse', async () => {
    const c = openai('chat')
    const first = await c.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'add 2 and 12' }], tools: TOOLS })
    expect(lastBody().tools).toEqual([{ function_declarations: [TOOLS[0]!.function] }])
    const call = first.choices[0]!.message.tool_calls![0]!
    expect(first.choices[0]!.finish_reason).toBe('tool_calls')
    expect(call).toMatchObject({ type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } })
    expect(call.id).toMatch(/^call_/)

    await c.chat.completions.create({
      model: 'gemini-2.0-flash', tools: TOOLS,
      messages: [{ role: 'user', content: 'add 2 and 12' }, first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '14' }],
    })
    expect(lastBody().contents.slice(1)).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'add', args: { a: 2, b: 12 } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'add', response: { result: '14' } } }] },
    ])
  })

  it('stream: the JSON array, cut anywhere, arrives as OpenAI chunks then [DONE]; usage from the last counts', async () => {
    const c = openai('stream', { 'x-test-id': 'stream-1' })
    const stream = await c.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'What is 1 + 1?' }], stream: true })
    let text = ''
    const finishes: (string | null)[] = []
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finishes.push(chunk.choices[0]?.finish_reason ?? null)
      expect(chunk.object).toBe('chat.completion.chunk')
      expect(chunk.model).toBe('gemini-2.0-flash')
    }
    expect(text).toBe('The answer is 2 — “zwei” 🎉.')
    expect(finishes).toEqual([null, null, 'stop'])
    expect(lastReceived().url).toBe(`/v1beta/models/gemini-2.0-flash:streamGenerateContent?key=${KEY}`)
    const log = await logs.waitFor('stream-1')
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 10, total_tokens: 16 })
  })

  it('stream_options.include_usage: the usage chunk (no choices) comes last, before [DONE]', async () => {
    const stream = await openai('stream').chat.completions.create({
      model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'What is 1 + 1?' }], stream: true, stream_options: { include_usage: true },
    })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.map((c) => c.choices.length)).toEqual([1, 1, 1, 0])
    expect(chunks[3]).toMatchObject({ id: chunks[0]!.id, model: 'gemini-2.0-flash', usage: { prompt_tokens: 6, completion_tokens: 10, total_tokens: 16 } })
  })

  it('stream with tools: one tool_calls delta with the whole arguments', async () => {
    const stream = await openai('stream').chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'add' }], tools: TOOLS, stream: true })
    const calls: unknown[] = []
    let finish: string | null = null
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) calls.push(tc)
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(calls).toMatchObject([{ index: 0, type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } }])
    expect(finish).toBe('tool_calls')
  })

  it('Vertex: the regional endpoint, project, location and publisher in the path', async () => {
    const data = await openai('vertex').chat.completions.create({ model: 'gemini-1.5-pro', messages: [{ role: 'user', content: 'hi' }] })
    const got = lastReceived()
    expect(got.url).toBe('/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-1.5-pro:generateContent')
    expect(got.headers.authorization).toBe('Bearer vertex-token')
    expect(lastBody().contents).toEqual([{ role: 'user', parts: [{ text: 'hi' }] }])
    expect(data.choices[0]!.message.content).toBe('Everything is okay.')
  })

  it('embeddings: batchEmbedContents, floats back (and base64 for the SDK default)', async () => {
    const c = openai('embeddings')
    const plain = await c.embeddings.create({ model: 'text-embedding-004', input: ['a', 'b'], encoding_format: 'float' })
    expect(lastReceived().headers['x-goog-api-key']).toBe(KEY)
    expect(lastBody()).toEqual({ requests: [
      { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } },
      { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] } },
    ] })
    expect(plain.data.map((d) => d.embedding)).toEqual([[0, 0.5, -0.25], [1, 0.5, -0.25]])
    const b64 = await c.embeddings.create({ model: 'text-embedding-004', input: 'a' })
    expect(b64.data[0]!.embedding).toEqual([0, 0.5, -0.25])
  })

  it("a blocked prompt (promptFeedback) is Kong's 400, not a 200 nor a 500", async () => {
    const res = await request(`${gw.proxy}/chat`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'block me' }] }),
    })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toBe('application/json')
    expect(await res.body.json()).toEqual({ error: { message: 'blocked' } })
  })
})

describe('ai-proxy gemini: Google GenAI SDK (llm_format gemini)', () => {
  const genai = (headers: Record<string, string> = {}) =>
    new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: `${gw.proxy}/native`, headers } })

  it('generateContent: the native body and answer pass through; statistics from usageMetadata', async () => {
    const res = await genai({ 'x-test-id': 'native-1' }).models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'What is 1 + 1?',
      config: { systemInstruction: 'Be brief.', temperature: 0.1, maxOutputTokens: 50 },
    })
    expect(res.text).toBe('Everything is okay.')
    expect(res.usageMetadata).toMatchObject({ promptTokenCount: 2, candidatesTokenCount: 11 })
    const got = lastReceived()
    expect(got.url).toBe('/v1beta/models/gemini-2.0-flash:generateContent')
    expect(got.headers['x-goog-api-key']).toBe(KEY)
    expect(lastBody()).toEqual({
      contents: [{ parts: [{ text: 'What is 1 + 1?' }], role: 'user' }],
      systemInstruction: { parts: [{ text: 'Be brief.' }], role: 'user' },
      generationConfig: { temperature: 0.1, maxOutputTokens: 50 },
    })
    const log = await logs.waitFor('native-1')
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 11, total_tokens: 13 })
    expect(log.ai.proxy.meta).toMatchObject({ request_model: 'gemini-2.0-flash', response_model: 'gemini-2.0-flash-001' })
  })

  it('generateContentStream: alt=sse goes upstream and the SSE comes back as it was; usage is logged', async () => {
    const stream = await genai({ 'x-test-id': 'native-sse' }).models.generateContentStream({ model: 'gemini-2.0-flash', contents: 'What is 1 + 1?' })
    let text = ''
    for await (const chunk of stream) text += chunk.text ?? ''
    expect(text).toBe('The answer is 2 — “zwei” 🎉.')
    expect(lastReceived().url).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse')
    // read on the side from the passed-through events: usageMetadata's running totals, the last wins
    const log = await logs.waitFor('native-sse')
    expect(log.ai.proxy.meta).toMatchObject({ provider_name: 'gemini', request_model: 'gemini-2.0-flash', request_mode: 'stream' })
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 10, total_tokens: 16 })
  })

  it('streamGenerateContent without alt=sse: the JSON array comes back byte for byte; usage is logged', async () => {
    const res = await request(`${gw.proxy}/native/v1beta/models/gemini-2.0-flash:streamGenerateContent`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': 'native-array' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'What is 1 + 1?' }] }] }),
    })
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe(`[${STREAM.map((e) => JSON.stringify(e, null, 2)).join(',\r\n')}]`)
    const log = await logs.waitFor('native-array')
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 10, total_tokens: 16 })
  })

  it('a model other than the configured one is refused', async () => {
    await expect(genai().models.generateContent({ model: 'gemini-1.5-pro', contents: 'hi' }))
      .rejects.toThrow(/cannot use own model - must be: gemini-2.0-flash/)
  })
})
