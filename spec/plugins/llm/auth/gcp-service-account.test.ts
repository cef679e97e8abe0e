// GCP strategy with the real google-auth-library code paths against a fake Google token endpoint
// (which verifies the RS256 assertion) and a fake metadata server on 127.0.0.1.
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { llmErrors } from '../../../../plugins/llm/errors.ts'
import { createGcpHandler, createGcpStrategy, metadataTokenUrl } from '../../../../plugins/llm/auth/gcp-service-account.ts'
import { TokenCache } from '../../../../plugins/llm/auth/token-cache.ts'
import type { AuthConf, OutboundRequest } from '../../../../plugins/llm/types.ts'
import { isolateCloudEnv } from '../../../helpers/fake-idp/env.ts'
import { startFakeGcpIdp, type FakeGcpIdp } from '../../../helpers/fake-idp/gcp.ts'

let idp: FakeGcpIdp
const client = { header: () => undefined, query: () => undefined }

function outbound(): OutboundRequest {
  return { method: 'POST', target: { scheme: 'https', host: 'us-central1-aiplatform.googleapis.com', port: 443, path: '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent', query: null }, headers: new Map([['content-type', 'application/json']]), body: '{}' }
}

function logSpy() {
  const lines: { level: string; obj: Record<string, unknown> }[] = []
  return {
    lines,
    log: {
      error: (obj: object) => { lines.push({ level: 'error', obj: obj as Record<string, unknown> }) },
      warn: (obj: object) => { lines.push({ level: 'warn', obj: obj as Record<string, unknown> }) },
    },
  }
}

async function authOf(h: ReturnType<typeof createGcpHandler>): Promise<{ auth: string | undefined; sync: boolean }> {
  const req = outbound()
  const r = h.apply(req, client)
  const sync = r === undefined
  await r
  return { auth: req.headers.get('authorization'), sync }
}

const keyConf = (): AuthConf => ({ gcp_use_service_account: true, gcp_service_account_json: idp.serviceAccountJson, gcp_oauth_token_url: idp.tokenUrl })

beforeAll(async () => {
  isolateCloudEnv()
  idp = await startFakeGcpIdp()
})
afterAll(async () => { await idp?.close() })
afterEach(() => {
  vi.useRealTimers()
  idp.mode = 'ok'
  idp.expiresIn = 3599
  delete process.env.GCE_METADATA_HOST
})

describe('gcp-service-account: service-account key', () => {
  it('signs an RS256 assertion the token endpoint verifies, and sets the bearer', async () => {
    const h = createGcpHandler(keyConf(), { cache: new TokenCache(), env: {} })
    expect(h.source.mode).toBe('service-account')
    const { auth } = await authOf(h)
    expect(auth).toMatch(/^Bearer ya29\.sa-\d+$/)
    expect(idp.accepts(auth)).toBe(true)
    const call = idp.calls.filter((c) => c.kind === 'token').at(-1)!
    expect(call.claims).toMatchObject({ iss: idp.clientEmail, scope: 'https://www.googleapis.com/auth/cloud-platform', aud: 'https://oauth2.googleapis.com/token' })
    expect(idp.rejected).toEqual([])
  })

  it('reads the key from GCP_SERVICE_ACCOUNT when the config has none', async () => {
    const h = createGcpHandler({ gcp_use_service_account: true, gcp_oauth_token_url: idp.tokenUrl }, { cache: new TokenCache(), env: { GCP_SERVICE_ACCOUNT: idp.serviceAccountJson } })
    expect(h.source.mode).toBe('service-account')
    expect(idp.accepts((await authOf(h)).auth)).toBe(true)
  })

  it('200 concurrent cold requests make one token request; 1000 warm ones none, synchronously', async () => {
    const h = createGcpHandler(keyConf(), { cache: new TokenCache(), env: {} })
    const before = idp.tokenCalls()
    const reqs = Array.from({ length: 200 }, outbound)
    await Promise.all(reqs.map((r) => h.apply(r, client)))
    expect(idp.tokenCalls()).toBe(before + 1)
    expect(new Set(reqs.map((r) => r.headers.get('authorization'))).size).toBe(1)
    for (let i = 0; i < 1000; i++) expect(h.apply(outbound(), client)).toBeUndefined()
    expect(idp.tokenCalls()).toBe(before + 1)
  })

  it('refreshes near expiry in the background while the current token serves', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const h = createGcpHandler(keyConf(), { cache: new TokenCache(), env: {} })
    const first = (await authOf(h)).auth
    const before = idp.tokenCalls()
    vi.setSystemTime(Date.now() + (3599 - 200) * 1000)
    expect(await authOf(h)).toEqual({ auth: first, sync: true })
    await vi.waitFor(() => expect(idp.tokenCalls()).toBe(before + 1))
    await vi.waitFor(() => expect(idp.accepts((() => { const r = outbound(); h.apply(r, client); return r.headers.get('authorization') })())).toBe(true))
    const now = await authOf(h)
    expect(now.sync).toBe(true)
    expect(now.auth).not.toBe(first)
  })

  it('a 401/403 from Vertex forces a new token past google-auth-library\'s cache', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const h = createGcpHandler(keyConf(), { cache: new TokenCache(), env: {} })
    const first = (await authOf(h)).auth!
    idp.revoked.add(first.slice('Bearer '.length))
    vi.setSystemTime(Date.now() + 5000)
    h.invalidate!()
    const retry = await authOf(h)
    expect(retry.auth).not.toBe(first)
    expect(idp.accepts(retry.auth)).toBe(true)
  })

  it('an outage gives Kong\'s 500 with the cause logged, the key redacted; it recovers after the back-off', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { lines, log } = logSpy()
    const h = createGcpHandler(keyConf(), { cache: new TokenCache({ log, retryMs: 1000 }), env: {} })
    idp.mode = 503
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code, status: 500, message: 'LLM request failed before proxying' })
    expect(lines).toHaveLength(1)
    expect(lines[0]!.obj.identity).toBe(`gcp service-account ${idp.clientEmail} key=key-1`)
    const logged = JSON.stringify(lines)
    expect(logged).not.toContain('PRIVATE KEY')
    expect(logged).not.toContain(idp.privateKey.split('\n')[1]!)
    idp.mode = 'ok'
    vi.setSystemTime(Date.now() + 1500)
    expect(idp.accepts((await authOf(h)).auth)).toBe(true)
  })

  it('a key the token endpoint does not know (bad signature) gives Kong\'s 500', async () => {
    const { lines, log } = logSpy()
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const json = JSON.stringify({ ...JSON.parse(idp.serviceAccountJson), private_key: other })
    const h = createGcpHandler({ ...keyConf(), gcp_service_account_json: json }, { cache: new TokenCache({ log }), env: {} })
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code })
    expect(idp.rejected.at(-1)).toBe('bad signature')
    expect(String(lines[0]!.obj.cause)).toContain('invalid_grant')
    expect(JSON.stringify(lines)).not.toContain(other.split('\n')[1]!)
  })

  it('a key that is not JSON gives Kong\'s 500 and says why in the log', async () => {
    const { lines, log } = logSpy()
    const h = createGcpHandler({ gcp_use_service_account: true, gcp_service_account_json: '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nABC' }, { cache: new TokenCache({ log }), env: {} })
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code })
    expect(String(lines[0]!.obj.cause)).toContain('gcp_service_account_json is not valid JSON')
    expect(JSON.stringify(lines)).not.toContain('ABC')
  })

  it('a token endpoint that never answers fails the request instead of hanging it', async () => {
    const { log } = logSpy()
    const h = createGcpHandler(keyConf(), { cache: new TokenCache({ log, timeoutMs: 300 }), env: {} })
    idp.mode = 'hang'
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code })
  })
})

