// Image generation and edits on Gemini, Vertex and Bedrock, end to end: the OpenAI SDK
// (images.generate; images.edit's multipart upload, read into the JSON edit) and Kong's
// documented request with `generationConfig.imageConfig` talk to the gateway; the fake providers
// record what arrives and answer in their own formats.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI, { toFile } from 'openai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
const AWS_AUTH = { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }

const GEMINI_IMAGE = {
  candidates: [{ content: { role: 'model', parts: [{ text: 'Here is your circle.' }, { inlineData: { mimeType: 'image/png', data: PNG } }] }, finishReason: 'STOP' }],
  usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 1290, totalTokenCount: 1299 },
  modelVersion: 'gemini-2.5-flash-image',
}

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function fake(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
  const url = req.url ?? ''
  if (url.endsWith(':generateContent')) {
    const body = JSON.parse(raw.toString())
    if (body.contents[0].parts[0].text === 'nothing') return json(res, { candidates: [{ content: { parts: [{ text: 'I cannot draw that.' }] } }] })
    return json(res, GEMINI_IMAGE)
  }
  if (url.endsWith('/invoke')) return json(res, { images: [PNG, PNG].slice(0, JSON.parse(raw.toString()).imageGenerationConfig?.numberOfImages ?? 1) })
  json(res, { error: `unexpected ${url}` }, 404)
}

const last = (): Received => up.received[up.received.length - 1]!
const lastJson = () => JSON.parse(last().body.toString())

function plugin(route: string, routeType: string, model: Record<string, unknown>, auth: Record<string, unknown>) {
  return { name: 'ai-proxy', route, config: { route_type: routeType, auth, model, logging: { log_statistics: true } } }
}

