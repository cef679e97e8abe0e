// Kong 3.11's OpenAI API route types on openai and azure :
// responses, files, batches, assistants, audio and images go to the same API unconverted, multipart
// bodies byte for byte; statistics come from the answer's usage (input_tokens / output_tokens).
// The official OpenAI SDK talks to the gateway, a fake OpenAI / Azure records what arrives.
import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI, { toFile } from 'openai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()
const KEY = 'sk-gateway'

const FILE = { id: 'file-abc', object: 'file', bytes: 6, created_at: 1700000000, filename: 'batch.jsonl', purpose: 'batch' }
const RESPONSE_USAGE = { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 }
const RESPONSE = {
  id: 'resp_1', object: 'response', created_at: 1700000000, status: 'completed', model: 'gpt-4.1-2025-04-14',
  output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hi there', annotations: [] }] }],
  usage: RESPONSE_USAGE,
}
const AUDIO = Buffer.from([0xff, 0xf3, 0x44, 0xc4, 0x00, 0x00, 0x00, 0x03, 0x48, 0x00])

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function responsesStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  const events = [
    { type: 'response.created', sequence_number: 0, response: { ...RESPONSE, status: 'in_progress', output: [], usage: null } },
    { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi' },
    { type: 'response.output_text.delta', sequence_number: 2, item_id: 'msg_1', output_index: 0, content_index: 0, delta: ' there' },
    { type: 'response.completed', sequence_number: 3, response: RESPONSE },
  ]
  res.end(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''))
}

