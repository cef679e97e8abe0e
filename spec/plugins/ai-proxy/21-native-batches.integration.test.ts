// The providers' own batch APIs through the gateway for native clients: the Google GenAI SDK's
// `batches.*` (llm_format gemini) on AI Studio and Vertex, and Bedrock's model invocation jobs
// (llm_format bedrock, the REST calls boto3 makes) on the control-plane host, signed by the
// gateway. Bodies and answers pass unchanged; the fake providers record what arrives.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GoogleGenAI } from '@google/genai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream

const BATCH = { name: 'batches/b123', displayName: 'nightly', model: 'models/gemini-2.5-flash', state: 'BATCH_STATE_PENDING', inputConfig: { fileName: 'files/in42' } }
const JOB_ARN = 'arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcd1234efgh'
const VERTEX_JOBS = '/v1/projects/p1/locations/us-central1/batchPredictionJobs'

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function fake(req: IncomingMessage, res: ServerResponse): void {
  const url = (req.url ?? '').split('?')[0]!
  const m = req.method
  if (url === '/v1beta/models/gemini-2.5-flash:batchGenerateContent' && m === 'POST') return json(res, { name: 'batches/b123', metadata: { '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch', ...BATCH } })
  if (url === '/v1beta/batches/b123' && m === 'GET') return json(res, { name: 'batches/b123', done: true, metadata: { ...BATCH, state: 'BATCH_STATE_SUCCEEDED' } })
  if (url === '/v1beta/batches' && m === 'GET') return json(res, { operations: [{ name: 'batches/b123', metadata: BATCH }] })
  if (url === '/v1beta/batches/b123:cancel' && m === 'POST') return json(res, {})
  if (url === VERTEX_JOBS && m === 'POST') return json(res, { name: `${VERTEX_JOBS.slice(4)}/987`, state: 'JOB_STATE_PENDING' })
  if (url === `${VERTEX_JOBS}/987` && m === 'GET') return json(res, { name: `${VERTEX_JOBS.slice(4)}/987`, state: 'JOB_STATE_RUNNING' })
  if (url === '/model-invocation-job' && m === 'POST') return json(res, { jobArn: JOB_ARN })
  if (url === '/model-invocation-job/abcd1234efgh' && m === 'GET') return json(res, { jobArn: JOB_ARN, status: 'InProgress' })
  if (url === '/model-invocation-jobs' && m === 'GET') return json(res, { invocationJobSummaries: [] })
  if (url === '/model-invocation-job/abcd1234efgh/stop' && m === 'POST') return json(res, {})
  json(res, { error: { message: `unexpected ${m} ${req.url}` } }, 404)
}

const last = (): Received => up.received[up.received.length - 1]!

beforeAll(async () => {
  up = await startUpstream(fake)
  const native = (r: string, format: string, model: Record<string, unknown>, auth: Record<string, unknown>) =>
    ({ name: 'ai-proxy', route: r, config: { route_type: 'llm/v1/chat', llm_format: format, auth, model } })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: ['studio', 'vertex', 'bedrock'].map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      native('studio', 'gemini', { provider: 'gemini', name: 'gemini-2.5-flash', options: { upstream_url: up.url } }, { header_name: 'x-goog-api-key', header_value: 'gateway-key' }),
      native('vertex', 'gemini', { provider: 'gemini', name: 'gemini-2.5-flash', options: { gemini: { api_endpoint: `http://127.0.0.1:${up.port}`, project_id: 'p1', location_id: 'us-central1' } } },
        { header_name: 'Authorization', header_value: 'Bearer vertex-token' }),
      native('bedrock', 'bedrock', { provider: 'bedrock', name: 'amazon.nova-lite-v1:0', options: { upstream_url: up.url, bedrock: { aws_region: 'us-east-1' } } },
        { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }),
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

describe('Gemini batch API (Google GenAI SDK, llm_format gemini)', () => {
  const ai = () => new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: `${gw.proxy}/studio` } })

  it('batches.create → batchGenerateContent with the gateway key, the body as the SDK sent it', async () => {
    const job = await ai().batches.create({ model: 'gemini-2.5-flash', src: 'files/in42', config: { displayName: 'nightly' } })
    expect(job.name).toBe('batches/b123')
    const got = last()
    expect(got).toMatchObject({ method: 'POST', url: '/v1beta/models/gemini-2.5-flash:batchGenerateContent' })
    expect(got.headers['x-goog-api-key']).toBe('gateway-key')
    expect(JSON.parse(got.body.toString())).toEqual({ batch: { displayName: 'nightly', inputConfig: { fileName: 'files/in42' } } })
  })

  it('batches.get, list and cancel pass through', async () => {
    expect((await ai().batches.get({ name: 'batches/b123' })).state).toBe('JOB_STATE_SUCCEEDED')
    expect(last()).toMatchObject({ method: 'GET', url: '/v1beta/batches/b123' })
    const pager = await ai().batches.list()
    expect(pager.page.map((b) => b.name)).toEqual(['batches/b123'])
    expect(last().method).toBe('GET')
    expect(last().url.split('?')[0]).toBe('/v1beta/batches')
    await ai().batches.cancel({ name: 'batches/b123' })
    expect(last()).toMatchObject({ method: 'POST', url: '/v1beta/batches/b123:cancel' })
  })

  it('a batch for another model is refused as any other native call is', async () => {
    const before = up.received.length
    await expect(ai().batches.create({ model: 'gemini-2.5-pro', src: 'files/in42' })).rejects.toThrow(/cannot use own model/)
    expect(up.received.length).toBe(before)
  })
})

