// Kong 3.13's video/v1/videos/generations route type, end to end: the OpenAI SDK (videos.create,
// a multipart form, and videos.retrieve) against openai and azure, and Kong's documented curl
// (a JSON body with `extra_body`) against Gemini's Veo (predictLongRunning, operations) and
// Bedrock's Nova Reel (StartAsyncInvoke, GetAsyncInvoke). The fake providers record what arrives.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream

const ARN = 'arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc123xyz'
const AWS_AUTH = { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function fake(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? ''
  if (url.startsWith('/v1/videos')) {
    if (req.method === 'GET') return json(res, { id: 'video_123', object: 'video', model: 'sora-2', status: 'completed', progress: 100, created_at: 1, seconds: '4', size: '720x1280' })
    return json(res, { id: 'video_123', object: 'video', model: 'sora-2', status: 'queued', progress: 0, created_at: 1, seconds: '4', size: '720x1280' })
  }
  if (url.startsWith('/openai/v1/video/generations/jobs')) return json(res, { id: 'task_1', object: 'video.generation.job', status: 'queued' })
  if (url === '/v1beta/models/veo-3.0-generate-001:predictLongRunning') return json(res, { name: 'models/veo-3.0-generate-001/operations/op123' })
  if (url === '/v1beta/models/veo-3.0-generate-001/operations/op123') {
    return json(res, { name: 'models/veo-3.0-generate-001/operations/op123', done: true,
      response: { generateVideoResponse: { generatedSamples: [{ video: { uri: 'https://generativelanguage.googleapis.com/v1beta/files/f1:download' } }] } } })
  }
  if (url === '/v1beta/models/veo-3.0-generate-001/operations/failing') {
    return json(res, { name: 'models/veo-3.0-generate-001/operations/failing', done: true, error: { code: 3, message: 'prompt rejected' } })
  }
  if (url === '/v1/projects/p1/locations/us-central1/publishers/google/models/veo-3.0-generate-001:predictLongRunning') {
    return json(res, { name: 'projects/p1/locations/us-central1/publishers/google/models/veo-3.0-generate-001/operations/vop9' })
  }
  if (url === '/v1/projects/p1/locations/us-central1/publishers/google/models/veo-3.0-generate-001:fetchPredictOperation' && req.method === 'POST') {
    return json(res, { name: 'projects/p1/locations/us-central1/publishers/google/models/veo-3.0-generate-001/operations/vop9', done: true,
      response: { '@type': 'type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse', videos: [{ gcsUri: 'gs://bkt/veo/sample_0.mp4', mimeType: 'video/mp4' }] } })
  }
  if (url === '/async-invoke' && req.method === 'POST') return json(res, { invocationArn: ARN })
  if (url === `/async-invoke/${encodeURIComponent(ARN)}`) {
    return json(res, { invocationArn: ARN, modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:0', status: 'Completed',
      outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://videos/out/abc123xyz' } } })
  }
  json(res, { error: `unexpected ${req.method} ${url}` }, 404)
}

const last = (): Received => up.received[up.received.length - 1]!
const lastJson = () => JSON.parse(last().body.toString())

function route(name: string, model: Record<string, unknown>, auth: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { name: 'ai-proxy', route: name, config: { route_type: 'video/v1/videos/generations', auth, model, ...extra } }
}

beforeAll(async () => {
  up = await startUpstream(fake)
  const local = { upstream_url: up.url }
  const bearer = { header_name: 'Authorization', header_value: 'Bearer sk-gateway' }
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [...['openai', 'openai-opts', 'azure', 'veo', 'vertex', 'reel', 'reel-no-s3'].map((r) => ({ name: r, paths: [`/${r}`] })), { name: 'veo-videos', paths: ['/veo2/v1/videos/generations'] }] }],
    plugins: [
      route('openai', { provider: 'openai', name: 'sora-2', options: local }, bearer),
      // Kong's Sora example config: seconds and size as model options
      route('openai-opts', { provider: 'openai', name: 'sora-2', options: { ...local, seconds: 4, size: '720x1280' } }, bearer),
      route('azure', { provider: 'azure', name: 'sora', options: { ...local, azure_instance: 'inst', azure_deployment_id: 'sora', azure_api_version: 'preview' } }, { header_name: 'api-key', header_value: 'az-key' }),
      route('veo', { provider: 'gemini', name: 'veo-3.0-generate-001', options: local }, { header_name: 'x-goog-api-key', header_value: 'gemini-key' }),
      route('veo-videos', { provider: 'gemini', name: 'veo-3.0-generate-001', options: local }, { header_name: 'x-goog-api-key', header_value: 'gemini-key' }),
      route('vertex', { provider: 'gemini', name: 'veo-3.0-generate-001', options: { gemini: { api_endpoint: `http://127.0.0.1:${up.port}`, project_id: 'p1', location_id: 'us-central1' } } },
        { header_name: 'Authorization', header_value: 'Bearer vertex-token' }),
      route('reel', { provider: 'bedrock', name: 'amazon.nova-reel-v1:0', options: { ...local, bedrock: { aws_region: 'us-east-1', video_output_s3_uri: 's3://videos/out' } } }, AWS_AUTH),
      route('reel-no-s3', { provider: 'bedrock', name: 'amazon.nova-reel-v1:0', options: { ...local, bedrock: { aws_region: 'us-east-1' } } }, AWS_AUTH),
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const post = async (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
  const res = await request(`${gw.proxy}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: res.statusCode, body: await res.body.json() as Record<string, any> }
}
const get = async (path: string) => {
  const res = await request(`${gw.proxy}${path}`)
  return { status: res.statusCode, body: await res.body.json() as Record<string, any> }
}

describe('video generations: openai and azure (the OpenAI SDK)', () => {
  const sdk = (r: string) => new OpenAI({ baseURL: `${gw.proxy}/${r}`, apiKey: 'sk-client', maxRetries: 0 })

  it('videos.create (multipart) reaches /v1/videos as it was, with the gateway key', async () => {
    const video = await sdk('openai').videos.create({ model: 'sora-2', prompt: 'A calico cat on a piano', seconds: '4', size: '720x1280' })
    expect(video).toMatchObject({ id: 'video_123', object: 'video', status: 'queued' })
    const got = last()
    expect(got.method).toBe('POST')
    expect(got.url).toBe('/v1/videos')
    expect(got.headers.authorization).toBe('Bearer sk-gateway')
    expect(String(got.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/)
    expect(got.body.toString()).toContain('A calico cat on a piano')
  })

  it('videos.retrieve reaches /v1/videos/{id}', async () => {
    const video = await sdk('openai').videos.retrieve('video_123')
    expect(video.status).toBe('completed')
    expect(last()).toMatchObject({ method: 'GET', url: '/v1/videos/video_123' })
  })

  it("Kong's curl with model.options seconds and size: the defaults fill a JSON request", async () => {
    const res = await post('/openai-opts', { model: 'sora-2', prompt: 'A calico cat on a piano' })
    expect(res.status).toBe(200)
    expect(lastJson()).toEqual({ model: 'sora-2', prompt: 'A calico cat on a piano', seconds: '4', size: '720x1280' })
    await post('/openai-opts', { model: 'sora-2', prompt: 'x', seconds: '8' })
    expect(lastJson()).toMatchObject({ seconds: '8', size: '720x1280' })
  })

  it('azure: the video generation jobs API, with the api-version', async () => {
    const res = await post('/azure', { model: 'sora', prompt: 'A calico cat', n_seconds: 5 })
    expect(res.status).toBe(200)
    expect(last().url).toBe('/openai/v1/video/generations/jobs?api-version=preview')
    expect(last().headers['api-key']).toBe('az-key')
  })
})

describe('video generations: gemini Veo (long-running operations)', () => {
  it("Kong's curl: predictLongRunning with the prompt, seconds and size mapped, extra_body into parameters", async () => {
    const res = await post('/veo', { model: 'veo-3.0-generate-001', prompt: 'A red square rotating', seconds: 8, size: '1280x720', extra_body: { negativePrompt: 'blur', personGeneration: 'dont_allow' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: 'op123', object: 'video', model: 'veo-3.0-generate-001', status: 'in_progress' })
    expect(last().url).toBe('/v1beta/models/veo-3.0-generate-001:predictLongRunning')
    expect(last().headers['x-goog-api-key']).toBe('gemini-key')
    expect(lastJson()).toEqual({
      instances: [{ prompt: 'A red square rotating' }],
      parameters: { durationSeconds: 8, aspectRatio: '16:9', resolution: '720p', negativePrompt: 'blur', personGeneration: 'dont_allow' },
    })
  })

  it('the status call reads the operation: done, with the video URI; failed, with its message', async () => {
    const done = await get('/veo/videos/op123')
    expect(last()).toMatchObject({ method: 'GET', url: '/v1beta/models/veo-3.0-generate-001/operations/op123' })
    expect(done.body).toMatchObject({ id: 'op123', status: 'completed', progress: 100, video_urls: ['https://generativelanguage.googleapis.com/v1beta/files/f1:download'] })
    const failed = await get('/veo/videos/failing')
    expect(failed.body).toMatchObject({ id: 'failing', status: 'failed', error: { code: '3', message: 'prompt rejected' } })
  })

  it("a create POST on a route whose own path has /videos/ in it is still a create", async () => {
    const res = await post('/veo2/v1/videos/generations', { prompt: 'A red square' })
    expect(res.body).toMatchObject({ id: 'op123', status: 'in_progress' })
    expect(last().url).toBe('/v1beta/models/veo-3.0-generate-001:predictLongRunning')
  })

  it('Vertex: predictLongRunning under the project and location', async () => {
    const res = await post('/vertex', { prompt: 'A red square', size: '720x1280' })
    expect(res.body).toMatchObject({ id: 'vop9', status: 'in_progress' })
    expect(last().url).toBe('/v1/projects/p1/locations/us-central1/publishers/google/models/veo-3.0-generate-001:predictLongRunning')
    expect(lastJson().parameters).toEqual({ aspectRatio: '9:16', resolution: '720p' })
  })

  it("Vertex status: the OpenAI SDK's videos.retrieve (a GET) becomes fetchPredictOperation (a POST naming the operation)", async () => {
    const sdk = new OpenAI({ baseURL: `${gw.proxy}/vertex`, apiKey: 'sk-client', maxRetries: 0 })
    const video = await sdk.videos.retrieve('vop9')
    expect(video).toMatchObject({ id: 'vop9', object: 'video', status: 'completed', video_urls: ['gs://bkt/veo/sample_0.mp4'] })
    const got = last()
    expect(got.method).toBe('POST')
    expect(got.url).toBe('/v1/projects/p1/locations/us-central1/publishers/google/models/veo-3.0-generate-001:fetchPredictOperation')
    expect(got.headers.authorization).toBe('Bearer vertex-token')
    expect(got.headers['content-type']).toBe('application/json')
    expect(lastJson()).toEqual({ operationName: 'projects/p1/locations/us-central1/publishers/google/models/veo-3.0-generate-001/operations/vop9' })
  })

  it.each(['..%2Fx', 'vop9%2F..%2F..%2Fmodels', 'vop9:cancel', 'vop9%3Fa%3D1', 'a/b', 'vop.9'])('Vertex status with a hostile id %s is refused, nothing sent', async (id) => {
    const before = up.received.length
    const res = await request(`${gw.proxy}/vertex/videos/${id}`)
    await res.body.dump()
    expect([400, 404]).toContain(res.statusCode)
    expect(up.received.length).toBe(before)
  })
})

describe('video generations: bedrock Nova Reel (async invoke)', () => {
  it("the seed's curl: amazon.nova-reel-v1:0 with fps in extra_body → StartAsyncInvoke, SigV4-signed", async () => {
    const res = await post('/reel', { model: 'amazon.nova-reel-v1:0', prompt: 'A large red square that is rotating', extra_body: { fps: 24, seed: 7 } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: ARN, object: 'video', model: 'amazon.nova-reel-v1:0', status: 'queued' })
    const got = last()
    expect(got.url).toBe('/async-invoke')
    expect(String(got.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/)
    expect(lastJson()).toEqual({
      modelId: 'amazon.nova-reel-v1:0',
      modelInput: { taskType: 'TEXT_VIDEO', textToVideoParams: { text: 'A large red square that is rotating' }, videoGenerationConfig: { durationSeconds: 6, fps: 24, dimension: '1280x720', seed: 7 } },
      outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://videos/out' } },
    })
  })

  it('the status call is GetAsyncInvoke with the ARN percent-encoded', async () => {
    const res = await get(`/reel/videos/${encodeURIComponent(ARN)}`)
    expect(last().url).toBe(`/async-invoke/${encodeURIComponent(ARN)}`)
    expect(res.body).toMatchObject({ id: ARN, status: 'completed', video_urls: ['s3://videos/out/abc123xyz/output.mp4'] })
  })

  it('without video_output_s3_uri: 400 before anything is sent', async () => {
    const before = up.received.length
    const res = await post('/reel-no-s3', { prompt: 'x' })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toBe('error transforming to bedrock://video/v1/videos/generations: model.options.bedrock.video_output_s3_uri is required for video generation')
    expect(up.received.length).toBe(before)
  })
})
