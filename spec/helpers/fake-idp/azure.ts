// Fake Azure identity endpoints for the real @azure/identity code paths: the managed identity endpoint in both protocols MSAL speaks (App Service:
// IDENTITY_ENDPOINT + IDENTITY_HEADER; IMDS: AZURE_POD_IDENTITY_AUTHORITY_HOST) and an HTTPS
// Entra ID (openid-configuration + client-credentials token endpoint). Tokens are numbered; the
// fake remembers which it issued so a fake Azure OpenAI can check the bearer it receives.
import type { IncomingMessage } from 'node:http'
import { json, listen, misbehave, type FakeServer, type IdpMode } from './server.ts'
import { selfSignedCert } from './tls.ts'

export interface AzureCall {
  kind: 'mi' | 'imds' | 'openid' | 'token'
  query: Record<string, string>
  clientId: string | null
}

export interface FakeAzureIdp {
  /** managed identity, App Service protocol: set IDENTITY_ENDPOINT to this */
  miEndpoint: string
  /** IDENTITY_HEADER's value (the fake checks X-IDENTITY-HEADER against it) */
  identityHeader: string
  /** IMDS protocol: set AZURE_POD_IDENTITY_AUTHORITY_HOST to this */
  imdsHost: string
  /** https Entra ID: ClientSecretCredential's authorityHost */
  authorityHost: string
  /** the CA the Entra client must trust */
  ca: string
  /** the app registration the fake accepts */
  app: { tenantId: string; clientId: string; clientSecret: string }
  /** next token requests: answer, fail with a status, or hang */
  mode: IdpMode
  /** lifetime of issued tokens, seconds */
  expiresIn: number
  calls: AzureCall[]
  /** token requests only (managed identity GETs and Entra token POSTs) */
  tokenCalls(): number
  issued: Set<string>
  revoked: Set<string>
  /** 'Bearer <token>' with a token this fake issued and did not revoke */
  accepts(authorization: string | undefined): boolean
  close(): Promise<void>
}

export async function startFakeAzureIdp(): Promise<FakeAzureIdp> {
  let n = 0
  const tls = selfSignedCert()
  const idp = {
    identityHeader: 'fake-identity-header-secret',
    app: { tenantId: 'tenant-1', clientId: 'app-client-1', clientSecret: 'app-secret-value-1' },
    mode: 'ok' as IdpMode,
    expiresIn: 3600,
    calls: [] as AzureCall[],
    issued: new Set<string>(),
    revoked: new Set<string>(),
  } as FakeAzureIdp
  const issue = (prefix: string): string => {
    const t = `${prefix}-${++n}`
    idp.issued.add(t)
    return t
  }
  const queryOf = (req: IncomingMessage): Record<string, string> => Object.fromEntries(new URL(req.url!, 'http://x').searchParams)

  const mi: FakeServer = await listen((req, res) => {
    const u = new URL(req.url!, 'http://x')
    const query = queryOf(req)
    const appService = u.pathname === '/msi/token'
    // MSAL normalises the IMDS path to a trailing slash; accept both
    const imds = u.pathname === '/metadata/identity/oauth2/token/' || u.pathname === '/metadata/identity/oauth2/token'
    if (!appService && !imds) return json(res, 404, { error: 'not_found' })
    idp.calls.push({ kind: appService ? 'mi' : 'imds', query, clientId: query.client_id ?? null })
    if (appService && (req.headers['x-identity-header'] !== idp.identityHeader || query['api-version'] !== '2019-08-01')) return json(res, 401, { error: 'unauthorized' })
    if (imds && req.headers.metadata !== 'true') return json(res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' })
    if (misbehave(res, idp.mode, { error: 'unavailable', error_description: 'fake outage' })) return
    // expires_on is what MSAL reads; resource must echo the request or MSAL caches under another key
    json(res, 200, {
      access_token: issue(query.client_id ? `mi-user-${query.client_id}` : 'mi-system'),
      expires_on: String(Math.floor(Date.now() / 1000) + idp.expiresIn),
      resource: query.resource,
      token_type: 'Bearer',
      client_id: query.client_id ?? 'system-assigned',
    })
  })

  const entra: FakeServer = await listen((req, res, body) => {
    const u = new URL(req.url!, 'https://x')
    const [, tenant] = u.pathname.split('/')
    const base = `${entra.url}/${tenant}`
    if (u.pathname.endsWith('/v2.0/.well-known/openid-configuration')) {
      idp.calls.push({ kind: 'openid', query: queryOf(req), clientId: null })
      return json(res, 200, { issuer: `${base}/v2.0`, token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, jwks_uri: `${base}/discovery/v2.0/keys` })
    }
    if (req.method !== 'POST' || !u.pathname.endsWith('/oauth2/v2.0/token')) return json(res, 404, { error: 'not_found' })
    const form = new URLSearchParams(body.toString())
    idp.calls.push({ kind: 'token', query: Object.fromEntries(form), clientId: form.get('client_id') })
    if (misbehave(res, idp.mode, { error: 'temporarily_unavailable', error_description: 'AADSTS50000: fake outage', error_codes: [50000] })) return
    if (tenant !== idp.app.tenantId || form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== idp.app.clientId || form.get('client_secret') !== idp.app.clientSecret) {
      return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] })
    }
    json(res, 200, { token_type: 'Bearer', expires_in: idp.expiresIn, ext_expires_in: idp.expiresIn, access_token: issue('entra') })
  }, tls)

  return Object.assign(idp, {
    miEndpoint: `${mi.url}/msi/token`,
    imdsHost: mi.url,
    authorityHost: entra.url,
    ca: tls.cert,
    tokenCalls: () => idp.calls.filter((c) => c.kind !== 'openid').length,
    accepts(authorization: string | undefined): boolean {
      const m = /^Bearer (.+)$/.exec(authorization ?? '')
      return m !== null && idp.issued.has(m[1]!) && !idp.revoked.has(m[1]!)
    },
    close: async () => { await mi.close(); await entra.close() },
  })
}