describe('gcp-service-account: no key', () => {
  it('uses gcp_metadata_url (the server, or its full token URL)', async () => {
    for (const url of [idp.url, `${idp.url}/computeMetadata/v1/instance/service-accounts/default/token`]) {
      const h = createGcpHandler({ gcp_use_service_account: true, gcp_metadata_url: url }, { cache: new TokenCache(), env: {} })
      expect(h.source.mode).toBe('metadata-url')
      const { auth } = await authOf(h)
      expect(auth).toMatch(/^Bearer ya29\.md-\d+$/)
      expect(idp.accepts(auth)).toBe(true)
      expect(idp.calls.at(-1)).toMatchObject({ kind: 'metadata-token', query: { scopes: 'https://www.googleapis.com/auth/cloud-platform' } })
    }
  })

  it('falls back to Application Default Credentials: the metadata server (workload identity / GCE)', async () => {
    process.env.GCE_METADATA_HOST = idp.metadataHost
    const h = createGcpHandler({ gcp_use_service_account: true }, { cache: new TokenCache(), env: {} })
    expect(h.source.mode).toBe('application-default')
    const { auth } = await authOf(h)
    expect(auth).toMatch(/^Bearer ya29\.md-\d+$/)
    expect(idp.accepts(auth)).toBe(true)
  })

  it('normalises gcp_metadata_url', () => {
    expect(metadataTokenUrl('http://169.254.169.254')).toBe('http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token')
    expect(metadataTokenUrl('http://metadata.google.internal/computeMetadata/v1/')).toBe('http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token')
    expect(metadataTokenUrl('http://m:8080/custom/token')).toBe('http://m:8080/custom/token')
  })
})

describe('gcp-service-account: strategy', () => {
  it('matches on gcp_use_service_account', () => {
    const s = createGcpStrategy()
    expect(s.id).toBe('gcp-service-account')
    expect(s.matches({ gcp_use_service_account: true }, { provider: 'gemini', options: {} })).toBe(true)
    expect(s.matches({ param_name: 'key', param_value: 'k', param_location: 'query' }, { provider: 'gemini', options: {} })).toBe(false)
  })

  it('keys the cache by a hash: the private key is not in the key or the label', () => {
    const h = createGcpHandler(keyConf(), { env: {} })
    expect(h.source.key).not.toContain('PRIVATE')
    expect(h.source.label).toBe(`gcp service-account ${idp.clientEmail} key=key-1`)
  })
})
