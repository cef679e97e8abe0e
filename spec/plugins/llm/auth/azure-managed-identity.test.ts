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

  it('1000 warm requests make no identity call and apply synchronously', async () => {
    const h = createAzureHandler({ azure_use_managed_identity: true }, { cache: new TokenCache(), env: NO_ENV })
    await authOf(h)
    const before = idp.tokenCalls()
    for (let i = 0; i < 1000; i++) {
      const req = outbound()
      expect(h.apply(req, client)).toBeUndefined()
      expect(req.headers.get('authorization')).toMatch(/^Bearer mi-system-/)
    }
    expect(idp.tokenCalls()).toBe(before)
  })

  it('a 401/403 from Azure forces a real refresh past MSAL\'s process-wide cache', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const h = createAzureHandler({ azure_use_managed_identity: true }, { cache: new TokenCache(), env: NO_ENV })
    const first = (await authOf(h)).auth!
    idp.revoked.add(first.slice('Bearer '.length))
    expect(idp.accepts(first)).toBe(false)
    vi.setSystemTime(Date.now() + 5000)
    const before = idp.tokenCalls()
    h.invalidate!()
    const retry = await authOf(h)
    expect(retry.sync).toBe(false)
    expect(retry.auth).not.toBe(first)
    expect(idp.accepts(retry.auth)).toBe(true)
    expect(idp.tokenCalls()).toBe(before + 1)
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

  it('200 concurrent cold requests make one token request', async () => {
    const h = createAzureHandler(appConf(), { ...spOptions(), cache: new TokenCache() })
    const before = idp.tokenCalls()
    const reqs = Array.from({ length: 200 }, outbound)
    await Promise.all(reqs.map((r) => h.apply(r, client)))
    expect(idp.tokenCalls()).toBe(before + 1)
    expect(new Set(reqs.map((r) => r.headers.get('authorization'))).size).toBe(1)
  })

  it('refreshes a token near expiry in the background: no request waits', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const h = createAzureHandler(appConf(), { ...spOptions(), cache: new TokenCache() })
    const first = (await authOf(h)).auth
    const before = idp.tokenCalls()
    vi.setSystemTime(Date.now() + (3600 - 200) * 1000) // inside the last 5 min, outside the last 30 s
    const during = await authOf(h)
    expect(during).toEqual({ auth: first, sync: true })
    await vi.waitFor(() => expect(idp.tokenCalls()).toBe(before + 1))
    await vi.waitFor(() => {
      const req = outbound()
      expect(h.apply(req, client)).toBeUndefined()
      expect(req.headers.get('authorization')).not.toBe(first)
    })
    expect(idp.tokenCalls()).toBe(before + 1)
  })

  it('an expired token is not served: the request waits for a fresh one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const h = createAzureHandler(appConf(), { ...spOptions(), cache: new TokenCache() })
    const first = (await authOf(h)).auth
    vi.setSystemTime(Date.now() + 3601 * 1000)
    const after = await authOf(h)
    expect(after.sync).toBe(false)
    expect(after.auth).not.toBe(first)
    expect(idp.accepts(after.auth)).toBe(true)
  })

  it('an Entra outage gives Kong\'s 500 with the cause logged (secret redacted), then recovers despite MSAL\'s 60 s error cache', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { lines, log } = logSpy()
    const h = createAzureHandler(appConf(), { ...spOptions(), cache: new TokenCache({ log, retryMs: 1000 }) })
    idp.mode = 503
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code, status: 500, message: 'LLM request failed before proxying' })
    expect(lines).toHaveLength(1)
    expect(lines[0]!.obj.identity).toBe(`azure client-secret tenant=${idp.app.tenantId} client=${idp.app.clientId}`)
    expect(String(lines[0]!.obj.cause)).toMatch(/fake outage|503/)
    expect(JSON.stringify(lines)).not.toContain(idp.app.clientSecret)
    idp.mode = 'ok'
    const before = idp.tokenCalls()
    // inside the back-off the answer is the same, without a call
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code })
    expect(idp.tokenCalls()).toBe(before)
    vi.setSystemTime(Date.now() + 1500)
    const { auth } = await authOf(h)
    expect(idp.accepts(auth)).toBe(true)
    expect(idp.tokenCalls()).toBe(before + 1)
  })

  it('a wrong secret gives Kong\'s 500 and logs the AADSTS code, not the secret', async () => {
    const { lines, log } = logSpy()
    const h = createAzureHandler({ ...appConf(), azure_client_secret: 'wrong-secret-123' }, { ...spOptions(), cache: new TokenCache({ log }) })
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code })
    expect(String(lines[0]!.obj.cause)).toContain('AADSTS7000215')
    expect(JSON.stringify(lines)).not.toContain('wrong-secret-123')
  })

  it('an Entra ID that never answers fails the request instead of hanging it', async () => {
    const { lines, log } = logSpy()
    const h = createAzureHandler(appConf(), { ...spOptions(), cache: new TokenCache({ log, timeoutMs: 300 }) })
    idp.mode = 'hang'
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code })
    expect(String(lines[0]!.obj.cause)).toContain('did not answer within 300 ms')
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

  it('keys the cache by a hash of the identity, never by the secret', () => {
    const a = new AzureIdentitySource('client-secret', { clientId: 'c', clientSecret: 'secret-a', tenantId: 't' }, {})
    const b = new AzureIdentitySource('client-secret', { clientId: 'c', clientSecret: 'secret-b', tenantId: 't' }, {})
    expect(a.key).not.toBe(b.key)
    expect(a.key + a.label).not.toContain('secret-a')
    expect(a.secrets).toEqual(['secret-a'])
  })
})
