// Azure strategy with the real @azure/identity code paths against fakes on 127.0.0.1: managed
// identity over the App Service protocol (system- and user-assigned) and an app registration
// against an HTTPS Entra ID. MSAL keeps managed identity state process-wide (the first request
// pins the endpoint, tokens are shared), so the order of the managed identity tests matters and
// this file owns its process (vitest forks).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { llmErrors } from '../../../../plugins/llm/errors.ts'
import { azureIdentityOf, createAzureHandler, createAzureStrategy, AzureIdentitySource } from '../../../../plugins/llm/auth/azure-managed-identity.ts'
import { TokenCache } from '../../../../plugins/llm/auth/token-cache.ts'
import type { AuthConf, OutboundRequest } from '../../../../plugins/llm/types.ts'
import { startFakeAzureIdp, type FakeAzureIdp } from '../../../helpers/fake-idp/azure.ts'
import { isolateCloudEnv } from '../../../helpers/fake-idp/env.ts'
import { runAuthStrategySuite, type IdentityProviderControl } from './auth-strategy.case.ts'

let idp: FakeAzureIdp
const client = { header: () => undefined, query: () => undefined }
const NO_ENV = {}

function outbound(): OutboundRequest {
  return { method: 'POST', target: { scheme: 'https', host: 'x.openai.azure.com', port: 443, path: '/openai/deployments/d/chat/completions', query: 'api-version=2024-06-01' }, headers: new Map([['content-type', 'application/json']]), body: '{}' }
}

function logSpy() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = []
  return {
    lines,
    log: {
      error: (obj: object, msg: string) => { lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }) },
      warn: (obj: object, msg: string) => { lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }) },
    },
  }
}

/** Applies and returns the Authorization header, saying whether the call was synchronous. */
async function authOf(h: ReturnType<typeof createAzureHandler>): Promise<{ auth: string | undefined; sync: boolean }> {
  const req = outbound()
  const r = h.apply(req, client)
  const sync = r === undefined
  await r
  return { auth: req.headers.get('authorization'), sync }
}

const spOptions = () => ({ env: NO_ENV, clientSecret: { authorityHost: idp.authorityHost, disableInstanceDiscovery: true, tlsOptions: { ca: idp.ca }, retryOptions: { maxRetries: 0 } } })
const appConf = (): AuthConf => ({ azure_use_managed_identity: true, azure_client_id: idp.app.clientId, azure_client_secret: idp.app.clientSecret, azure_tenant_id: idp.app.tenantId })

beforeAll(async () => {
  isolateCloudEnv()
  idp = await startFakeAzureIdp()
  // the App Service protocol; MSAL pins it at the first managed identity request of the process
  process.env.IDENTITY_ENDPOINT = idp.miEndpoint
  process.env.IDENTITY_HEADER = idp.identityHeader
})
afterAll(async () => { await idp?.close() })
afterEach(() => {
  vi.useRealTimers()
  idp.mode = 'ok'
  idp.expiresIn = 3600
})

describe('azure-managed-identity: system-assigned managed identity', () => {
  it('200 concurrent cold requests make one identity call (MSAL alone would make 200)', async () => {
    const h = createAzureHandler({ azure_use_managed_identity: true }, { cache: new TokenCache(), env: NO_ENV })
    const reqs = Array.from({ length: 200 }, outbound)
    await Promise.all(reqs.map((r) => h.apply(r, client)))
    expect(idp.calls.filter((c) => c.kind === 'mi')).toHaveLength(1)
    const call = idp.calls[0]!
    expect(call.query.resource).toBe('https://cognitiveservices.azure.com')
    expect(call.query['api-version']).toBe('2019-08-01')
    expect(call.clientId).toBeNull()
    const auth = reqs[0]!.headers.get('authorization')
    expect(auth).toMatch(/^Bearer mi-system-\d+$/)
    expect(idp.accepts(auth)).toBe(true)
    for (const r of reqs) expect(r.headers.get('authorization')).toBe(auth)
  })
})

describe('azure-managed-identity: user-assigned managed identity', () => {
  it('sends the client id and caches the token under its own identity', async () => {
    const h = createAzureHandler({ azure_use_managed_identity: true, azure_client_id: 'ua-client-7' }, { cache: new TokenCache(), env: NO_ENV })
    expect(h.source.mode).toBe('user-assigned')
    const { auth } = await authOf(h)
    expect(auth).toMatch(/^Bearer mi-user-ua-client-7-\d+$/)
    expect(idp.accepts(auth)).toBe(true)
    expect(idp.calls.at(-1)!.clientId).toBe('ua-client-7')
  })
})

