// ai-proxy with the Bedrock provider, end to end. The OpenAI SDK talks to the gateway, which
// converts to Converse / ConverseStream; the AWS SDK's BedrockRuntimeClient talks Converse
// natively (llm_format bedrock), passed through. A fake Bedrock on 127.0.0.1 checks what arrives
// and answers like Bedrock: JSON, or real event-stream frames written with the SDK's codec.
import { existsSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import OpenAI from 'openai'
import { request } from 'undici'
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, ValidationException } from '@aws-sdk/client-bedrock-runtime'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { SignatureV4 } from '@smithy/signature-v4'
import { Hash } from '@smithy/hash-node'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'
import { encodeAwsEvent } from '../../../plugins/llm/transcoders/aws-event-stream.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0'
const MODEL_PATH = '/model/anthropic.claude-3-haiku-20240307-v1%3A0'
// the SigV4 strategy (plugins/llm/auth/aws-sigv4.ts) is written in parallel: check signatures once it is there
const SIGV4 = existsSync(fileURLToPath(new URL('../../../plugins/llm/auth/aws-sigv4.ts', import.meta.url)))

const AUTH = { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()

const TEXT_ANSWER = {
  output: { message: { role: 'assistant', content: [{ text: 'The answer is 2.' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 12, outputTokens: 6, totalTokens: 18 },
  metrics: { latencyMs: 100 },
}

const TOOL_ANSWER = {
  output: { message: { role: 'assistant', content: [{ text: 'Let me add.' }, { toolUse: { toolUseId: 'tooluse_1', name: 'add', input: { a: 2, b: 12 } } }] } },
  stopReason: 'tool_use',
  usage: { inputTokens: 40, outputTokens: 20, totalTokens: 60 },
  metrics: { latencyMs: 100 },
}

function textEvents(): Buffer[] {
  return [
    encodeAwsEvent('messageStart', { role: 'assistant' }),
    encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'The answer' } }),
    encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ' is 2.' } }),
    encodeAwsEvent('contentBlockStop', { contentBlockIndex: 0 }),
    encodeAwsEvent('messageStop', { stopReason: 'end_turn' }),
    encodeAwsEvent('metadata', { usage: { inputTokens: 12, outputTokens: 6, totalTokens: 18 }, metrics: { latencyMs: 100 } }),
  ]
}

function toolEvents(): Buffer[] {
  return [
    encodeAwsEvent('messageStart', { role: 'assistant' }),
    encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Let me add.' } }),
    encodeAwsEvent('contentBlockStop', { contentBlockIndex: 0 }),
    encodeAwsEvent('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_1', name: 'add' } } }),
    encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"a": 2' } } }),
    encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: ', "b": 12}' } } }),
    encodeAwsEvent('contentBlockStop', { contentBlockIndex: 1 }),
    encodeAwsEvent('messageStop', { stopReason: 'tool_use' }),
    encodeAwsEvent('metadata', { usage: { inputTokens: 40, outputTokens: 20, totalTokens: 60 }, metrics: { latencyMs: 100 } }),
  ]
}

