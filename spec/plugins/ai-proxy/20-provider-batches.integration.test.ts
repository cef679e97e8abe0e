// Kong 3.14's OpenAI-compatible batches (`llm/v1/batches`) on Gemini (AI Studio's Batch API),
// Vertex (batch prediction jobs) and Bedrock (batch inference jobs), end to end: the OpenAI SDK's
// batches.create/retrieve/list/cancel through the gateway to fake providers that record what
// arrives (method, path, credential, SigV4 signature, body); the answers come back as OpenAI
// Batch objects.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI, { toFile } from 'openai'
import { request } from 'undici'
import { SignatureV4 } from '@smithy/signature-v4'
import { Hash } from '@smithy/hash-node'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream

const AWS = { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
const ROLE = 'arn:aws:iam::123456789012:role/BedrockBatch'
const JOB_ARN = 'arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcd1234efgh'
const VERTEX_JOBS = '/v1/projects/p1/locations/us-central1/batchPredictionJobs'

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

const studioBatch = (state: string) => ({
  name: 'batches/b123', displayName: 'nightly', model: 'models/gemini-2.5-flash', state,
  inputConfig: { fileName: 'files/in42' }, createTime: '2026-01-02T03:04:05Z',
  batchStats: { requestCount: '3', successfulRequestCount: '2', failedRequestCount: '1' },
  ...(state === 'BATCH_STATE_SUCCEEDED' && { endTime: '2026-01-02T04:00:00Z', output: { responsesFile: 'files/out42' } }),
})
const vertexJob = (state: string) => ({
  name: `projects/p1/locations/us-central1/batchPredictionJobs/987`, displayName: 'nightly', state,
  inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://bkt/in/batch.jsonl'] } },
  outputInfo: { gcsOutputDirectory: 'gs://bkt/in/prediction-123' }, createTime: '2026-01-02T03:04:05Z',
  completionStats: { successfulCount: '5', failedCount: '0' },
})
const bedrockJob = (status: string) => ({
  jobArn: JOB_ARN, jobName: 'nightly', modelId: 'anthropic.claude-3-haiku-20240307-v1:0', status, roleArn: ROLE,
  submitTime: '2026-01-02T03:04:05Z', inputDataConfig: { s3InputDataConfig: { s3Uri: 's3://bkt/batches/in.jsonl' } },
  outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://bkt/batches/' } }, totalRecordCount: 4, successRecordCount: 4, errorRecordCount: 0,
})

const geminiFile = { name: 'files/in42', displayName: 'batch.jsonl', mimeType: 'application/jsonl', sizeBytes: '321', createTime: '2026-01-02T03:04:05Z', expirationTime: '2026-01-04T03:04:05Z', state: 'ACTIVE' }
const RESULTS = [
  { key: 'req-1', response: { candidates: [{ content: { role: 'model', parts: [{ text: 'Paris' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 1, totalTokenCount: 8 } } },
  { key: 'req-2', error: { code: 3, message: 'invalid argument' } },
].map((l) => JSON.stringify(l)).join('\n') + '\n'

function fake(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? ''
  const m = req.method
  if (url === '/upload/v1beta/files?uploadType=multipart' && m === 'POST') return json(res, { file: geminiFile })
  if (url === '/v1beta/files/in42' && m === 'GET') return json(res, geminiFile)
  if (url === '/v1beta/files/in42' && m === 'DELETE') return json(res, {})
  if (url.startsWith('/v1beta/files') && m === 'GET') return json(res, { files: [geminiFile] })
  if (url === '/download/v1beta/files/out42:download?alt=media' && m === 'GET') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    return void res.end(RESULTS)
  }
  if (url === '/v1beta/models/gemini-2.5-flash:batchGenerateContent' && m === 'POST') {
    return json(res, { name: 'batches/b123', metadata: { '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch', ...studioBatch('BATCH_STATE_PENDING') } })
  }
  if (url === '/v1beta/batches/b123' && m === 'GET') return json(res, { name: 'batches/b123', done: true, metadata: studioBatch('BATCH_STATE_SUCCEEDED') })
  if (url.startsWith('/v1beta/batches?') || url === '/v1beta/batches') return json(res, { operations: [{ name: 'batches/b123', metadata: studioBatch('BATCH_STATE_RUNNING') }], nextPageToken: 'tok' })
  if (url === '/v1beta/batches/b123:cancel' && m === 'POST') return json(res, {})
  if (url === VERTEX_JOBS && m === 'POST') return json(res, vertexJob('JOB_STATE_PENDING'))
  if (url === `${VERTEX_JOBS}/987` && m === 'GET') return json(res, vertexJob('JOB_STATE_SUCCEEDED'))
  if (url === VERTEX_JOBS && m === 'GET') return json(res, { batchPredictionJobs: [vertexJob('JOB_STATE_RUNNING')] })
  if (url === `${VERTEX_JOBS}/987:cancel` && m === 'POST') return json(res, {})
  if (url === '/model-invocation-job' && m === 'POST') return json(res, { jobArn: JOB_ARN })
  if (url === '/model-invocation-job/abcd1234efgh' && m === 'GET') return json(res, bedrockJob('Completed'))
  if (url.startsWith('/model-invocation-jobs') && m === 'GET') return json(res, { invocationJobSummaries: [bedrockJob('InProgress')] })
  if (url === '/model-invocation-job/abcd1234efgh/stop' && m === 'POST') return json(res, {})
  json(res, { error: `unexpected ${m} ${url}` }, 404)
}

const last = (): Received => up.received[up.received.length - 1]!
const lastJson = () => JSON.parse(last().body.toString()) as Record<string, any>

function route(name: string, model: Record<string, unknown>, auth: Record<string, unknown>) {
  return { name: 'ai-proxy', route: name, config: { route_type: 'llm/v1/batches', auth, model } }
}

const files = (p: ReturnType<typeof route>) => ({ ...p, config: { ...p.config, route_type: 'llm/v1/files' } })

beforeAll(async () => {
  up = await startUpstream(fake)
  const local = { upstream_url: up.url }
  const bedrock = (o: Record<string, unknown>) => ({ provider: 'bedrock', name: 'anthropic.claude-3-haiku-20240307-v1:0', options: { ...local, bedrock: { aws_region: 'us-east-1', ...o } } })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: ['gemini', 'vertex', 'bedrock', 'bedrock-no-role', 'bedrock-no-prefix', 'gemini-no-model', 'gemini-files', 'vertex-files', 'bedrock-files'].map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      route('gemini', { provider: 'gemini', name: 'gemini-2.5-flash', options: local }, { header_name: 'x-goog-api-key', header_value: 'gemini-key' }),
      route('gemini-no-model', { provider: 'gemini', options: local }, { header_name: 'x-goog-api-key', header_value: 'gemini-key' }),
      route('vertex', { provider: 'gemini', name: 'gemini-2.5-flash', options: { gemini: { api_endpoint: `http://127.0.0.1:${up.port}`, project_id: 'p1', location_id: 'us-central1' } } },
        { header_name: 'Authorization', header_value: 'Bearer vertex-token' }),
      route('bedrock', bedrock({ batch_bucket_prefix: 's3://bkt/batches/', batch_role_arn: ROLE }), AWS),
      route('bedrock-no-role', bedrock({ batch_bucket_prefix: 's3://bkt/batches' }), AWS),
      route('bedrock-no-prefix', bedrock({ batch_role_arn: ROLE }), AWS),
      files(route('gemini-files', { provider: 'gemini', name: 'gemini-2.5-flash', options: local }, { header_name: 'x-goog-api-key', header_value: 'gemini-key' })),
      files(route('vertex-files', { provider: 'gemini', name: 'gemini-2.5-flash', options: { gemini: { api_endpoint: `http://127.0.0.1:${up.port}`, project_id: 'p1', location_id: 'us-central1' } } },
        { header_name: 'Authorization', header_value: 'Bearer vertex-token' })),
      files(route('bedrock-files', bedrock({ batch_bucket_prefix: 's3://bkt/batches/', batch_role_arn: ROLE }), AWS)),
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const sdk = (r: string) => new OpenAI({ baseURL: `${gw.proxy}/${r}`, apiKey: 'sk-client', maxRetries: 0 })
const create = (r: string, input: string, extra: Record<string, unknown> = {}) =>
  sdk(r).batches.create({ input_file_id: input, endpoint: '/v1/chat/completions', completion_window: '24h', ...extra } as OpenAI.Batches.BatchCreateParams)

/** The gateway's SigV4 signature, valid for the bytes that arrived (re-signed here with the same key). */
async function expectSigned(got: Received): Promise<void> {
  const authorization = String(got.headers.authorization)
  expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=/)
  const amzDate = String(got.headers['x-amz-date'])
  const headers: Record<string, string> = {}
  for (const name of /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';')) headers[name] = String(got.headers[name])
  const signer = new SignatureV4({
    service: 'bedrock', region: 'us-east-1', sha256: Hash.bind(null, 'sha256'),
    credentials: { accessKeyId: AWS.aws_access_key_id, secretAccessKey: AWS.aws_secret_access_key },
  })
  const date = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`)
  const [path, query] = got.url.split('?')
  const q: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(query ?? '')) q[k] = v
  const again = await signer.sign({ method: got.method, protocol: 'http:', hostname: '127.0.0.1', port: up.port, path: path!, query: q, headers, body: got.body }, { signingDate: date })
  expect(again.headers.authorization).toBe(authorization)
}

describe('batches on Gemini AI Studio (the OpenAI SDK)', () => {
  it('batches.create → batchGenerateContent with the Gemini file and the gateway key', async () => {
    const b = await create('gemini', 'files/in42', { metadata: { display_name: 'nightly' } })
    expect(b).toMatchObject({ id: 'b123', object: 'batch', status: 'validating', input_file_id: 'files/in42', endpoint: '/v1/chat/completions' })
    expect(b.created_at).toBe(Date.parse('2026-01-02T03:04:05Z') / 1000)
    const got = last()
    expect(got).toMatchObject({ method: 'POST', url: '/v1beta/models/gemini-2.5-flash:batchGenerateContent' })
    expect(got.headers['x-goog-api-key']).toBe('gemini-key')
    expect(lastJson()).toEqual({ batch: { displayName: 'nightly', inputConfig: { fileName: 'files/in42' } } })
  })

  it('a bare file id names files/<id>', async () => {
    await create('gemini', 'in42')
    expect(lastJson().batch.inputConfig).toEqual({ fileName: 'files/in42' })
  })

  it('batches.retrieve → GET /v1beta/batches/{id}, counts and output file mapped', async () => {
    const b = await sdk('gemini').batches.retrieve('b123')
    expect(last()).toMatchObject({ method: 'GET', url: '/v1beta/batches/b123' })
    expect(b).toMatchObject({ id: 'b123', status: 'completed', output_file_id: 'files/out42', request_counts: { total: 3, completed: 2, failed: 1 } })
    expect(b.completed_at).toBe(Date.parse('2026-01-02T04:00:00Z') / 1000)
  })

  it('batches.list → GET /v1beta/batches with the page size', async () => {
    const page = await sdk('gemini').batches.list({ limit: 5 })
    expect(last()).toMatchObject({ method: 'GET', url: '/v1beta/batches?pageSize=5' })
    expect(page.data.map((b) => [b.id, b.status])).toEqual([['b123', 'in_progress']])
    expect(page.hasNextPage()).toBe(true)
  })

  it('batches.cancel → POST /v1beta/batches/{id}:cancel', async () => {
    const b = await sdk('gemini').batches.cancel('b123')
    expect(last()).toMatchObject({ method: 'POST', url: '/v1beta/batches/b123:cancel' })
    expect(b).toMatchObject({ id: 'b123', status: 'cancelling' })
  })

  it('create without a model anywhere is refused before anything is sent', async () => {
    const before = up.received.length
    await expect(create('gemini-no-model', 'files/in42')).rejects.toMatchObject({ status: 400 })
    expect(up.received.length).toBe(before)
  })
})

describe('files on Gemini AI Studio: the batch input converted, the results converted back', () => {
  const LINES = [
    { custom_id: 'req-1', method: 'POST', url: '/v1/chat/completions', body: { model: 'gemini-2.5-flash', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }], max_tokens: 10 } },
    { custom_id: 'req-2', method: 'POST', url: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'Hi' }] } },
  ]

  it('files.create uploads the JSONL as Gemini batch lines (multipart/related), then batches.create takes its id', async () => {
    const jsonl = LINES.map((l) => JSON.stringify(l)).join('\n') + '\n'
    const f = await sdk('gemini-files').files.create({ file: await toFile(Buffer.from(jsonl), 'batch.jsonl'), purpose: 'batch' })
    expect(f).toMatchObject({ id: 'in42', object: 'file', bytes: 321, filename: 'batch.jsonl', purpose: 'batch', status: 'processed' })
    const got = last()
    expect(got).toMatchObject({ method: 'POST', url: '/upload/v1beta/files?uploadType=multipart' })
    expect(got.headers['x-goog-api-key']).toBe('gemini-key')
    const boundary = /^multipart\/related; boundary=(.+)$/.exec(String(got.headers['content-type']))![1]!
    const parts = got.body.toString().split(`--${boundary}`)
    expect(parts).toHaveLength(4)
    expect(JSON.parse(parts[1]!.split('\r\n\r\n')[1]!)).toEqual({ file: { displayName: 'batch.jsonl', mimeType: 'application/jsonl' } })
    const lines = parts[2]!.split('\r\n\r\n')[1]!.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toEqual([
      { key: 'req-1', request: expect.objectContaining({ contents: [{ role: 'user', parts: [{ text: 'Capital of France?' }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: expect.objectContaining({ maxOutputTokens: 10 }) }) },
      { key: 'req-2', request: expect.objectContaining({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }) },
    ])
    const b = await create('gemini', f.id)
    expect(b.id).toBe('b123')
    expect(lastJson().batch.inputConfig).toEqual({ fileName: 'files/in42' })
  })

  it('files.content of the results file: Gemini result lines become OpenAI batch output lines', async () => {
    const res = await sdk('gemini-files').files.content('out42')
    expect(last()).toMatchObject({ method: 'GET', url: '/download/v1beta/files/out42:download?alt=media' })
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    expect(lines[0]).toMatchObject({ custom_id: 'req-1', error: null, response: { status_code: 200, body: { object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'Paris' }, finish_reason: 'stop' }], usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 } } } })
    expect(lines[1]).toMatchObject({ custom_id: 'req-2', response: null, error: { code: '3', message: 'invalid argument' } })
  })

  it('files.retrieve, list and delete reach the Files API', async () => {
    expect(await sdk('gemini-files').files.retrieve('in42')).toMatchObject({ id: 'in42', bytes: 321, expires_at: Date.parse('2026-01-04T03:04:05Z') / 1000 })
    expect(last()).toMatchObject({ method: 'GET', url: '/v1beta/files/in42' })
    const page = await sdk('gemini-files').files.list()
    expect(page.data.map((f) => f.id)).toEqual(['in42'])
    expect(last()).toMatchObject({ method: 'GET', url: '/v1beta/files' })
    expect(await sdk('gemini-files').files.delete('in42')).toEqual({ id: 'in42', object: 'file', deleted: true })
    expect(last()).toMatchObject({ method: 'DELETE', url: '/v1beta/files/in42' })
  })

  it.each([
    ['another model', [{ custom_id: 'a', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] } }], "line 1: cannot use own model - must be: gemini-2.5-flash"],
    ['another endpoint', [{ custom_id: 'a', url: '/v1/embeddings', body: { input: 'x' } }], "line 1: only '/v1/chat/completions' is supported"],
    ['no prompt', [{ custom_id: 'a', body: { messages: [] } }], "line 1: request body doesn't contain valid prompts"],
    ['not JSON', ['{nope'], 'line 1 is not JSON'],
    ['no custom_id', [{ body: { messages: [{ role: 'user', content: 'x' }] } }], "line 1 must have 'custom_id' and 'body'"],
  ])('a file with %s is refused with a Kong-shaped 400, nothing sent', async (_n, lines, why) => {
    const before = up.received.length
    const jsonl = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')
    const err = await sdk('gemini-files').files.create({ file: await toFile(Buffer.from(jsonl), 'b.jsonl'), purpose: 'batch' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 400, error: { message: `error transforming to gemini://llm/v1/files: ${why}` } })
    expect(up.received.length).toBe(before)
  })

  it.each([['vertex', 'Cloud Storage (a gs:// URI)'], ['bedrock', 'S3 (model.options.bedrock.batch_bucket_prefix)']])('%s has no files API: a 400 says where the input goes', async (r, storage) => {
    const provider = r === 'vertex' ? 'gemini' : 'bedrock'
    const before = up.received.length
    const err = await sdk(`${r}-files`).files.create({ file: await toFile(Buffer.from('{}'), 'b.jsonl'), purpose: 'batch' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 400, error: { message: `${provider}://llm/v1/files is not supported: ${provider} batches read their input from ${storage}; pass its location as the batch's input_file_id` } })
    await expect(sdk(`${r}-files`).files.list()).rejects.toMatchObject({ status: 400 })
    expect(up.received.length).toBe(before)
  })
})

describe('batches on Vertex (batchPredictionJobs)', () => {
  it('batches.create → a batch prediction job reading the gs:// input, writing beside it', async () => {
    const b = await create('vertex', 'gs://bkt/in/batch.jsonl', { metadata: { display_name: 'nightly' } })
    expect(b).toMatchObject({ id: '987', status: 'validating', input_file_id: 'gs://bkt/in/batch.jsonl' })
    expect(last()).toMatchObject({ method: 'POST', url: VERTEX_JOBS })
    expect(last().headers.authorization).toBe('Bearer vertex-token')
    expect(lastJson()).toEqual({
      displayName: 'nightly', model: 'publishers/google/models/gemini-2.5-flash',
      inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://bkt/in/batch.jsonl'] } },
      outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://bkt/in/' } },
    })
  })

  it('retrieve, list and cancel reach the job paths', async () => {
    expect(await sdk('vertex').batches.retrieve('987')).toMatchObject({ id: '987', status: 'completed', output_file_id: 'gs://bkt/in/prediction-123', request_counts: { total: 5, completed: 5, failed: 0 } })
    expect(last()).toMatchObject({ method: 'GET', url: `${VERTEX_JOBS}/987` })
    const page = await sdk('vertex').batches.list()
    expect(page.data.map((b) => b.status)).toEqual(['in_progress'])
    expect(last()).toMatchObject({ method: 'GET', url: VERTEX_JOBS })
    expect(await sdk('vertex').batches.cancel('987')).toMatchObject({ id: '987', status: 'cancelling' })
    expect(last()).toMatchObject({ method: 'POST', url: `${VERTEX_JOBS}/987:cancel` })
  })

  it('an input that is not a gs:// URI is refused with a Kong-shaped 400', async () => {
    const res = await request(`${gw.proxy}/vertex/batches`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: 'file-abc', endpoint: '/v1/chat/completions', completion_window: '24h' }) })
    expect(res.statusCode).toBe(400)
    expect(await res.body.json()).toEqual({ error: { message: "error transforming to gemini://llm/v1/batches: 'input_file_id' must be a gs:// URI of the JSONL input on Vertex" } })
  })
})