describe('Vertex batchPredictionJobs (llm_format gemini)', () => {
  const call = (method: string, path: string, body?: unknown) =>
    request(`${gw.proxy}/vertex${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })

  it('create and get go to the configured project and location, whatever the client path names', async () => {
    const job = { displayName: 'nightly', model: 'publishers/google/models/gemini-2.5-flash', inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://b/x.jsonl'] } } }
    const res = await call('POST', '/v1/projects/other/locations/elsewhere/batchPredictionJobs', job)
    expect(res.statusCode).toBe(200)
    expect(await res.body.json()).toMatchObject({ state: 'JOB_STATE_PENDING' })
    expect(last()).toMatchObject({ method: 'POST', url: VERTEX_JOBS })
    expect(last().headers.authorization).toBe('Bearer vertex-token')
    expect(JSON.parse(last().body.toString())).toEqual(job)
    const got = await call('GET', '/v1/projects/p1/locations/us-central1/batchPredictionJobs/987')
    expect(got.statusCode).toBe(200)
    await got.body.dump()
    expect(last()).toMatchObject({ method: 'GET', url: `${VERTEX_JOBS}/987` })
  })

  it('a job for another model is refused, nothing sent', async () => {
    const before = up.received.length
    const res = await call('POST', '/v1/projects/p1/locations/us-central1/batchPredictionJobs', { model: 'publishers/google/models/gemini-2.5-pro' })
    expect(res.statusCode).toBe(400)
    expect(await res.body.json()).toEqual({ error: { message: 'cannot use own model - must be: gemini-2.5-flash' } })
    expect(up.received.length).toBe(before)
  })
})

describe("Bedrock model invocation jobs (llm_format bedrock, boto3's REST calls)", () => {
  const call = (method: string, path: string, body?: unknown) =>
    request(`${gw.proxy}/bedrock${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const signed = (r: Received) => expect(String(r.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, /)

  it('CreateModelInvocationJob, Get, List and Stop reach the job API signed for service bedrock', async () => {
    const job = { jobName: 'nightly', roleArn: 'arn:aws:iam::123456789012:role/R', modelId: 'amazon.nova-lite-v1:0',
      inputDataConfig: { s3InputDataConfig: { s3Uri: 's3://b/in.jsonl' } }, outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://b/out/' } } }
    const created = await call('POST', '/model-invocation-job', job)
    expect(await created.body.json()).toEqual({ jobArn: JOB_ARN })
    expect(last()).toMatchObject({ method: 'POST', url: '/model-invocation-job' })
    expect(JSON.parse(last().body.toString())).toEqual(job)
    signed(last())
    for (const [method, path] of [['GET', '/model-invocation-job/abcd1234efgh'], ['GET', '/model-invocation-jobs'], ['POST', '/model-invocation-job/abcd1234efgh/stop']]) {
      const res = await call(method!, path!)
      expect(res.statusCode).toBe(200)
      await res.body.dump()
      expect(last()).toMatchObject({ method, url: path })
      signed(last())
    }
  })

  it('a job for another model is refused, nothing sent', async () => {
    const before = up.received.length
    const res = await call('POST', '/model-invocation-job', { modelId: 'anthropic.claude-3-opus' })
    expect(res.statusCode).toBe(400)
    await res.body.dump()
    expect(up.received.length).toBe(before)
  })
})
