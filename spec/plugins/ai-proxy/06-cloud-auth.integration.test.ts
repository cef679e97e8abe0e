// ai-proxy with cloud identities, end to end through a real gateway: Azure OpenAI with a managed
// identity, Gemini on Vertex with a service account (and a metadata server), Bedrock with SigV4
// (static keys and an assumed role). The identity SDKs run their real code paths against fake
// identity providers on 127.0.0.1; the fake upstreams accept only what those issued: Azure and
// Vertex a bearer token the fake IdP handed out, Bedrock a signature it recomputes with the known
// secret over the body it received.
import type { ServerResponse } from 'node:http'
import OpenAI from 'openai'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeAwsIdp, startFakeBedrock, type FakeAwsIdp, type FakeBedrock } from '../../helpers/fake-idp/aws.ts'
import { startFakeAzureIdp, type FakeAzureIdp } from '../../helpers/fake-idp/azure.ts'
import { isolateCloudEnv } from '../../helpers/fake-idp/env.ts'
import { startFakeGcpIdp, type FakeGcpIdp } from '../../helpers/fake-idp/gcp.ts'

const BEDROCK_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0'
const BEDROCK_PATH = '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse'

let gw: TestGateway
let azureIdp: FakeAzureIdp
let gcpIdp: FakeGcpIdp
let awsIdp: FakeAwsIdp
let azure: FakeUpstream
let vertex: FakeUpstream
let bedrock: FakeBedrock

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

const CHAT_ANSWER = {
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hello from azure' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
}
const VERTEX_ANSWER = {
  candidates: [{ content: { role: 'model', parts: [{ text: 'hello from vertex' }] }, finishReason: 'STOP' }],
  usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 3, totalTokenCount: 4 },
}

beforeAll(async () => {
  isolateCloudEnv()
  ;[azureIdp, gcpIdp, awsIdp] = await Promise.all([startFakeAzureIdp(), startFakeGcpIdp(), startFakeAwsIdp()])
  // managed identity over the App Service protocol (MSAL pins it for the process)
  process.env.IDENTITY_ENDPOINT = azureIdp.miEndpoint
  process.env.IDENTITY_HEADER = azureIdp.identityHeader
  azure = await startUpstream((req, res) => azureIdp.accepts(req.headers.authorization)
    ? answer(res, 200, CHAT_ANSWER)
    : answer(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } }))
  vertex = await startUpstream((req, res) => gcpIdp.accepts(req.headers.authorization)
    ? answer(res, 200, VERTEX_ANSWER)
    : answer(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }))
  bedrock = await startFakeBedrock(awsIdp)

  const awsKeys = { aws_access_key_id: awsIdp.user.accessKeyId, aws_secret_access_key: awsIdp.user.secretAccessKey }
  const plugin = (route: string, auth: Record<string, unknown>, model: Record<string, unknown>) => ({ name: 'ai-proxy', route, config: { route_type: 'llm/v1/chat', auth, model } })
  const azureModel = { provider: 'azure', name: 'gpt-4o', options: { upstream_url: `${azure.url}/openai/deployments/gpt-4o/chat/completions`, azure_instance: 'my-instance', azure_deployment_id: 'gpt-4o', azure_api_version: '2024-06-01' } }
  const vertexModel = { provider: 'gemini', name: 'gemini-2.0-flash', options: { gemini: { api_endpoint: `http://127.0.0.1:${vertex.port}`, project_id: 'fake-project', location_id: 'us-central1' } } }
  const bedrockModel = (bedrockOpts: Record<string, unknown>) => ({ provider: 'bedrock', name: BEDROCK_MODEL, options: { upstream_url: `${bedrock.url}${BEDROCK_PATH}`, bedrock: bedrockOpts } })
  const routes = ['azure', 'azure-user', 'azure-retry', 'vertex', 'vertex-metadata', 'vertex-bad-key', 'vertex-outage', 'vertex-retry', 'bedrock', 'bedrock-role', 'bedrock-role-retry', 'bedrock-no-region']
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      plugin('azure', { azure_use_managed_identity: true }, azureModel),
      plugin('azure-user', { azure_use_managed_identity: true, azure_client_id: 'ua-client-1' }, azureModel),
      plugin('vertex', { gcp_use_service_account: true, gcp_service_account_json: gcpIdp.serviceAccountJson, gcp_oauth_token_url: gcpIdp.tokenUrl }, vertexModel),
      plugin('vertex-metadata', { gcp_use_service_account: true, gcp_metadata_url: gcpIdp.url }, vertexModel),
      plugin('vertex-bad-key', { gcp_use_service_account: true, gcp_service_account_json: '{not json' }, vertexModel),
      // its own identity (another token URL spelling), so the outage does not touch the 'vertex' route's token
      plugin('vertex-outage', { gcp_use_service_account: true, gcp_service_account_json: gcpIdp.serviceAccountJson, gcp_oauth_token_url: `${gcpIdp.tokenUrl}?outage` }, vertexModel),
      plugin('bedrock', awsKeys, bedrockModel({ aws_region: 'us-east-1' })),
      plugin('bedrock-role', awsKeys, bedrockModel({ aws_region: 'eu-west-1', aws_assume_role_arn: 'arn:aws:iam::123456789012:role/gateway', aws_role_session_name: 'tollgate', aws_sts_endpoint_url: awsIdp.url })),
      plugin('bedrock-no-region', awsKeys, bedrockModel({})),
      // identities of their own for the 401/403 tests
      plugin('azure-retry', { azure_use_managed_identity: true, azure_client_id: 'ua-retry' }, azureModel),
      plugin('vertex-retry', { gcp_use_service_account: true, gcp_metadata_url: `${gcpIdp.url}/computeMetadata/v1` }, vertexModel),
      plugin('bedrock-role-retry', awsKeys, bedrockModel({ aws_region: 'eu-west-1', aws_assume_role_arn: 'arn:aws:iam::123456789012:role/gateway', aws_role_session_name: 'retry', aws_sts_endpoint_url: awsIdp.url })),
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await Promise.all([azure?.close(), vertex?.close(), bedrock?.close(), azureIdp?.close(), gcpIdp?.close(), awsIdp?.close()])
})