/** Writes the frames cut at odd places, so the gateway sees messages split across reads. */
function writeEventStream(res: ServerResponse, frames: Buffer[]): void {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-1' })
  const all = Buffer.concat(frames)
  for (let at = 0; at < all.length; at += 37) res.write(all.subarray(at, Math.min(at + 37, all.length)))
  res.end()
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

beforeAll(async () => {
  up = await startUpstream((req, res, raw) => {
    const url = req.url ?? ''
    if (url === '/model/broken/converse') {
      return answer(res, 400, { message: 'The provided model identifier is invalid.' }, { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' })
    }
    const body = JSON.parse(raw.toString()) as { toolConfig?: unknown; messages?: { content: Record<string, unknown>[] }[] }
    const last = body.messages?.at(-1)?.content ?? []
    const wantsTool = body.toolConfig !== undefined && !last.some((b) => b.toolResult !== undefined)
    if (url.endsWith('/converse-stream')) return writeEventStream(res, wantsTool ? toolEvents() : textEvents())
    if (url.endsWith('/converse')) return answer(res, 200, wantsTool ? TOOL_ANSWER : TEXT_ANSWER, { 'set-cookie': 'a=b' })
    answer(res, 404, { message: 'not found' })
  })

  const bedrock = (route: string, operation: string, config: Record<string, unknown> = {}, model: Record<string, unknown> = {}) => ({
    name: 'ai-proxy',
    route,
    config: {
      route_type: 'llm/v1/chat',
      auth: AUTH,
      ...config,
      model: {
        provider: 'bedrock',
        name: MODEL,
        ...model,
        options: { bedrock: { aws_region: 'us-east-1' }, upstream_url: `${up.url}${MODEL_PATH}/${operation}`, ...(model.options as object) },
      },
    },
  })
  const routes = ['chat', 'stream', 'titan', 'noregion', 'native-chat', 'native-stream', 'native-broken']
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      bedrock('chat', 'converse', { logging: { log_statistics: true } }, { options: { max_tokens: 256, bedrock: { aws_region: 'us-east-1', performance_config_latency: 'optimized' } } }),
      bedrock('stream', 'converse-stream', { logging: { log_statistics: true } }),
      bedrock('titan', 'converse', {}, { name: 'amazon.titan-text-express-v1' }),
      bedrock('noregion', 'converse', {}, { options: { bedrock: {} } }),
      bedrock('native-chat', 'converse', { llm_format: 'bedrock', logging: { log_statistics: true } }),
      bedrock('native-stream', 'converse-stream', { llm_format: 'bedrock', logging: { log_statistics: true, log_payloads: true } }),
      bedrock('native-broken', 'converse', { llm_format: 'bedrock' }, { options: { upstream_url: `${up.url}/model/broken/converse` } }),
      { name: 'log-capture' },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

afterEach(() => { vi.unstubAllEnvs() })

const openai = (route: string, testId = 'none') =>
  new OpenAI({ baseURL: `${gw.proxy}/${route}`, apiKey: 'sk-client', maxRetries: 0, defaultHeaders: { 'x-test-id': testId } })
const lastReceived = (): Received => up.received[up.received.length - 1]!
const sentBody = () => JSON.parse(lastReceived().body.toString()) as Record<string, any>

/** The gateway's signature (not the client's), and valid for the bytes that arrived: re-signed here with the same key. */
async function expectSigned(got: Received): Promise<void> {
  if (!SIGV4) return
  const authorization = String(got.headers.authorization)
  expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=/)
  const amzDate = String(got.headers['x-amz-date'])
  expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/)
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';')
  const headers: Record<string, string> = {}
  for (const name of signedNames) headers[name] = String(got.headers[name])
  const signer = new SignatureV4({
    service: 'bedrock', region: 'us-east-1', sha256: Hash.bind(null, 'sha256'),
    credentials: { accessKeyId: AUTH.aws_access_key_id, secretAccessKey: AUTH.aws_secret_access_key },
  })
  const date = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`)
  const again = await signer.sign(
    { method: got.method, protocol: 'http:', hostname: '127.0.0.1', port: up.port, path: got.url, query: {}, headers, body: got.body },
    { signingDate: date },
  )
  expect(again.headers.authorization).toBe(authorization)
}

async function post(path: string, body: unknown) {
  const res = await request(`${gw.proxy}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

const TOOLS = [{
  type: 'function' as const,
  function: { name: 'add', description: 'Adds two numbers', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } },
}]

describe('ai-proxy bedrock: the OpenAI SDK through Converse', () => {
  it('converts a chat completion both ways', async () => {
    const { data, response } = await openai('chat', 'chat').chat.completions.create({
      model: MODEL,
      messages: [{ role: 'system', content: 'You are a mathematician.' }, { role: 'user', content: 'What is 1 + 1?' }],
      temperature: 0.2,
    }).withResponse()
    expect(data.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'The answer is 2.' } })
    expect(data.usage).toEqual({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 })
    expect(data.model).toBe(MODEL)
    expect(response.headers.get('x-kong-llm-model')).toBe(`bedrock/${MODEL}`)
    expect(response.headers.get('set-cookie')).toBeNull()

    const got = lastReceived()
    expect(got.url).toBe(`${MODEL_PATH}/converse`)
    expect(got.headers['content-type']).toBe('application/json')
    expect(got.headers['accept-encoding']).toBe('identity')
    await expectSigned(got)
    expect(sentBody()).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      system: [{ text: 'You are a mathematician.' }],
      messages: [{ role: 'user', content: [{ text: 'What is 1 + 1?' }] }],
      inferenceConfig: { maxTokens: 256, temperature: 0.2 },
      performanceConfig: { latency: 'optimized' },
    })

    const ai = (await logs.waitFor('chat')).ai.proxy
    expect(ai.meta).toMatchObject({ provider_name: 'bedrock', request_model: MODEL, response_model: MODEL })
    expect(ai.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 })
  })

  it('sends tools as toolConfig and returns toolUse as tool_calls; tool results go back as toolResult', async () => {
    const first = await openai('chat').chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'add 2 and 12' }], tools: TOOLS, tool_choice: 'required',
    })
    expect(sentBody().toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'add', description: 'Adds two numbers', inputSchema: { json: TOOLS[0].function.parameters } } }],
      toolChoice: { any: {} },
    })
    const msg = first.choices[0]!.message
    expect(first.choices[0]!.finish_reason).toBe('tool_calls')
    expect(msg.content).toBe('Let me add.')
    expect(msg.tool_calls).toEqual([{ id: 'tooluse_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } }])

    const second = await openai('chat').chat.completions.create({
      model: MODEL,
      tools: TOOLS,
      messages: [{ role: 'user', content: 'add 2 and 12' }, msg, { role: 'tool', tool_call_id: 'tooluse_1', content: '{"sum":14}' }],
    })
    expect(second.choices[0]!.message.content).toBe('The answer is 2.')
    expect(sentBody().messages).toEqual([
      { role: 'user', content: [{ text: 'add 2 and 12' }] },
      { role: 'assistant', content: [{ text: 'Let me add.' }, { toolUse: { toolUseId: 'tooluse_1', name: 'add', input: { a: 2, b: 12 } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ json: { sum: 14 } }] } }] },
    ])
  })

  it('streams: ConverseStream event-stream frames become OpenAI chunks', async () => {
    const stream = await openai('stream', 'stream').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'What is 1 + 1?' }], stream: true })
    let text = ''
    const finish: (string | null)[] = []
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish.push(chunk.choices[0]?.finish_reason ?? null)
    }
    expect(text).toBe('The answer is 2.')
    expect(finish.filter((f) => f !== null)).toEqual(['stop'])
    const got = lastReceived()
    expect(got.url).toBe(`${MODEL_PATH}/converse-stream`)
    await expectSigned(got)
    expect(sentBody().messages).toEqual([{ role: 'user', content: [{ text: 'What is 1 + 1?' }] }])
    const ai = (await logs.waitFor('stream')).ai.proxy
    expect(ai.meta.request_mode).toBe('stream')
    expect(ai.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 })
  })

  it('stream_options.include_usage: the metadata usage as the last chunk, before [DONE]', async () => {
    const stream = await openai('stream').chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'What is 1 + 1?' }], stream: true, stream_options: { include_usage: true },
    })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    const last = chunks[chunks.length - 1]!
    expect(last).toMatchObject({ id: chunks[0]!.id, object: 'chat.completion.chunk', model: MODEL, choices: [], usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 } })
    expect(chunks.filter((c) => c.usage)).toHaveLength(1)
  })

  it('streams a tool call the SDK can assemble', async () => {
    const runner = openai('stream').chat.completions.stream({ model: MODEL, messages: [{ role: 'user', content: 'add 2 and 12' }], tools: TOOLS })
    const final = await runner.finalChatCompletion()
    expect(final.choices[0]!.finish_reason).toBe('tool_calls')
    expect(final.choices[0]!.message.content).toBe('Let me add.')
    expect(final.choices[0]!.message.tool_calls).toMatchObject([{ id: 'tooluse_1', type: 'function', function: { name: 'add', arguments: '{"a": 2, "b": 12}' } }])
  })

  it('the raw stream is SSE ending with [DONE]', async () => {
    const r = await post('/stream', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true })
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('text/event-stream')
    expect(r.text.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(r.text.split('\n\n').filter((f) => f.startsWith('data: {'))).toHaveLength(4)
  })

  it("refuses a system prompt for Titan with Kong's 400", async () => {
    const r = await post('/titan', { messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }] })
    expect(r.status).toBe(400)
    expect(JSON.parse(r.text)).toEqual({ error: { message: "error transforming to bedrock://llm/v1/chat: system prompts are unsupported for model 'amazon.titan-text-express-v1" } })
  })

  it("without a region anywhere: 500 'LLM request failed before proxying', nothing sent upstream", async () => {
    vi.stubEnv('AWS_REGION', '')
    vi.stubEnv('AWS_DEFAULT_REGION', '')
    const before = up.received.length
    const r = await post('/noregion', { messages: [{ role: 'user', content: 'u' }] })
    expect(r.status).toBe(500)
    expect(JSON.parse(r.text)).toEqual({ error: { message: 'LLM request failed before proxying' } })
    expect(up.received.length).toBe(before)
  })
})

