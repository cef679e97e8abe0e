// Fake Google identity endpoints for the real google-auth-library code paths: the OAuth2 token endpoint of the JWT bearer grant, which verifies the
// RS256 assertion with the service account's public key, and a GCE metadata server (set
// GCE_METADATA_HOST, or point gcp_metadata_url at it). Every metadata answer carries
// Metadata-Flavor: Google, as the library requires.
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto'
import { json, listen, misbehave, type IdpMode } from './server.ts'

export interface GcpCall {
  kind: 'token' | 'metadata-token' | 'metadata'
  path: string
  /** the verified JWT claims (token endpoint) */
  claims?: Record<string, unknown>
  query: Record<string, string>
}

export interface FakeGcpIdp {
  url: string
  /** host:port for GCE_METADATA_HOST */
  metadataHost: string
  /** the token endpoint, for gcp_oauth_token_url */
  tokenUrl: string
  /** a service-account key JSON whose private key the fake knows the public half of */
  serviceAccountJson: string
  clientEmail: string
  privateKey: string
  mode: IdpMode
  expiresIn: number
  calls: GcpCall[]
  tokenCalls(): number
  /** assertions that failed verification */
  rejected: string[]
  issued: Set<string>
  revoked: Set<string>
  accepts(authorization: string | undefined): boolean
  close(): Promise<void>
}

function verifyJwt(jwt: string, key: KeyObject): { ok: boolean; why: string; claims: Record<string, unknown> } {
  const [h, c, s] = jwt.split('.')
  if (!h || !c || !s) return { ok: false, why: 'not a JWT', claims: {} }
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string }
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>
  if (header.alg !== 'RS256') return { ok: false, why: `alg ${header.alg}`, claims }
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${c}`), key, Buffer.from(s, 'base64url'))) return { ok: false, why: 'bad signature', claims }
  const now = Date.now() / 1000
  if (typeof claims.exp !== 'number' || claims.exp < now) return { ok: false, why: 'expired', claims }
  if (claims.aud !== 'https://oauth2.googleapis.com/token') return { ok: false, why: `aud ${String(claims.aud)}`, claims }
  return { ok: true, why: '', claims }
}

export async function startFakeGcpIdp(): Promise<FakeGcpIdp> {
  let n = 0
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const clientEmail = 'gateway@fake-project.iam.gserviceaccount.com'
  const idp = {
    clientEmail,
    privateKey: pem,
    mode: 'ok' as IdpMode,
    expiresIn: 3599,
    calls: [] as GcpCall[],
    rejected: [] as string[],
    issued: new Set<string>(),
    revoked: new Set<string>(),
  } as FakeGcpIdp
  const issue = (prefix: string): string => {
    const t = `ya29.${prefix}-${++n}`
    idp.issued.add(t)
    return t
  }
  const MF = { 'Metadata-Flavor': 'Google' }
  const server = await listen((req, res, body) => {
    const u = new URL(req.url!, 'http://x')
    const query = Object.fromEntries(u.searchParams)
    if (u.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(body.toString())
      const v = verifyJwt(form.get('assertion') ?? '', publicKey)
      idp.calls.push({ kind: 'token', path: u.pathname, claims: v.claims, query })
      if (misbehave(res, idp.mode, { error: 'backend_error', error_description: 'fake outage' })) return
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !v.ok || v.claims.iss !== clientEmail || !String(v.claims.scope).includes('cloud-platform')) {
        idp.rejected.push(v.why || 'claims')
        return json(res, 400, { error: 'invalid_grant', error_description: `Invalid JWT: ${v.why || 'claims'}` })
      }
      return json(res, 200, { access_token: issue('sa'), expires_in: idp.expiresIn, token_type: 'Bearer' })
    }
    if (!u.pathname.startsWith('/computeMetadata/v1')) return json(res, 404, {})
    if (req.headers['metadata-flavor'] !== 'Google') return json(res, 403, { error: 'Missing Metadata-Flavor:Google header' }, MF)
    if (u.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
      idp.calls.push({ kind: 'metadata-token', path: u.pathname, query })
      if (misbehave(res, idp.mode, { error: 'fake outage' }, MF)) return
      return json(res, 200, { access_token: issue('md'), expires_in: idp.expiresIn, token_type: 'Bearer' }, MF)
    }
    idp.calls.push({ kind: 'metadata', path: u.pathname, query })
    const text = (s: string) => { res.writeHead(200, { ...MF, 'content-type': 'application/text' }); res.end(s) }
    if (u.pathname === '/computeMetadata/v1/project/project-id') return text('fake-project')
    if (u.pathname === '/computeMetadata/v1/instance' || u.pathname === '/computeMetadata/v1/instance/') return text('service-accounts/\n')
    if (u.pathname === '/computeMetadata/v1/universe/universe-domain' || u.pathname === '/computeMetadata/v1/universe/universe_domain') return text('googleapis.com')
    json(res, 404, {}, MF)
  })
  return Object.assign(idp, {
    url: server.url,
    metadataHost: `127.0.0.1:${server.port}`,
    tokenUrl: `${server.url}/token`,
    serviceAccountJson: JSON.stringify({
      type: 'service_account', project_id: 'fake-project', private_key_id: 'key-1', private_key: pem, client_email: clientEmail,
      client_id: '1234567890', token_uri: `${server.url}/token`, universe_domain: 'googleapis.com',
    }),
    tokenCalls: () => idp.calls.filter((c) => c.kind !== 'metadata').length,
    accepts(authorization: string | undefined): boolean {
      const m = /^Bearer (.+)$/.exec(authorization ?? '')
      return m !== null && idp.issued.has(m[1]!) && !idp.revoked.has(m[1]!)
    },
    close: () => server.close(),
  })
}