beforeAll(async () => {
  up = await startUpstream((req, res, body) => {
    const path = req.url!.split('?')[0]!.replace(/^\/(custom|openai(\/deployments\/dep)?)(?=\/)/, '')
    const method = req.method!
    if (path === '/v1/files' || path === '/files') return json(res, FILE)
    if (path.endsWith('/files/file-abc/content')) { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.end('line1\n'); return }
    if (path.endsWith('/files/file-abc')) return json(res, method === 'DELETE' ? { id: 'file-abc', object: 'file', deleted: true } : FILE)
    if (path.endsWith('/batches')) return json(res, { id: 'batch_1', object: 'batch', endpoint: '/v1/chat/completions', status: 'validating', input_file_id: 'file-abc', completion_window: '24h', created_at: 1700000000 })
    if (path.endsWith('/assistants')) return json(res, { id: 'asst_1', object: 'assistant', created_at: 1700000000, model: 'gpt-4o', tools: [], instructions: null, name: null, description: null, metadata: {} })
    if (path.endsWith('/responses')) return JSON.parse(body.toString()).stream === true ? responsesStream(res) : json(res, RESPONSE)
    if (path.endsWith('/audio/transcriptions')) return json(res, { text: 'hello', usage: { type: 'tokens', input_tokens: 14, output_tokens: 3, total_tokens: 17 } })
    if (path.endsWith('/audio/speech')) { res.writeHead(200, { 'content-type': 'audio/mpeg' }); res.end(AUDIO); return }
    if (path.endsWith('/images/generations')) return json(res, { created: 1700000000, data: [{ b64_json: 'AAAA' }], usage: { input_tokens: 8, output_tokens: 100, total_tokens: 108 } })
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":{"message":"no such path"}}')
  })

  const openai = (route: string, routeType: string, model: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
    name: 'ai-proxy', route,
    config: {
      route_type: routeType, auth: { header_name: 'Authorization', header_value: `Bearer ${KEY}` }, logging: { log_statistics: true }, ...extra,
      // a bare host: the driver's own paths (/v1/files, ...)
      model: { provider: 'openai', ...model, options: { upstream_url: up.url, ...(model.options as object) } },
    },
  })
  const azure = (route: string, routeType: string, apiVersion = '2024-10-21') => ({
    name: 'ai-proxy', route,
    config: {
      route_type: routeType, auth: { header_name: 'api-key', header_value: 'az-key' },
      model: { provider: 'azure', options: { upstream_url: up.url, azure_instance: 'inst', azure_deployment_id: 'dep', azure_api_version: apiVersion } },
    },
  })
  const routes = ['files', 'custom-files', 'batches', 'assistants', 'responses', 'transcriptions', 'speech', 'images', 'az-files', 'az-responses', 'az-transcriptions', 'anthropic-files']
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      openai('files', 'llm/v1/files'),
      // a URL with a path names the resource: the id and /content after it are kept
      openai('custom-files', 'llm/v1/files', { options: { upstream_url: `${up.url}/custom/v1/files` } }),
      openai('batches', 'llm/v1/batches'),
      openai('assistants', 'llm/v1/assistants'),
      openai('responses', 'llm/v1/responses', { name: 'gpt-4.1' }, { logging: { log_statistics: true, log_payloads: true } }),
      openai('transcriptions', 'audio/v1/audio/transcriptions'),
      openai('speech', 'audio/v1/audio/speech'),
      openai('images', 'image/v1/images/generations', { name: 'gpt-image-1' }),
      azure('az-files', 'llm/v1/files'),
      azure('az-responses', 'llm/v1/responses', 'preview'),
      azure('az-transcriptions', 'audio/v1/audio/transcriptions'),
      { name: 'ai-proxy', route: 'anthropic-files', config: {
        route_type: 'llm/v1/files', auth: { header_name: 'x-api-key', header_value: 'k' },
        model: { provider: 'anthropic', name: 'claude-3-5-haiku', options: { anthropic_version: '2023-06-01', upstream_url: up.url } },
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

const client = (route: string, testId = 'none') =>
  new OpenAI({ baseURL: `${gw.proxy}/${route}`, apiKey: 'sk-client', maxRetries: 0, defaultHeaders: { 'x-test-id': testId } })
const last = (): Received => up.received[up.received.length - 1]!

/** A multipart body built by hand, so the bytes that must arrive upstream are known. */
function multipart(fields: Record<string, string>, file: { name: string; type: string; data: Buffer }) {
  const boundary = '----tollgate-test-boundary'
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.data, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

describe('ai-proxy openai: the OpenAI API route types (passthrough)', () => {
  it('llm/v1/files: upload (multipart, unparsed), retrieve, content, delete through the SDK', async () => {
    const c = client('files')
    const created = await c.files.create({ file: await toFile(Buffer.from('line1\n'), 'batch.jsonl'), purpose: 'batch' })
    expect(created).toEqual(FILE)
    expect(last()).toMatchObject({ method: 'POST', url: '/v1/files' })
    expect(last().headers.authorization).toBe(`Bearer ${KEY}`)
    expect(String(last().headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/)
    expect(last().body.toString()).toContain('line1\n')

    expect(await c.files.retrieve('file-abc')).toEqual(FILE)
    expect(last()).toMatchObject({ method: 'GET', url: '/v1/files/file-abc' })
    expect(await (await c.files.content('file-abc')).text()).toBe('line1\n')
    expect(last().url).toBe('/v1/files/file-abc/content')
    expect(await c.files.delete('file-abc')).toEqual({ id: 'file-abc', object: 'file', deleted: true })
    expect(last()).toMatchObject({ method: 'DELETE', url: '/v1/files/file-abc' })
  })

  it('multipart bodies reach the upstream byte for byte', async () => {
    const m = multipart({ purpose: 'batch' }, { name: 'b.jsonl', type: 'application/jsonl', data: Buffer.from([0x7b, 0x7d, 0x0a, 0xc3, 0xa9, 0x00, 0xff]) })
    const res = await request(`${gw.proxy}/files/files`, { method: 'POST', headers: { 'content-type': m.contentType }, body: m.body })
    expect(res.statusCode).toBe(200)
    await res.body.text()
    expect(last().body.equals(m.body)).toBe(true)
    expect(last().headers['content-type']).toBe(m.contentType)
  })

  it('upstream_url with a path: the resource base, with the id and /content kept after it', async () => {
    const c = client('custom-files')
    await c.files.retrieve('file-abc')
    expect(last().url).toBe('/custom/v1/files/file-abc')
    await c.files.content('file-abc')
    expect(last().url).toBe('/custom/v1/files/file-abc/content')
  })

  it('llm/v1/batches and llm/v1/assistants: JSON bodies unchanged', async () => {
    const raw = '{"input_file_id":"file-abc",  "endpoint":"/v1/chat/completions","completion_window":"24h"}'
    const res = await request(`${gw.proxy}/batches/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw })
    expect(res.statusCode).toBe(200)
    expect(((await res.body.json()) as { id: string }).id).toBe('batch_1')
    expect(last().url).toBe('/v1/batches')
    expect(last().body.toString()).toBe(raw)

    const asst = await client('assistants').beta.assistants.create({ model: 'gpt-4o' })
    expect(asst.id).toBe('asst_1')
    expect(last().url).toBe('/v1/assistants')
    expect(last().headers['openai-beta']).toBe('assistants=v2')
  })

  it('llm/v1/responses: the answer unchanged, usage from input_tokens / output_tokens logged', async () => {
    const r = await client('responses', 'responses-1').responses.create({ model: 'gpt-4.1', input: 'Say hi' })
    expect(r.output_text).toBe('Hi there')
    expect(last().url).toBe('/v1/responses')
    expect(JSON.parse(last().body.toString())).toEqual({ model: 'gpt-4.1', input: 'Say hi' })
    const ai = (await logs.waitFor('responses-1')).ai.proxy
    expect(ai.meta).toMatchObject({ provider_name: 'openai', request_model: 'gpt-4.1', response_model: 'gpt-4.1-2025-04-14', request_mode: 'oneshot' })
    expect(ai.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })
    expect(JSON.parse(ai.payload.response)).toEqual(RESPONSE)
  })

  it('llm/v1/responses: the configured model is added to a body without one; a different one is refused', async () => {
    const res = await request(`${gw.proxy}/responses/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":"Say hi"}' })
    expect(res.statusCode).toBe(200)
    await res.body.text()
    expect(JSON.parse(last().body.toString())).toEqual({ input: 'Say hi', model: 'gpt-4.1' })
    await expect(client('responses').responses.create({ model: 'gpt-4o', input: 'x' })).rejects.toThrow(/cannot use own model - must be: gpt-4.1/)
  })

  it('llm/v1/responses stream: events pass unchanged (no [DONE] added); usage from response.completed', async () => {
    const stream = await client('responses', 'responses-stream').responses.create({ model: 'gpt-4.1', input: 'Say hi', stream: true })
    const types: string[] = []
    let text = ''
    for await (const e of stream) {
      types.push(e.type)
      if (e.type === 'response.output_text.delta') text += e.delta
    }
    expect(types).toEqual(['response.created', 'response.output_text.delta', 'response.output_text.delta', 'response.completed'])
    expect(text).toBe('Hi there')
    const ai = (await logs.waitFor('responses-stream')).ai.proxy
    expect(ai.meta.request_mode).toBe('stream')
    expect(ai.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })

    const raw = await request(`${gw.proxy}/responses/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"gpt-4.1","input":"x","stream":true}' })
    expect(await raw.body.text()).not.toContain('[DONE]')
  })

  it('audio/v1/audio/transcriptions: multipart upstream unparsed, usage logged', async () => {
    const t = await client('transcriptions', 'transcribe').audio.transcriptions.create({ file: await toFile(AUDIO, 'a.mp3'), model: 'gpt-4o-transcribe' })
    expect(t.text).toBe('hello')
    expect(last().url).toBe('/v1/audio/transcriptions')
    expect(last().body.includes(AUDIO)).toBe(true)
    const ai = (await logs.waitFor('transcribe')).ai.proxy
    expect(ai.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 3, total_tokens: 17 })
  })

  it('audio/v1/audio/speech: the binary answer reaches the client unchanged', async () => {
    const res = await client('speech').audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi' })
    expect(Buffer.from(await res.arrayBuffer()).equals(AUDIO)).toBe(true)
    expect(last().url).toBe('/v1/audio/speech')
  })

  it('image/v1/images/generations: the configured model, usage logged', async () => {
    const img = await client('images', 'images').images.generate({ prompt: 'a cat' })
    expect(img.data?.[0]?.b64_json).toBe('AAAA')
    expect(last().url).toBe('/v1/images/generations')
    expect(JSON.parse(last().body.toString())).toEqual({ prompt: 'a cat', model: 'gpt-image-1' })
    const ai = (await logs.waitFor('images')).ai.proxy
    expect(ai.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 100, total_tokens: 108 })
  })

  it("a provider without the route type answers Kong's 400, nothing sent upstream", async () => {
    const before = up.received.length
    const res = await request(`${gw.proxy}/anthropic-files/files`, { method: 'GET' })
    expect(res.statusCode).toBe(400)
    expect(await res.body.json()).toEqual({ error: { message: 'no transformer for anthropic://llm/v1/files' } })
    expect(up.received.length).toBe(before)
  })
})

describe('ai-proxy azure: the OpenAI API route types', () => {
  it('files under /openai/files with api-version, the id kept', async () => {
    const c = client('az-files')
    await c.files.retrieve('file-abc')
    expect(last().url).toBe('/openai/files/file-abc?api-version=2024-10-21')
    expect(last().headers['api-key']).toBe('az-key')
  })

  it('responses under /openai/v1/responses (api-version preview)', async () => {
    const r = await client('az-responses').responses.create({ model: 'gpt-4.1', input: 'Say hi' })
    expect(r.output_text).toBe('Hi there')
    expect(last().url).toBe('/openai/v1/responses?api-version=preview')
  })

  it('audio under the deployment', async () => {
    await client('az-transcriptions').audio.transcriptions.create({ file: await toFile(AUDIO, 'a.mp3'), model: 'whisper' })
    expect(last().url).toBe('/openai/deployments/dep/audio/transcriptions?api-version=2024-10-21')
  })
})
