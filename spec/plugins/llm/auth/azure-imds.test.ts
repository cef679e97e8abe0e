// Managed identity over the IMDS protocol (VMs, AKS pod identity), in its own process: MSAL pins
// the managed identity source at the first request (the App Service file uses the other one).
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createAzureHandler } from '../../../../plugins/llm/auth/azure-managed-identity.ts'
import { TokenCache } from '../../../../plugins/llm/auth/token-cache.ts'
import type { OutboundRequest } from '../../../../plugins/llm/types.ts'
import { startFakeAzureIdp, type FakeAzureIdp } from '../../../helpers/fake-idp/azure.ts'
import { isolateCloudEnv } from '../../../helpers/fake-idp/env.ts'

let idp: FakeAzureIdp
beforeAll(async () => {
  isolateCloudEnv()
  idp = await startFakeAzureIdp()
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = idp.imdsHost
})
afterAll(async () => { await idp?.close() })

it('gets a system-assigned token from IMDS (Metadata: true) and sets the bearer', async () => {
  const h = createAzureHandler({ azure_use_managed_identity: true }, { cache: new TokenCache(), env: {} })
  const req: OutboundRequest = { method: 'POST', target: { scheme: 'https', host: 'x', port: 443, path: '/', query: null }, headers: new Map(), body: '{}' }
  await h.apply(req, { header: () => undefined, query: () => undefined })
  expect(idp.accepts(req.headers.get('authorization'))).toBe(true)
  const call = idp.calls.find((c) => c.kind === 'imds')!
  expect(call.query.resource).toBe('https://cognitiveservices.azure.com')
  expect(call.query['api-version']).toBe('2018-02-01')
})