describe('azure-managed-identity: app registration (client id + secret + tenant) against HTTPS Entra ID', () => {
  it('gets a token for the Cognitive Services scope', async () => {
    const h = createAzureHandler(appConf(), { ...spOptions(), cache: new TokenCache() })
    expect(h.source.mode).toBe('client-secret')
    const { auth } = await authOf(h)
    expect(auth).toMatch(/^Bearer entra-\d+$/)
    expect(idp.accepts(auth)).toBe(true)
    const call = idp.calls.filter((c) => c.kind === 'token').at(-1)!
    expect(call.query.scope).toBe('https://cognitiveservices.azure.com/.default')
    expect(call.query.grant_type).toBe('client_credentials')
  })

  it('a wrong secret gives Kong\'s 500 and logs the AADSTS code, not the secret', async () => {
    const { lines, log } = logSpy()
    const h = createAzureHandler({ ...appConf(), azure_client_secret: 'wrong-secret-123' }, { ...spOptions(), cache: new TokenCache({ log }) })
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code })
    expect(String(lines[0]!.obj.cause)).toContain('AADSTS7000215')
    expect(JSON.stringify(lines)).not.toContain('wrong-secret-123')
  })
})

describe('azure-managed-identity: config and environment', () => {
  it('matches on azure_use_managed_identity only', () => {
    const s = createAzureStrategy()
    expect(s.id).toBe('azure-managed-identity')
    expect(s.matches({ azure_use_managed_identity: true }, { provider: 'azure', options: {} })).toBe(true)
    expect(s.matches({ azure_use_managed_identity: false, header_name: 'api-key', header_value: 'k' }, { provider: 'azure', options: {} })).toBe(false)
    expect(s.matches({}, { provider: 'azure', options: {} })).toBe(false)
  })

  it('picks the identity from the config fields, each falling back to AZURE_CLIENT_ID / AZURE_CLIENT_SECRET / AZURE_TENANT_ID', () => {
    const env = { AZURE_CLIENT_ID: 'env-client', AZURE_CLIENT_SECRET: 'env-secret', AZURE_TENANT_ID: 'env-tenant' }
    expect(azureIdentityOf({}, {})).toEqual({ mode: 'system-assigned' })
    expect(azureIdentityOf({ azure_client_id: 'c' }, {})).toEqual({ mode: 'user-assigned', clientId: 'c' })
    expect(azureIdentityOf({}, { AZURE_CLIENT_ID: 'env-client' })).toEqual({ mode: 'user-assigned', clientId: 'env-client' })
    expect(azureIdentityOf({}, env)).toEqual({ mode: 'client-secret', clientId: 'env-client', clientSecret: 'env-secret', tenantId: 'env-tenant' })
    // Kong's docs example: secret from the environment, the rest in the config
    expect(azureIdentityOf({ azure_client_id: 'c', azure_tenant_id: 't' }, { AZURE_CLIENT_SECRET: 'env-secret' })).toEqual({ mode: 'client-secret', clientId: 'c', clientSecret: 'env-secret', tenantId: 't' })
    expect(azureIdentityOf({ azure_client_id: 'c', azure_client_secret: 's', azure_tenant_id: 't' }, env)).toEqual({ mode: 'client-secret', clientId: 'c', clientSecret: 's', tenantId: 't' })
  })

  it('a rotated secret is a new cache key (secrets out of key and label: the conformance suite)', () => {
    const a = new AzureIdentitySource('client-secret', { clientId: 'c', clientSecret: 'secret-a', tenantId: 't' }, {})
    const b = new AzureIdentitySource('client-secret', { clientId: 'c', clientSecret: 'secret-b', tenantId: 't' }, {})
    expect(a.key).not.toBe(b.key)
  })
})

// What every strategy must do, for the app registration and for user-assigned managed identity
// (a new client id per case: MSAL caches managed identity tokens per process and identity).
const azureIdp = (): IdentityProviderControl => ({
  calls: () => idp.tokenCalls(),
  set: (mode) => { idp.mode = mode },
  setLifetime: (s) => { idp.expiresIn = s },
  revoke: (req) => { idp.revoked.add(String(req.headers.get('authorization')).slice('Bearer '.length)) },
})
const bearer = (req: OutboundRequest) => req.headers.get('authorization')

runAuthStrategySuite('azure app registration (client secret)', () => ({
  create: (cache) => createAzureHandler(appConf(), { ...spOptions(), cache }),
  outbound,
  accepts: (req) => idp.accepts(bearer(req)),
  credential: bearer,
  secrets: [idp.app.clientSecret],
  syncWhenWarm: true,
  idp: azureIdp(),
}), { identityProvider: true })

let userAssigned = 0
runAuthStrategySuite('azure user-assigned managed identity', () => {
  const clientId = `ua-suite-${++userAssigned}`
  return {
    create: (cache) => createAzureHandler({ azure_use_managed_identity: true, azure_client_id: clientId }, { cache, env: NO_ENV }),
    outbound,
    accepts: (req) => idp.accepts(bearer(req)) && String(bearer(req)).startsWith(`Bearer mi-user-${clientId}-`),
    credential: bearer,
    secrets: [],
    syncWhenWarm: true,
    // MSAL retries a managed identity endpoint's 5xx with back-off; a 400 it gives up on at once
    idp: { ...azureIdp(), outageStatus: 400 },
  }
}, { identityProvider: true })
