// A realtime session to Azure with a managed identity: the upgrade waits for the token (one
// identity call for concurrent cold sessions) and every upstream handshake carries it.
import { afterAll, beforeAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startGateway, type TestGateway } from '../../../../public/testing/gateway.ts'
import { startFakeAzureIdp, type FakeAzureIdp } from '../../../helpers/fake-idp/azure.ts'
import { isolateCloudEnv } from '../../../helpers/fake-idp/env.ts'
import { startFakeRealtime, type FakeRealtime } from '../helpers/fake-realtime.ts'

let idp: FakeAzureIdp
let fake: FakeRealtime
let gw: TestGateway

beforeAll(async () => {
  isolateCloudEnv()
  idp = await startFakeAzureIdp()
  process.env.IDENTITY_ENDPOINT = idp.miEndpoint
  process.env.IDENTITY_HEADER = idp.identityHeader
  fake = await startFakeRealtime((h) => idp.accepts(h.headers.authorization as string | undefined))
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'azure', paths: ['/azure'] }] }],
    plugins: [{ name: 'ai-proxy', route: 'azure', config: {
      route_type: 'realtime/v1/realtime', auth: { azure_use_managed_identity: true },
      model: { provider: 'azure', name: 'gpt-4o-realtime-preview', options: { upstream_url: fake.url, azure_instance: 'inst', azure_deployment_id: 'rt-deploy', azure_api_version: '2024-10-01-preview' } },
    } }],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await fake?.close()
  await idp?.close()
})

function session(): Promise<string> {
  return new Promise((resolve, reject) => {
    const port = new URL(gw.proxy).port
    const ws = new WebSocket(`ws://127.0.0.1:${port}/azure/openai/realtime?api-version=2024-10-01-preview&deployment=x`, { headers: { 'api-key': 'client-own-key' } })
    ws.once('message', (d) => { resolve(String(d)); ws.close() })
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

it('concurrent cold sessions: one identity call, each upstream handshake carries the token', async () => {
  const before = fake.handshakes.length
  const firsts = await Promise.all(Array.from({ length: 8 }, () => session()))
  for (const f of firsts) expect(JSON.parse(f).type).toBe('session.created')
  expect(idp.calls.filter((c) => c.kind === 'mi')).toHaveLength(1)
  const mine = fake.handshakes.slice(before)
  expect(mine).toHaveLength(8)
  for (const h of mine) {
    expect(idp.accepts(h.headers.authorization as string)).toBe(true)
    expect(h.path).toBe('/openai/realtime')
    expect(h.query.get('deployment')).toBe('rt-deploy')
  }
})