/** The AWS SDK pointed at a gateway route (HTTP/1.1: the gateway does not speak h2c), tagged for log-capture. */
function bedrockClient(route: string, testId = 'none'): BedrockRuntimeClient {
  const client = new BedrockRuntimeClient({
    endpoint: `${gw.proxy}/${route}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDCLIENT', secretAccessKey: 'client-secret' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  })
  client.middlewareStack.add((next) => (args) => {
    (args.request as { headers: Record<string, string> }).headers['x-test-id'] = testId
    return next(args)
  }, { step: 'build' })
  return client
}

describe('ai-proxy bedrock: the AWS SDK with llm_format bedrock (native passthrough)', () => {
  const input = {
    modelId: MODEL,
    system: [{ text: 'You are a mathematician.' }],
    messages: [{ role: 'user' as const, content: [{ text: 'What is 1 + 1?' }] }],
    inferenceConfig: { maxTokens: 100 },
  }

  it('ConverseCommand: the body goes upstream unchanged and the answer comes back unchanged', async () => {
    const out = await bedrockClient('native-chat', 'native-chat').send(new ConverseCommand(input))
    expect(out.output?.message).toEqual(TEXT_ANSWER.output.message)
    expect(out.stopReason).toBe('end_turn')
    expect(out.usage).toEqual(TEXT_ANSWER.usage)
    const got = lastReceived()
    expect(got.url).toBe(`${MODEL_PATH}/converse`)
    expect(sentBody()).toEqual({ system: input.system, messages: input.messages, inferenceConfig: input.inferenceConfig })
    await expectSigned(got)
    const ai = (await logs.waitFor('native-chat')).ai.proxy
    expect(ai.meta).toMatchObject({ provider_name: 'bedrock', request_model: MODEL })
    expect(ai.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 })
  })

  it('ConverseStreamCommand: the event stream comes back unchanged; its metadata usage is logged', async () => {
    const out = await bedrockClient('native-stream', 'native-stream').send(new ConverseStreamCommand(input))
    const events: unknown[] = []
    for await (const e of out.stream!) events.push(e)
    expect(events).toEqual([
      { messageStart: { role: 'assistant' } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'The answer' } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: ' is 2.' } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { messageStop: { stopReason: 'end_turn' } },
      { metadata: { usage: { inputTokens: 12, outputTokens: 6, totalTokens: 18 }, metrics: { latencyMs: 100 } } },
    ])
    const got = lastReceived()
    expect(got.url).toBe(`${MODEL_PATH}/converse-stream`)
    expect(sentBody()).toEqual({ system: input.system, messages: input.messages, inferenceConfig: input.inferenceConfig })
    // the binary frames were read on the side (cut every 37 bytes upstream) by the driver's transcoder
    const ai = (await logs.waitFor('native-stream')).ai.proxy
    expect(ai.meta).toMatchObject({ provider_name: 'bedrock', request_model: MODEL, response_model: MODEL, request_mode: 'stream' })
    expect(ai.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 })
    expect(JSON.parse(ai.payload.response)).toMatchObject({ choices: [{ finish_reason: 'stop', message: { content: 'The answer is 2.' } }] })
  })

  it("passes Bedrock's errors through, so the SDK raises its own exception", async () => {
    const err = await bedrockClient('native-broken').send(new ConverseCommand(input)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ValidationException)
    expect((err as Error).message).toBe('The provided model identifier is invalid.')
  })

  it("refuses a model other than the configured one with Kong's 400", async () => {
    const err = await bedrockClient('native-chat').send(new ConverseCommand({ ...input, modelId: 'amazon.nova-pro-v1:0' })).catch((e: unknown) => e)
    expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(400)
  })
})