describe('batches on Bedrock (CreateModelInvocationJob on the control-plane host)', () => {
  it('batches.create → POST /model-invocation-job, SigV4 for service bedrock, S3 input under the prefix', async () => {
    const b = await create('bedrock', 'in.jsonl', { metadata: { name: 'nightly' } })
    expect(b).toMatchObject({ id: 'abcd1234efgh', object: 'batch', status: 'validating' })
    const got = last()
    expect(got).toMatchObject({ method: 'POST', url: '/model-invocation-job' })
    await expectSigned(got)
    expect(lastJson()).toEqual({
      jobName: 'nightly', roleArn: ROLE, modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      inputDataConfig: { s3InputDataConfig: { s3Uri: 's3://bkt/batches/in.jsonl', s3InputFormat: 'JSONL' } },
      outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://bkt/batches/' } },
    })
  })

  it('an s3:// input under the prefix is taken as it is; a generated job name when none is given', async () => {
    await create('bedrock', 's3://bkt/batches/2026/in.jsonl')
    expect(lastJson().inputDataConfig.s3InputDataConfig.s3Uri).toBe('s3://bkt/batches/2026/in.jsonl')
    expect(lastJson().jobName).toMatch(/^batch-[0-9a-f-]{36}$/)
  })

  it("without batch_role_arn the request's role_arn is used", async () => {
    await create('bedrock-no-role', 'in.jsonl', { role_arn: 'arn:aws:iam::123456789012:role/Other' })
    expect(lastJson()).toMatchObject({ roleArn: 'arn:aws:iam::123456789012:role/Other', outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://bkt/batches' } } })
    expect(lastJson().inputDataConfig.s3InputDataConfig.s3Uri).toBe('s3://bkt/batches/in.jsonl')
  })

  it('retrieve, list and cancel are signed and mapped', async () => {
    const b = await sdk('bedrock').batches.retrieve('abcd1234efgh')
    expect(last()).toMatchObject({ method: 'GET', url: '/model-invocation-job/abcd1234efgh' })
    await expectSigned(last())
    expect(b).toMatchObject({ id: 'abcd1234efgh', status: 'completed', input_file_id: 's3://bkt/batches/in.jsonl', request_counts: { total: 4, completed: 4, failed: 0 } })
    const page = await sdk('bedrock').batches.list({ limit: 10 })
    expect(last()).toMatchObject({ method: 'GET', url: '/model-invocation-jobs?maxResults=10' })
    await expectSigned(last())
    expect(page.data.map((j) => j.status)).toEqual(['in_progress'])
    expect(await sdk('bedrock').batches.cancel('abcd1234efgh')).toMatchObject({ status: 'cancelling' })
    expect(last()).toMatchObject({ method: 'POST', url: '/model-invocation-job/abcd1234efgh/stop' })
    await expectSigned(last())
  })

  it.each([
    ['bedrock-no-prefix', 'in.jsonl', {}, 'model.options.bedrock.batch_bucket_prefix (an s3:// URI) is required for batches'],
    ['bedrock-no-role', 'in.jsonl', {}, "model.options.bedrock.batch_role_arn, or the request's 'role_arn', must be an IAM role ARN"],
    ['bedrock', 's3://other-bucket/in.jsonl', {}, "'input_file_id' must lie under s3://bkt/batches/"],
  ])('%s with %s is refused with a Kong-shaped 400, nothing sent', async (r, input, extra, why) => {
    const before = up.received.length
    const res = await request(`${gw.proxy}/${r}/batches`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: input, endpoint: '/v1/chat/completions', completion_window: '24h', ...extra }) })
    expect(res.statusCode).toBe(400)
    expect(await res.body.json()).toEqual({ error: { message: `error transforming to bedrock://llm/v1/batches: ${why}` } })
    expect(up.received.length).toBe(before)
  })
})
