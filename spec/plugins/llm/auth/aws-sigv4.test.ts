// AWS strategy: SigV4 over the exact bytes sent, checked by a fake Bedrock that recomputes the
// signature with the known secret (its own implementation, node:crypto), with credentials from
// the real @aws-sdk providers against fake STS / container / instance metadata endpoints.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { llmErrors } from '../../../../plugins/llm/errors.ts'
import { awsIdentityOf } from '../../../../plugins/llm/auth/aws-credentials.ts'
import { createAwsHandler, createAwsStrategy } from '../../../../plugins/llm/auth/aws-sigv4.ts'
import { TokenCache } from '../../../../plugins/llm/auth/token-cache.ts'
import type { AuthConf, ModelConf, OutboundRequest } from '../../../../plugins/llm/types.ts'
import { startFakeAwsIdp, startFakeBedrock, type FakeAwsIdp, type FakeBedrock } from '../../../helpers/fake-idp/aws.ts'
import { isolateCloudEnv } from '../../../helpers/fake-idp/env.ts'
import { runAuthStrategySuite, type AuthStrategyAdapter } from './auth-strategy.case.ts'

let idp: FakeAwsIdp
let bedrock: FakeBedrock
const client = { header: () => undefined, query: () => undefined }
const MODEL_PATH = '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse'
const BODY = '{"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":16}}'

function outbound(body: string | Buffer | null = BODY, query: string | null = null): OutboundRequest {
  return { method: 'POST', target: { scheme: 'http', host: '127.0.0.1', port: bedrock.port, path: MODEL_PATH, query }, headers: new Map([['content-type', 'application/json'], ['accept', 'application/json'], ['user-agent', 'test']]), body }
}

/** Sends the request as the gateway would: these headers, this body, to this target. */
async function send(req: OutboundRequest, body = req.body): Promise<{ status: number; body: string }> {
  const t = req.target
  const headers: Record<string, string> = Object.fromEntries(req.headers)
  headers['x-forwarded-for'] = '10.0.0.1' // added by the core after auth: must not break the signature
  const res = await request(`${t.scheme}://${t.host}:${t.port}${t.path}${t.query ? `?${t.query}` : ''}`, { method: req.method as 'POST', headers, body: body ?? undefined })
  return { status: res.statusCode, body: await res.body.text() }
}

