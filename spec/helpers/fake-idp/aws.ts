// Fake AWS identity endpoints for the real @aws-sdk credential providers and a fake Bedrock Runtime that checks SigV4. One HTTP/1.1 server hosts
// STS (AssumeRole, SigV4-verified; AssumeRoleWithWebIdentity), container credentials (ECS/EKS)
// and EC2 instance metadata (IMDSv2). Every key pair it issues is remembered so the next hop can
// verify signatures made with it.
// The SigV4 check is written here from the spec with node:crypto, not with the SDK's signer the
// gateway uses, so the two cannot agree on the same mistake. It recomputes the signature with the
// known secret over what was received, and checks x-amz-content-sha256 against the body bytes
// (the signer trusts that header, so a body changed after signing must be caught here).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { json, listen, misbehave, type FakeServer, type IdpMode } from './server.ts'

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/

export interface SigV4Result {
  ok: boolean
  why: string
  accessKeyId?: string
  region?: string
  service?: string
  signedHeaders?: string[]
}

export interface KeyRing {
  /** accessKeyId → secret (and the session token that must come with it) */
  keys: Map<string, { secret: string; sessionToken?: string }>
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest()
const sha256hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')

export function verifySigV4(ring: KeyRing, req: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }, now = Date.now()): SigV4Result {
  const auth = String(req.headers.authorization ?? '')
  const m = AUTH_RE.exec(auth)
  if (!m) return { ok: false, why: 'no SigV4 Authorization header' }
  const [, accessKeyId, day, region, service, list, signature] = m as unknown as string[]
  const known = ring.keys.get(accessKeyId!)
  if (!known) return { ok: false, why: `unknown access key ${accessKeyId}`, accessKeyId }
  const signed = list!.split(';')
  const base = { accessKeyId, region, service, signedHeaders: signed }
  if (known.sessionToken === undefined && req.headers['x-amz-security-token'] !== undefined) return { ok: false, why: 'The security token included in the request is invalid', ...base }
  if (known.sessionToken !== undefined && req.headers['x-amz-security-token'] !== known.sessionToken) return { ok: false, why: 'session token missing or wrong', ...base }
  if (known.sessionToken !== undefined && !signed.includes('x-amz-security-token')) return { ok: false, why: 'session token not signed', ...base }
  for (const must of ['host', 'x-amz-date']) if (!signed.includes(must)) return { ok: false, why: `${must} not signed`, ...base }
  const amzDate = String(req.headers['x-amz-date'] ?? '')
  const at = Date.parse(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'))
  if (!amzDate.startsWith(day!) || !(Math.abs(now - at) <= 5 * 60_000)) return { ok: false, why: 'date missing or skewed', ...base }
  const bodyHash = sha256hex(req.body)
  const claimed = req.headers['x-amz-content-sha256']
  if (claimed !== undefined && claimed !== bodyHash) return { ok: false, why: 'x-amz-content-sha256 does not match the body', ...base }

  const q = req.url.indexOf('?')
  const path = q < 0 ? req.url : req.url.slice(0, q)
  const rawQuery = q < 0 ? '' : req.url.slice(q + 1)
  // non-S3 services: the path as received (already encoded) is encoded once more, '/' kept
  const canonicalUri = path.split('/').map(enc).join('/')
  const pairs: [string, string][] = []
  for (const kv of rawQuery.split('&')) {
    if (kv === '') continue
    const eq = kv.indexOf('=')
    pairs.push([enc(decodeURIComponent(eq < 0 ? kv : kv.slice(0, eq))), enc(decodeURIComponent(eq < 0 ? '' : kv.slice(eq + 1)))])
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
  const canonicalQuery = pairs.map(([k, v]) => `${k}=${v}`).join('&')
  const canonicalHeaders = signed.map((n) => {
    const v = req.headers[n]
    if (v === undefined) return null
    return `${n}:${(Array.isArray(v) ? v.join(',') : v).trim().replace(/\s+/g, ' ')}\n`
  })
  if (canonicalHeaders.includes(null)) return { ok: false, why: 'a signed header is missing', ...base }
  const canonical = [req.method, canonicalUri, canonicalQuery, canonicalHeaders.join(''), list, claimed ?? bodyHash].join('\n')
  const scope = `${day}/${region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n')
  let key: Buffer = hmac(`AWS4${known.secret}`, day!)
  for (const part of [region!, service!, 'aws4_request']) key = hmac(key, part)
  const expected = hmac(key, toSign).toString('hex')
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))) return { ok: false, why: 'SignatureDoesNotMatch', ...base }
  return { ok: true, why: '', ...base }
}

export interface AwsCall {
  kind: 'assume-role' | 'assume-role-web-identity' | 'container' | 'imds-token' | 'imds-role' | 'imds-creds'
  sigv4?: SigV4Result
  form?: Record<string, string>
  headers: IncomingHttpHeaders
}

export interface FakeAwsIdp extends KeyRing {
  url: string
  /** the long-term key pair the fake knows (as if an IAM user's) */
  user: { accessKeyId: string; secretAccessKey: string }
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI and its AWS_CONTAINER_AUTHORIZATION_TOKEN */
  containerUri: string
  containerToken: string
  mode: IdpMode
  /** lifetime of issued temporary credentials, seconds */
  expiresIn: number
  calls: AwsCall[]
  identityCalls(): number
  /** the role ARNs STS was asked to assume */
  roles: string[]
  close(): Promise<void>
}

const xml = (res: import('node:http').ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'content-type': 'text/xml' })
  res.end(body)
}

export async function startFakeAwsIdp(): Promise<FakeAwsIdp> {
  let n = 0
  const idp = {
    keys: new Map<string, { secret: string; sessionToken?: string }>(),
    user: { accessKeyId: 'AKIDFAKEUSER1', secretAccessKey: 'fake-user-secret-key-1' },
    containerToken: 'fake-container-auth-token',
    mode: 'ok' as IdpMode,
    expiresIn: 3600,
    calls: [] as AwsCall[],
    roles: [] as string[],
  } as FakeAwsIdp
  idp.keys.set(idp.user.accessKeyId, { secret: idp.user.secretAccessKey })
  const issue = (prefix: string) => {
    const c = { AccessKeyId: `ASIA${prefix}${++n}`, SecretAccessKey: randomBytes(20).toString('base64url'), Token: `session-${prefix}-${n}-${randomBytes(8).toString('hex')}`, Expiration: new Date(Date.now() + idp.expiresIn * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') }
    idp.keys.set(c.AccessKeyId, { secret: c.SecretAccessKey, sessionToken: c.Token })
    return c
  }
  const stsXml = (action: string, c: ReturnType<typeof issue>, role: string) => `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>
<AssumedRoleUser><AssumedRoleId>AROAFAKE:gateway</AssumedRoleId><Arn>${role}/gateway</Arn></AssumedRoleUser>
<Credentials><AccessKeyId>${c.AccessKeyId}</AccessKeyId><SecretAccessKey>${c.SecretAccessKey}</SecretAccessKey><SessionToken>${c.Token}</SessionToken><Expiration>${c.Expiration}</Expiration></Credentials>
</${action}Result><ResponseMetadata><RequestId>fake-${n}</RequestId></ResponseMetadata></${action}Response>`

  const server: FakeServer = await listen((req, res, body) => {
    const u = new URL(req.url!, 'http://x')
    const outage = (): boolean => {
      return misbehave(res, idp.mode, { message: 'fake outage' })
    }
    if (req.method === 'POST' && u.pathname === '/') {
      const form = Object.fromEntries(new URLSearchParams(body.toString()))
      if (form.Action === 'AssumeRoleWithWebIdentity') {
        idp.calls.push({ kind: 'assume-role-web-identity', form, headers: req.headers })
        if (outage()) return
        idp.roles.push(form.RoleArn!)
        return xml(res, 200, stsXml('AssumeRoleWithWebIdentity', issue('WEB'), form.RoleArn!))
      }
      const sigv4 = verifySigV4(idp, { method: req.method, url: req.url!, headers: req.headers, body })
      idp.calls.push({ kind: 'assume-role', form, sigv4, headers: req.headers })
      if (outage()) return
      if (!sigv4.ok || sigv4.service !== 'sts') {
        return xml(res, 403, `<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>${sigv4.why}</Message></Error><RequestId>x</RequestId></ErrorResponse>`)
      }
      idp.roles.push(form.RoleArn!)
      return xml(res, 200, stsXml('AssumeRole', issue('STS'), form.RoleArn!))
    }
    if (req.method === 'GET' && u.pathname === '/container-creds') {
      idp.calls.push({ kind: 'container', headers: req.headers })
      if (req.headers.authorization !== idp.containerToken) return json(res, 401, { message: 'bad container token' })
      if (outage()) return
      const c = issue('CONT')
      return json(res, 200, { AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, Token: c.Token, Expiration: c.Expiration })
    }
    if (req.method === 'PUT' && u.pathname === '/latest/api/token') {
      idp.calls.push({ kind: 'imds-token', headers: req.headers })
      res.writeHead(200, { 'content-type': 'text/plain' })
      return res.end('fake-imds-session-token')
    }
    if (req.method === 'GET' && u.pathname.startsWith('/latest/meta-data/iam/security-credentials')) {
      if (req.headers['x-aws-ec2-metadata-token'] !== 'fake-imds-session-token') return json(res, 401, {})
      const role = u.pathname.slice('/latest/meta-data/iam/security-credentials'.length).replace(/^\//, '')
      idp.calls.push({ kind: role ? 'imds-creds' : 'imds-role', headers: req.headers })
      if (!role) { res.writeHead(200, { 'content-type': 'text/plain' }); return res.end('gw-instance-role') }
      if (outage()) return
      const c = issue('IMDS')
      return json(res, 200, { Code: 'Success', LastUpdated: new Date().toISOString(), Type: 'AWS-HMAC', AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, Token: c.Token, Expiration: c.Expiration })
    }
    json(res, 404, { message: 'not found' })
  })
  return Object.assign(idp, {
    url: server.url,
    containerUri: `${server.url}/container-creds`,
    identityCalls: () => idp.calls.filter((c) => c.kind === 'assume-role' || c.kind === 'assume-role-web-identity' || c.kind === 'container' || c.kind === 'imds-creds').length,
    close: () => server.close(),
  })
}

export interface BedrockCall {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
  sigv4: SigV4Result
}

export interface FakeBedrock {
  url: string
  port: number
  calls: BedrockCall[]
  /** access keys whose requests get 403 (as if revoked) */
  denied: Set<string>
  close(): Promise<void>
}

/** Bedrock Runtime (Converse) over HTTP/1.1: a valid SigV4 gets an answer, anything else Bedrock's 403. */
export async function startFakeBedrock(ring: KeyRing): Promise<FakeBedrock> {
  const calls: BedrockCall[] = []
  const denied = new Set<string>()
  const server = await listen((req, res, body) => {
    const sigv4 = verifySigV4(ring, { method: req.method!, url: req.url!, headers: req.headers, body })
    calls.push({ method: req.method!, url: req.url!, headers: req.headers, body, sigv4 })
    if (!sigv4.ok || sigv4.service !== 'bedrock') {
      return json(res, 403, { message: `The request signature we calculated does not match the signature you provided. (${sigv4.why})` }, { 'x-amzn-errortype': 'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/' })
    }
    if (denied.has(sigv4.accessKeyId!)) {
      return json(res, 403, { message: 'The security token included in the request is expired' }, { 'x-amzn-errortype': 'ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/' })
    }
    json(res, 200, {
      output: { message: { role: 'assistant', content: [{ text: `signed by ${sigv4.accessKeyId}` }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
      metrics: { latencyMs: 1 },
    }, { 'x-amzn-requestid': 'fake' })
  })
  return { url: server.url, port: server.port, calls, denied, close: () => server.close() }
}