beforeAll(async () => {
  up = await startUpstream(fake)
  const gauth = { header_name: 'x-goog-api-key', header_value: 'gemini-key' }
  const studio = { provider: 'gemini', name: 'gemini-2.5-flash-image', options: { upstream_url: `${up.url}/v1beta/models/gemini-2.5-flash-image:generateContent` } }
  const vertex = { provider: 'gemini', name: 'gemini-2.5-flash-image', options: { gemini: { api_endpoint: `http://127.0.0.1:${up.port}`, project_id: 'p1', location_id: 'global' } } }
  const canvas = { provider: 'bedrock', name: 'amazon.nova-canvas-v1:0', options: { bedrock: { aws_region: 'us-east-1' }, upstream_url: `${up.url}/model/amazon.nova-canvas-v1:0/invoke` } }
  const sd = { provider: 'bedrock', name: 'stability.sd3-5-large-v1:0', options: { bedrock: { aws_region: 'us-west-2' }, upstream_url: `${up.url}/model/sd/invoke` } }
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: ['gen', 'edit', 'vertex', 'vertex-edit', 'canvas', 'canvas-edit', 'sd'].map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      plugin('gen', 'image/v1/images/generations', studio, gauth),
      plugin('edit', 'image/v1/images/edits', studio, gauth),
      plugin('vertex', 'image/v1/images/generations', vertex, { header_name: 'Authorization', header_value: 'Bearer vertex-token' }),
      plugin('vertex-edit', 'image/v1/images/edits', vertex, { header_name: 'Authorization', header_value: 'Bearer vertex-token' }),
      plugin('canvas', 'image/v1/images/generations', canvas, AWS_AUTH),
      plugin('canvas-edit', 'image/v1/images/edits', canvas, AWS_AUTH),
      plugin('sd', 'image/v1/images/generations', sd, AWS_AUTH),
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const sdk = (r: string) => new OpenAI({ baseURL: `${gw.proxy}/${r}`, apiKey: 'sk-client', maxRetries: 0 })
const post = async (path: string, body: unknown) => {
  const res = await request(`${gw.proxy}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.statusCode, body: await res.body.json() as Record<string, any> }
}

describe('gemini image generation (generateContent)', () => {
  it('images.generate: the prompt, responseModalities and the aspect ratio of the size; b64_json back with usage', async () => {
    const res = await sdk('gen').images.generate({ model: 'gemini-2.5-flash-image', prompt: 'A red circle on white', size: '1536x1024' })
    expect(res.data?.[0]?.b64_json).toBe(PNG)
    expect(res.usage).toMatchObject({ input_tokens: 9, output_tokens: 1290, total_tokens: 1299 })
    expect(last().url).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent')
    expect(last().headers['x-goog-api-key']).toBe('gemini-key')
    expect(lastJson()).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'A red circle on white' }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '3:2' } },
    })
  })

  it("Kong's imageConfig how-to: generationConfig goes through and wins", async () => {
    const res = await post('/gen', { model: 'gemini-2.5-flash-image', prompt: 'Generate a simple red circle on white background', n: 1,
      generationConfig: { imageConfig: { aspectRatio: '4:3', imageSize: '1k' } } })
    expect(res.status).toBe(200)
    expect(res.body.data[0].b64_json).toBe(PNG)
    expect(lastJson().generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '4:3', imageSize: '1k' } })
  })

  it('an answer without an image is a 500 in Kong\'s shape', async () => {
    const res = await post('/gen', { prompt: 'nothing' })
    expect(res).toEqual({ status: 500, body: { error: { message: 'transformation failed from type gemini://image/v1/images/generations: no image in the Gemini answer' } } })
  })

  it('Vertex: generateContent under the project and location', async () => {
    const res = await sdk('vertex').images.generate({ model: 'gemini-2.5-flash-image', prompt: 'A red circle' })
    expect(res.data?.[0]?.b64_json).toBe(PNG)
    expect(last().url).toBe('/v1/projects/p1/locations/global/publishers/google/models/gemini-2.5-flash-image:generateContent')
    expect(last().headers.authorization).toBe('Bearer vertex-token')
  })

  it('edits (JSON with data-URL images): the images go as inlineData parts after the prompt', async () => {
    const res = await post('/edit', { prompt: 'Make it blue', images: [{ image_url: `data:image/png;base64,${PNG}` }] })
    expect(res.status).toBe(200)
    expect(lastJson().contents).toEqual([{ role: 'user', parts: [{ text: 'Make it blue' }, { inlineData: { mimeType: 'image/png', data: PNG } }] }])
  })

  it("edits as the SDK's multipart upload: the file's bytes go as inlineData after the prompt", async () => {
    const bytes = Buffer.from(PNG, 'base64')
    const res = await sdk('edit').images.edit({ model: 'gemini-2.5-flash-image', image: await toFile(bytes, 'a.png', { type: 'image/png' }), prompt: 'Make it blue', size: '1024x1024' })
    expect(res.data?.[0]?.b64_json).toBe(PNG)
    expect(last().headers['content-type']).toBe('application/json')
    expect(lastJson()).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Make it blue' }, { inlineData: { mimeType: 'image/png', data: bytes.toString('base64') } }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '1:1' } },
    })
  })

  it('the SDK with several images (image[]) and a JPEG: each becomes a part, in order', async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4])
    await sdk('edit').images.edit({ image: [await toFile(Buffer.from(PNG, 'base64'), 'a.png', { type: 'image/png' }), await toFile(jpeg, 'b.jpg', { type: 'image/jpeg' })], prompt: 'Blend' })
    expect(lastJson().contents[0].parts).toEqual([{ text: 'Blend' }, { inlineData: { mimeType: 'image/png', data: PNG } }, { inlineData: { mimeType: 'image/jpeg', data: jpeg.toString('base64') } }])
  })

  it('a mask on Gemini: refused before anything is sent (generateContent has no mask)', async () => {
    const before = up.received.length
    const png = Buffer.from(PNG, 'base64')
    const err = await sdk('edit').images.edit({ image: await toFile(png, 'a.png', { type: 'image/png' }), mask: await toFile(png, 'm.png', { type: 'image/png' }), prompt: 'x' }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err.error.message).toMatch(/'mask' is not supported/)
    expect(up.received.length).toBe(before)
  })

  it('Vertex: the multipart edit goes to generateContent under the project', async () => {
    await sdk('vertex-edit').images.edit({ image: await toFile(Buffer.from(PNG, 'base64'), 'a.png', { type: 'image/png' }), prompt: 'Make it green' })
    expect(last().url).toBe('/v1/projects/p1/locations/global/publishers/google/models/gemini-2.5-flash-image:generateContent')
    expect(lastJson().contents[0].parts).toEqual([{ text: 'Make it green' }, { inlineData: { mimeType: 'image/png', data: PNG } }])
  })
})

describe('bedrock image generation (InvokeModel)', () => {
  it('Nova Canvas: TEXT_IMAGE with n and size, extra_body merged, SigV4-signed; b64_json back', async () => {
    const res = await sdk('canvas').images.generate({ model: 'amazon.nova-canvas-v1:0', prompt: 'A lighthouse', n: 2, size: '1024x1024', extra_body: { textToImageParams: { negativeText: 'fog' }, imageGenerationConfig: { cfgScale: 8 } } } as never)
    expect(res.data?.map((d) => d.b64_json)).toEqual([PNG, PNG])
    expect(String(last().headers.authorization)).toMatch(/\/us-east-1\/bedrock\/aws4_request/)
    expect(lastJson()).toEqual({
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text: 'A lighthouse', negativeText: 'fog' },
      imageGenerationConfig: { numberOfImages: 2, width: 1024, height: 1024, cfgScale: 8 },
    })
  })

  it('Nova Canvas edits: IMAGE_VARIATION of the input images', async () => {
    const res = await post('/canvas-edit', { prompt: 'In winter', image: `data:image/png;base64,${PNG}` })
    expect(res.status).toBe(200)
    expect(lastJson()).toEqual({ taskType: 'IMAGE_VARIATION', imageVariationParams: { text: 'In winter', images: [PNG] }, imageGenerationConfig: { numberOfImages: 1 } })
  })

  it("Nova Canvas: the SDK's multipart edit becomes IMAGE_VARIATION of the file's bytes, n read as a number", async () => {
    const bytes = Buffer.from(PNG, 'base64')
    const res = await sdk('canvas-edit').images.edit({ image: await toFile(bytes, 'a.png', { type: 'image/png' }), prompt: 'In winter', n: 2 })
    expect(res.data?.map((d) => d.b64_json)).toEqual([PNG, PNG])
    expect(String(last().headers.authorization)).toMatch(/\/us-east-1\/bedrock\/aws4_request/)
    expect(lastJson()).toEqual({ taskType: 'IMAGE_VARIATION', imageVariationParams: { text: 'In winter', images: [bytes.toString('base64')] }, imageGenerationConfig: { numberOfImages: 2 } })
  })

  it('Nova Canvas: a mask makes it INPAINTING of the first image', async () => {
    const png = Buffer.from(PNG, 'base64')
    await sdk('canvas-edit').images.edit({ image: await toFile(png, 'a.png', { type: 'image/png' }), mask: await toFile(png, 'm.png', { type: 'image/png' }), prompt: 'A door' })
    expect(lastJson()).toEqual({ taskType: 'INPAINTING', inPaintingParams: { text: 'A door', image: PNG, maskImage: PNG }, imageGenerationConfig: { numberOfImages: 1 } })
  })

  it("Stability: its own text-to-image body", async () => {
    await sdk('sd').images.generate({ model: 'stability.sd3-5-large-v1:0', prompt: 'A lighthouse', size: '1792x1024' })
    expect(lastJson()).toEqual({ prompt: 'A lighthouse', mode: 'text-to-image', output_format: 'png' })
    await sdk('sd').images.generate({ model: 'stability.sd3-5-large-v1:0', prompt: 'A lighthouse', size: '1536x1024' })
    expect(lastJson()).toMatchObject({ aspect_ratio: '3:2' })
  })
})
