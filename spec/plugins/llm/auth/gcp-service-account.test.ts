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
import { runAuthStrategySuite, type IdentityProviderControl } from './auth-strategy.case.ts'

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

  it('labels the identity for the log by client email and key id (secrets out of it: the conformance suite)', () => {
    const h = createGcpHandler(keyConf(), { env: {} })
    expect(h.source.label).toBe(`gcp service-account ${idp.clientEmail} key=key-1`)
  })
})

// What every strategy must do, with a service-account key and with a metadata server.
const gcpIdp = (): IdentityProviderControl => ({
  calls: () => idp.tokenCalls(),
  set: (mode) => { idp.mode = mode },
  setLifetime: (s) => { idp.expiresIn = s },
  revoke: (req) => { idp.revoked.add(String(req.headers.get('authorization')).slice('Bearer '.length)) },
})
const bearer = (req: OutboundRequest) => req.headers.get('authorization')

runAuthStrategySuite('gcp service-account key', () => ({
  create: (cache) => createGcpHandler(keyConf(), { cache, env: {} }),
  outbound,
  accepts: (req) => idp.accepts(bearer(req)),
  credential: bearer,
  secrets: [idp.privateKey, JSON.stringify(idp.privateKey).slice(1, -1)],
  syncWhenWarm: true,
  idp: gcpIdp(),
}), { identityProvider: true })

runAuthStrategySuite('gcp metadata server (gcp_metadata_url)', () => ({
  create: (cache) => createGcpHandler({ gcp_use_service_account: true, gcp_metadata_url: idp.url }, { cache, env: {} }),
  outbound,
  accepts: (req) => idp.accepts(bearer(req)),
  credential: bearer,
  secrets: [],
  syncWhenWarm: true,
  idp: gcpIdp(),
}), { identityProvider: true })