async function signAndSend(h: ReturnType<typeof createAwsHandler>, req = outbound()) {
  await h.apply(req, client)
  return { req, res: await send(req) }
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

const model = (bedrockOpts: NonNullable<ModelConf['options']['bedrock']> = { aws_region: 'us-east-1' }): ModelConf => ({ provider: 'bedrock', name: 'anthropic.claude-3-haiku-20240307-v1:0', options: { bedrock: bedrockOpts } })
const keys = (): AuthConf => ({ aws_access_key_id: idp.user.accessKeyId, aws_secret_access_key: idp.user.secretAccessKey })
const assume = (extra: Record<string, string> = {}) => model({ aws_region: 'us-west-2', aws_assume_role_arn: 'arn:aws:iam::123456789012:role/gw', aws_role_session_name: 'gateway', aws_sts_endpoint_url: idp.url, ...extra })

beforeAll(async () => {
  isolateCloudEnv()
  idp = await startFakeAwsIdp()
  bedrock = await startFakeBedrock(idp)
})
afterAll(async () => { await bedrock?.close(); await idp?.close() })
afterEach(() => {
  vi.useRealTimers()
  idp.mode = 'ok'
  idp.expiresIn = 3600
  for (const k of ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_ENDPOINT_URL_STS', 'AWS_REGION']) delete process.env[k]
  process.env.AWS_EC2_METADATA_DISABLED = 'true'
})

describe('aws-sigv4: signing', () => {
  it('signs method, host, path, query and body; Bedrock verifies it with the known secret', async () => {
    const h = createAwsHandler(keys(), model(), { cache: new TokenCache(), env: {} })
    const { req, res } = await signAndSend(h, outbound(BODY, 'trace=ENABLED&x=a%20b'))
    expect(res.status).toBe(200)
    const call = bedrock.calls.at(-1)!
    expect(call.sigv4).toMatchObject({ ok: true, accessKeyId: idp.user.accessKeyId, region: 'us-east-1', service: 'bedrock' })
    expect(call.sigv4.signedHeaders).toEqual(['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date'])
    expect(req.headers.get('host')).toBe(`127.0.0.1:${bedrock.port}`)
    expect(call.body.toString()).toBe(BODY)
    expect(call.url).toBe(`${MODEL_PATH}?trace=ENABLED&x=a%20b`)
  })

  it('a body changed after signing fails verification (403 InvalidSignatureException)', async () => {
    const h = createAwsHandler(keys(), model(), { cache: new TokenCache(), env: {} })
    const req = outbound()
    await h.apply(req, client)
    const res = await send(req, BODY.replace('hi', 'ho'))
    expect(res.status).toBe(403)
    expect(bedrock.calls.at(-1)!.sigv4.why).toBe('x-amz-content-sha256 does not match the body')
  })

  it('a wrong secret, or a query changed after signing, fails verification', async () => {
    const wrong = createAwsHandler({ aws_access_key_id: idp.user.accessKeyId, aws_secret_access_key: 'not-the-secret' }, model(), { cache: new TokenCache(), env: {} })
    expect((await signAndSend(wrong)).res.status).toBe(403)
    expect(bedrock.calls.at(-1)!.sigv4.why).toBe('SignatureDoesNotMatch')
    const h = createAwsHandler(keys(), model(), { cache: new TokenCache(), env: {} })
    const req = outbound(BODY, 'a=1')
    await h.apply(req, client)
    req.target.query = 'a=2'
    expect((await send(req)).status).toBe(403)
  })

  it('signs a Buffer body and an empty body', async () => {
    const h = createAwsHandler(keys(), model(), { cache: new TokenCache(), env: {} })
    expect((await signAndSend(h, outbound(Buffer.from(BODY)))).res.status).toBe(200)
    const get: OutboundRequest = { ...outbound(null), method: 'GET' }
    expect((await signAndSend(h, get)).res.status).toBe(200)
  })

  it('drops the client\'s own SigV4 headers (a native AWS SDK client signed for the gateway)', async () => {
    const h = createAwsHandler(keys(), model(), { cache: new TokenCache(), env: {} })
    const req = outbound()
    req.headers.set('authorization', 'AWS4-HMAC-SHA256 Credential=AKIDCLIENT/20200101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00')
    req.headers.set('x-amz-content-sha256', '0'.repeat(64))
    req.headers.set('x-amz-security-token', 'client-session')
    req.headers.set('x-amz-date', '20200101T000000Z')
    const { res } = await signAndSend(h, req)
    expect(res.status).toBe(200)
    expect(req.headers.has('x-amz-security-token')).toBe(false)
  })

  it('keeps a host header the pipeline set, and signs it', async () => {
    const h = createAwsHandler(keys(), model(), { cache: new TokenCache(), env: {} })
    const req = outbound()
    req.headers.set('host', `localhost:${bedrock.port}`)
    const { res } = await signAndSend(h, req)
    expect(res.status).toBe(200)
    expect(bedrock.calls.at(-1)!.headers.host).toBe(`localhost:${bedrock.port}`)
  })
})

describe('aws-sigv4: credentials and region', () => {
  it('falls back to AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and the region to AWS_REGION then AWS_DEFAULT_REGION', async () => {
    const env = { AWS_ACCESS_KEY_ID: idp.user.accessKeyId, AWS_SECRET_ACCESS_KEY: idp.user.secretAccessKey, AWS_DEFAULT_REGION: 'eu-west-3' }
    const h = createAwsHandler({}, model({}), { cache: new TokenCache(), env })
    expect(h.source.identity).toMatchObject({ base: 'env', region: 'eu-west-3' })
    const { res } = await signAndSend(h)
    expect(res.status).toBe(200)
    expect(bedrock.calls.at(-1)!.sigv4.region).toBe('eu-west-3')
    expect(awsIdentityOf({}, model({}), { ...env, AWS_REGION: 'ap-south-1' }).region).toBe('ap-south-1')
    expect(awsIdentityOf({}, model({ aws_region: 'us-east-2' }), { ...env, AWS_REGION: 'ap-south-1' }).region).toBe('us-east-2')
    // config keys override the environment
    expect(awsIdentityOf({ aws_access_key_id: 'AKIDCONF', aws_secret_access_key: 's' }, model(), env)).toMatchObject({ base: 'config', static: { accessKeyId: 'AKIDCONF' } })
  })

  it('no region anywhere: Kong\'s 500, and the log says why', async () => {
    const { lines, log } = logSpy()
    const h = createAwsHandler(keys(), model({}), { cache: new TokenCache({ log }), env: {} })
    await expect(h.apply(outbound(), client)).rejects.toMatchObject({ code: llmErrors.identity.code, status: 500, message: 'LLM request failed before proxying' })
    expect(String(lines[0]!.obj.cause)).toContain('AWS region not specified anywhere')
    expect(JSON.stringify(lines)).not.toContain(idp.user.secretAccessKey)
  })

  it('assumes a role through STS (the SDK signs AssumeRole; the fake verifies it), then signs with the temporary keys', async () => {
    const h = createAwsHandler(keys(), assume(), { cache: new TokenCache(), env: {} })
    const { res } = await signAndSend(h)
    expect(res.status).toBe(200)
    const sts = idp.calls.filter((c) => c.kind === 'assume-role').at(-1)!
    expect(sts.sigv4).toMatchObject({ ok: true, accessKeyId: idp.user.accessKeyId, service: 'sts', region: 'us-west-2' })
    expect(sts.form).toMatchObject({ Action: 'AssumeRole', RoleArn: 'arn:aws:iam::123456789012:role/gw', RoleSessionName: 'gateway' })
    const call = bedrock.calls.at(-1)!
    expect(call.sigv4).toMatchObject({ ok: true, region: 'us-west-2' })
    expect(call.sigv4.accessKeyId).toMatch(/^ASIASTS/)
    expect(call.sigv4.signedHeaders).toContain('x-amz-security-token')
  })

  it('default chain: container credentials (ECS/EKS)', async () => {
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = idp.containerUri
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = idp.containerToken
    const h = createAwsHandler({}, model(), { cache: new TokenCache(), env: {} })
    expect(h.source.identity.base).toBe('default-chain')
    const { res } = await signAndSend(h)
    expect(res.status).toBe(200)
    expect(bedrock.calls.at(-1)!.sigv4.accessKeyId).toMatch(/^ASIACONT/)
  })

  it('default chain: instance metadata (EC2, IMDSv2)', async () => {
    delete process.env.AWS_EC2_METADATA_DISABLED
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = idp.url
    const h = createAwsHandler({}, model(), { cache: new TokenCache(), env: {} })
    const { res } = await signAndSend(h)
    expect(res.status).toBe(200)
    expect(bedrock.calls.at(-1)!.sigv4.accessKeyId).toMatch(/^ASIAIMDS/)
    expect(idp.calls.some((c) => c.kind === 'imds-token')).toBe(true)
  })

  it('default chain: web identity (IRSA) through STS AssumeRoleWithWebIdentity', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-'))
    writeFileSync(join(dir, 'token'), 'fake-oidc-jwt')
    Object.assign(process.env, { AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'token'), AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/irsa', AWS_ROLE_SESSION_NAME: 'irsa', AWS_ENDPOINT_URL_STS: idp.url, AWS_REGION: 'us-east-1' })
    const h = createAwsHandler({}, model(), { cache: new TokenCache(), env: {} })
    const { res } = await signAndSend(h)
    expect(res.status).toBe(200)
    expect(bedrock.calls.at(-1)!.sigv4.accessKeyId).toMatch(/^ASIAWEB/)
    expect(idp.calls.filter((c) => c.kind === 'assume-role-web-identity').at(-1)!.form).toMatchObject({ RoleArn: 'arn:aws:iam::123456789012:role/irsa', WebIdentityToken: 'fake-oidc-jwt' })
  })
})

describe('aws-sigv4: strategy', () => {
  it('serves every bedrock config', () => {
    const s = createAwsStrategy()
    expect(s.id).toBe('aws-sigv4')
    expect(s.matches({}, model())).toBe(true)
    expect(s.matches({ header_name: 'x', header_value: 'y' }, { provider: 'openai', options: {} })).toBe(false)
  })

  it('labels the identity for the log by access key id, role and region (secrets out of it: the conformance suite)', () => {
    const h = createAwsHandler(keys(), assume(), { env: {} })
    expect(h.source.label).toBe(`aws config key=${idp.user.accessKeyId} assume=arn:aws:iam::123456789012:role/gw region=us-west-2`)
  })
})

// What every strategy must do: static keys (no identity provider) and an assumed role (STS). The credential a request carries is its SigV4 access key id; the
// provider accepting it is the fake Bedrock verifying the signature.
const accessKeyOf = (req: OutboundRequest) => /Credential=([^/]+)\//.exec(req.headers.get('authorization') ?? '')?.[1]
const sigv4 = (create: AuthStrategyAdapter['create'], idpControl: AuthStrategyAdapter['idp']): AuthStrategyAdapter => ({
  create,
  outbound: () => outbound(),
  accepts: async (req) => (await send(req)).status === 200,
  credential: accessKeyOf,
  secrets: [idp.user.secretAccessKey],
  syncWhenWarm: false,
  idp: idpControl,
})
const stsControl = (): NonNullable<AuthStrategyAdapter['idp']> => ({
  calls: () => idp.identityCalls(),
  set: (mode) => { idp.mode = mode },
  setLifetime: (s) => { idp.expiresIn = s },
  revoke: (req) => { bedrock.denied.add(accessKeyOf(req)!) },
  outageStatus: 400,
})

runAuthStrategySuite('aws static keys', () => sigv4((cache) => createAwsHandler(keys(), model(), { cache, env: {} }), undefined), { identityProvider: false })

let sessions = 0
runAuthStrategySuite('aws assumed role (STS)', () => {
  const session = `suite-${++sessions}`
  return sigv4((cache) => createAwsHandler(keys(), assume({ aws_role_session_name: session }), { cache, env: {} }), stsControl())
}, { identityProvider: true })
