// A cloud identity the gateway applies is the only credential the provider sees: a client's own
// credential header beside the gateway's bearer token (Azure's `api-key`, Google's
// `x-goog-api-key`) would let the client pick which credential the provider honours, and sends a
// key the operator never configured. The pipeline clears them, as it clears a native AWS client's
// signing headers next to SigV4.
import type { ServerResponse } from 'node:http'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { startFakeAzureIdp, type FakeAzureIdp } from '../helpers/fake-idp/azure.ts'
import { isolateCloudEnv } from '../helpers/fake-idp/env.ts'
import { startFakeGcpIdp, type FakeGcpIdp } from '../helpers/fake-idp/gcp.ts'

let gw: TestGateway
let azureIdp: FakeAzureIdp
let gcpIdp: FakeGcpIdp
let azure: FakeUpstream
let vertex: FakeUpstream

function answer(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

beforeAll(async () => {
  isolateCloudEnv()
  ;[azureIdp, gcpIdp] = await Promise.all([startFakeAzureIdp(), startFakeGcpIdp()])
  process.env.IDENTITY_ENDPOINT = azureIdp.miEndpoint
  process.env.IDENTITY_HEADER = azureIdp.identityHeader
  azure = await startUpstream((_req, res) => answer(res, {
    id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  }))
  vertex = await startUpstream((_req, res) => answer(res, {
    candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP' }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
  }))
  const azureModel = { provider: 'azure', name: 'gpt-4o', options: { upstream_url: `${azure.url}/openai/deployments/gpt-4o/chat/completions`, azure_instance: 'i', azure_deployment_id: 'gpt-4o', azure_api_version: '2024-06-01' } }
  const vertexModel = { provider: 'gemini', name: 'gemini-2.0-flash', options: { gemini: { api_endpoint: `http://127.0.0.1:${vertex.port}`, project_id: 'p', location_id: 'us-central1' } } }
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'azure', paths: ['/azure'] }, { name: 'vertex', paths: ['/vertex'] }, { name: 'azure-key', paths: ['/azure-key'] }] }],
    plugins: [
      { name: 'ai-proxy', route: 'azure', config: { route_type: 'llm/v1/chat', auth: { azure_use_managed_identity: true }, model: azureModel } },
      { name: 'ai-proxy', route: 'vertex', config: { route_type: 'llm/v1/chat', auth: { gcp_use_service_account: true, gcp_service_account_json: gcpIdp.serviceAccountJson, gcp_oauth_token_url: gcpIdp.tokenUrl }, model: vertexModel } },
      { name: 'ai-proxy', route: 'azure-key', config: { route_type: 'llm/v1/chat', auth: { header_name: 'api-key', header_value: 'gateway-key', allow_override: true }, model: azureModel } },
    ],
  }))
})

afterAll(async () => {
  await gw?.close()
  await Promise.all([azure?.close(), vertex?.close(), azureIdp?.close(), gcpIdp?.close()])
})

async function post(route: string, headers: Record<string, string>): Promise<number> {
  const res = await request(`${gw.proxy}/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) })
  await res.body.dump()
  return res.statusCode
}

const CLIENT_CREDENTIALS: ReadonlyArray<readonly [route: string, upstream: () => FakeUpstream, header: string]> = [
  ['azure', () => azure, 'api-key'],
  ['azure', () => azure, 'API-KEY'],
  ['azure', () => azure, 'Api-Key'],
  ['vertex', () => vertex, 'x-goog-api-key'],
  ['vertex', () => vertex, 'X-Goog-Api-Key'],
]

describe('a client credential header beside a cloud identity', () => {
  it.each(CLIENT_CREDENTIALS)('%s: the client\'s credential header (%#) does not reach the provider', async (route, upstream, header) => {
    expect(await post(route, { [header]: 'sk-client-own-key' })).toBe(200)
    const got = upstream().received.at(-1)!
    expect(got.headers[header.toLowerCase()]).toBeUndefined()
    expect(JSON.stringify(got.headers)).not.toContain('sk-client-own-key')
    expect(String(got.headers.authorization)).toMatch(/^Bearer /)
  })

  it('the client\'s Authorization is replaced by the gateway\'s token', async () => {
    expect(await post('azure', { authorization: 'Bearer client-token' })).toBe(200)
    expect(azureIdp.accepts(azure.received.at(-1)!.headers.authorization as string)).toBe(true)
  })

  it('a static header with allow_override still lets the client\'s own api-key win (Kong)', async () => {
    expect(await post('azure-key', { 'api-key': 'client-key' })).toBe(200)
    expect(azure.received.at(-1)!.headers['api-key']).toBe('client-key')
    expect(await post('azure-key', {})).toBe(200)
    expect(azure.received.at(-1)!.headers['api-key']).toBe('gateway-key')
  })
})