afterEach(() => { vi.useRealTimers() })

const openai = (route: string) => new OpenAI({ baseURL: `${gw.proxy}/${route}`, apiKey: 'sk-client-key', maxRetries: 0 })
const chat = (route: string) => openai(route).chat.completions.create({ model: route.startsWith('bedrock') ? BEDROCK_MODEL : route.startsWith('vertex') ? 'gemini-2.0-flash' : 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })

async function post(route: string): Promise<{ status: number; body: unknown }> {
  const res = await request(`${gw.proxy}/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) })
  return { status: res.statusCode, body: await res.body.json() }
}

/** `n` requests, at most `width` in flight. */
async function load(route: string, n: number, width: number): Promise<number[]> {
  const statuses: number[] = []
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      next++
      statuses.push((await post(route)).status)
    }
  }))
  return statuses
}

describe('ai-proxy + Azure managed identity', () => {
  it('200 concurrent cold requests make one identity call; Azure receives the bearer token', async () => {
    const statuses = await Promise.all(Array.from({ length: 200 }, () => post('azure').then((r) => r.status)))
    expect(statuses).toEqual(Array(200).fill(200))
    expect(azureIdp.calls.filter((c) => c.kind === 'mi' && c.clientId === null)).toHaveLength(1)
    const got = azure.received.at(-1)!
    expect(azureIdp.accepts(got.headers.authorization as string)).toBe(true)
    expect(got.headers.authorization).toMatch(/^Bearer mi-system-\d+$/)
  })

  it('1000 warm requests make no identity call', async () => {
    const before = azureIdp.tokenCalls()
    const statuses = await load('azure', 1000, 32)
    expect(statuses.filter((s) => s !== 200)).toEqual([])
    expect(azureIdp.tokenCalls()).toBe(before)
  })

  it('the OpenAI SDK gets its answer; the client\'s own key does not reach Azure', async () => {
    const data = await chat('azure')
    expect(data.choices[0]!.message.content).toBe('hello from azure')
    expect(azure.received.at(-1)!.headers.authorization).not.toContain('sk-client-key')
  })

  it('a user-assigned identity sends its client id', async () => {
    const data = await chat('azure-user')
    expect(data.choices[0]!.message.content).toBe('hello from azure')
    expect(azure.received.at(-1)!.headers.authorization).toMatch(/^Bearer mi-user-ua-client-1-\d+$/)
    expect(azureIdp.calls.some((c) => c.clientId === 'ua-client-1')).toBe(true)
  })
})

describe('ai-proxy + Vertex service account', () => {
  it('the token endpoint verifies the RS256 assertion; Vertex receives the bearer token', async () => {
    const data = await chat('vertex')
    expect(data.choices[0]!.message.content).toBe('hello from vertex')
    const got = vertex.received.at(-1)!
    expect(got.url).toBe('/v1/projects/fake-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent')
    expect(got.headers.authorization).toMatch(/^Bearer ya29\.sa-\d+$/)
    expect(gcpIdp.calls.find((c) => c.kind === 'token')!.claims).toMatchObject({ iss: gcpIdp.clientEmail, scope: 'https://www.googleapis.com/auth/cloud-platform' })
    expect(gcpIdp.rejected).toEqual([])
  })

  it('no key: the metadata server at gcp_metadata_url', async () => {
    const data = await chat('vertex-metadata')
    expect(data.choices[0]!.message.content).toBe('hello from vertex')
    expect(vertex.received.at(-1)!.headers.authorization).toMatch(/^Bearer ya29\.md-\d+$/)
  })

  it('a key that is not JSON: Kong\'s 500, nothing sent upstream', async () => {
    const before = vertex.received.length
    expect(await post('vertex-bad-key')).toEqual({ status: 500, body: { error: { message: 'LLM request failed before proxying' } } })
    expect(vertex.received.length).toBe(before)
  })

  it('an identity provider outage: Kong\'s 500, answered (not hung), nothing sent upstream', async () => {
    gcpIdp.mode = 400
    try {
      const before = vertex.received.length
      expect(await post('vertex-outage')).toEqual({ status: 500, body: { error: { message: 'LLM request failed before proxying' } } })
      expect(vertex.received.length).toBe(before)
    } finally {
      gcpIdp.mode = 'ok'
    }
    // the warm identity of another route is unaffected
    expect((await post('vertex')).status).toBe(200)
  })
})

describe('ai-proxy + Bedrock SigV4', () => {
  it('static keys: Bedrock recomputes the signature with the known secret over the body it received', async () => {
    const data = await chat('bedrock')
    expect(data.choices[0]!.message.content).toBe(`signed by ${awsIdp.user.accessKeyId}`)
    const call = bedrock.calls.at(-1)!
    expect(call.sigv4).toMatchObject({ ok: true, region: 'us-east-1', service: 'bedrock', accessKeyId: awsIdp.user.accessKeyId })
    expect(call.url).toBe(BEDROCK_PATH)
    expect(JSON.parse(call.body.toString()).messages).toEqual([{ role: 'user', content: [{ text: 'hi' }] }])
  })

  it('a native AWS client\'s own SigV4 headers (session token included) do not reach Bedrock', async () => {
    const res = await request(`${gw.proxy}/bedrock`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'AWS4-HMAC-SHA256 Credential=ASIACLIENT/20240101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-date': '20240101T000000Z',
        'x-amz-security-token': 'client-session-token',
        'x-amz-content-sha256': '0'.repeat(64),
      },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.statusCode).toBe(200)
    await res.body.text()
    const call = bedrock.calls.at(-1)!
    expect(call.sigv4).toMatchObject({ ok: true, accessKeyId: awsIdp.user.accessKeyId })
    expect(call.headers['x-amz-security-token']).toBeUndefined()
  })

  it('assume role: STS verifies the SDK\'s signature, Bedrock the one made with the temporary keys', async () => {
    const statuses = await Promise.all(Array.from({ length: 50 }, () => post('bedrock-role').then((r) => r.status)))
    expect(statuses).toEqual(Array(50).fill(200))
    const sts = awsIdp.calls.filter((c) => c.kind === 'assume-role')
    expect(sts).toHaveLength(1)
    expect(sts[0]!.sigv4).toMatchObject({ ok: true, service: 'sts', region: 'eu-west-1' })
    expect(sts[0]!.form).toMatchObject({ RoleArn: 'arn:aws:iam::123456789012:role/gateway', RoleSessionName: 'tollgate' })
    const call = bedrock.calls.at(-1)!
    expect(call.sigv4).toMatchObject({ ok: true, region: 'eu-west-1' })
    expect(call.sigv4.accessKeyId).toMatch(/^ASIASTS/)
  })

  it('no region anywhere: Kong\'s 500 before proxying', async () => {
    const before = bedrock.calls.length
    expect(await post('bedrock-no-region')).toEqual({ status: 500, body: { error: { message: 'LLM request failed before proxying' } } })
    expect(bedrock.calls.length).toBe(before)
  })
})

describe('ai-proxy + cloud identity: a 401/403 from the provider', () => {
  // The revoked credential must be older than the cache's 1 s guard against late 401s: a fake
  // Date that only moves forward across these tests
  let clock = 0
  const startClock = () => {
    clock = Math.max(clock, Date.now())
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(clock)
  }
  const later = () => vi.setSystemTime((clock += 5000))

  it('Azure: a revoked token forces one refresh and one retry; the client sees the 200', async () => {
    startClock()
    expect((await post('azure-retry')).status).toBe(200)
    const revoked = String(azure.received.at(-1)!.headers.authorization).slice('Bearer '.length)
    azureIdp.revoked.add(revoked)
    later()
    const [sent, calls] = [azure.received.length, azureIdp.tokenCalls()]
    expect(await post('azure-retry')).toMatchObject({ status: 200, body: { choices: [{ message: { content: 'hello from azure' } }] } })
    expect(azure.received.slice(sent).map((r) => r.headers.authorization)).toEqual([`Bearer ${revoked}`, expect.stringMatching(/^Bearer mi-user-ua-retry-\d+$/)])
    expect(azureIdp.tokenCalls()).toBe(calls + 1)
    // the fresh token is cached: the next request goes straight through
    expect((await post('azure-retry')).status).toBe(200)
    expect(azure.received.length).toBe(sent + 3)
  })

  it('Vertex: a revoked token forces one refresh and one retry', async () => {
    startClock()
    expect((await post('vertex-retry')).status).toBe(200)
    const revoked = String(vertex.received.at(-1)!.headers.authorization).slice('Bearer '.length)
    gcpIdp.revoked.add(revoked)
    later()
    const sent = vertex.received.length
    expect((await post('vertex-retry')).status).toBe(200)
    expect(vertex.received.length).toBe(sent + 2)
    expect(gcpIdp.accepts(vertex.received.at(-1)!.headers.authorization as string)).toBe(true)
  })

  it('Vertex: when the refresh itself fails, the provider\'s 401 goes to the client as it came', async () => {
    startClock()
    expect((await post('vertex-retry')).status).toBe(200)
    gcpIdp.revoked.add(String(vertex.received.at(-1)!.headers.authorization).slice('Bearer '.length))
    later()
    gcpIdp.mode = 503
    try {
      const sent = vertex.received.length
      expect(await post('vertex-retry')).toEqual({ status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } })
      expect(vertex.received.length).toBe(sent + 1)
    } finally {
      gcpIdp.mode = 'ok'
    }
  })

  it('Bedrock: a 403 for revoked temporary keys makes one new AssumeRole and one re-signed retry', async () => {
    startClock()
    expect((await post('bedrock-role-retry')).status).toBe(200)
    const key = bedrock.calls.at(-1)!.sigv4.accessKeyId!
    bedrock.denied.add(key)
    later()
    const [sent, sts] = [bedrock.calls.length, awsIdp.identityCalls()]
    expect((await post('bedrock-role-retry')).status).toBe(200)
    const calls = bedrock.calls.slice(sent)
    expect(calls.map((c) => c.sigv4.ok)).toEqual([true, true])
    expect(calls[0]!.sigv4.accessKeyId).toBe(key)
    expect(calls[1]!.sigv4.accessKeyId).not.toBe(key)
    expect(awsIdp.identityCalls()).toBe(sts + 1)
  })

  it('Bedrock: static keys the provider refuses are retried once, then the 403 passes through', async () => {
    bedrock.denied.add(awsIdp.user.accessKeyId)
    try {
      const sent = bedrock.calls.length
      const res = await post('bedrock')
      expect(res).toEqual({ status: 403, body: { message: 'The security token included in the request is expired' } })
      expect(bedrock.calls.length).toBe(sent + 2)
    } finally {
      bedrock.denied.delete(awsIdp.user.accessKeyId)
    }
  })
})
