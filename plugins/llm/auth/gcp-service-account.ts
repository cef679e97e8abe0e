// Gemini on Vertex AI with a Google OAuth2 access token (Kong's `auth.gcp_use_service_account`):
//   1. a service-account key: `auth.gcp_service_account_json`, else env GCP_SERVICE_ACCOUNT
//      (JWT bearer grant to Google's token endpoint, or `auth.gcp_oauth_token_url`);
//   2. no key and `auth.gcp_metadata_url`: that metadata server's token endpoint;
//   3. no key: Application Default Credentials (GKE workload identity / GCE metadata server,
//      GOOGLE_APPLICATION_CREDENTIALS, ...).
// The token goes out as `Authorization: Bearer <token>` with the cloud-platform scope.
// https://cloud.google.com/vertex-ai/docs/authentication
// google-auth-library is loaded on the first acquisition, not at gateway start.
import type { AuthClient, GoogleAuth } from 'google-auth-library'
import type { AuthConf, AuthHandler, AuthStrategy, ModelConf } from '../types.ts'
import { bearerHandler } from './bearer-handler.ts'
import { identityKey, tokenCache, type IdentitySource, type Token, type TokenCache } from './token-cache.ts'

export const GCP_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
/** Google's API-key header (Vertex express mode): a client's own would compete with the gateway's token */
const GCP_CLIENT_KEYS = ['x-goog-api-key'] as const
/** hard-coded in google-auth-library (a key file's token_uri is ignored), so an override rewrites it */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token'
const METADATA_TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token'

type GcpMode = 'service-account' | 'metadata-url' | 'application-default'

export interface GcpStrategyOptions {
  cache?: TokenCache
  /** where GCP_SERVICE_ACCOUNT is read (at config load); default process.env */
  env?: NodeJS.ProcessEnv
}

let sdk: Promise<typeof import('google-auth-library')> | undefined
const loadSdk = () => (sdk ??= import('google-auth-library'))

/** `gcp_metadata_url` may be the server (`http://host:port`) or its full token URL. */
export function metadataTokenUrl(url: string): string {
  const u = new URL(url)
  const path = u.pathname.replace(/\/+$/, '')
  if (path === '') u.pathname = METADATA_TOKEN_PATH
  else if (path.endsWith('/computeMetadata/v1')) u.pathname = `${path}/instance/service-accounts/default/token`
  return u.toString()
}

interface ServiceAccountKey { type?: string; client_email?: string; private_key?: string; private_key_id?: string; [k: string]: unknown }

export class GcpIdentitySource implements IdentitySource<string> {
  readonly key: string
  readonly label: string
  readonly secrets: readonly string[]
  readonly mode: GcpMode
  private readonly keyJson: ServiceAccountKey | null
  private readonly badKey: string | null
  private client: AuthClient | null = null

  constructor(private readonly json: string | null, private readonly tokenUrl: string | null, private readonly metadataUrl: string | null) {
    let parsed: ServiceAccountKey | null = null
    let bad: string | null = null
    if (json !== null) {
      try {
        const v: unknown = JSON.parse(json)
        if (v === null || typeof v !== 'object' || Array.isArray(v)) bad = 'gcp_service_account_json is not a JSON object'
        else parsed = v as ServiceAccountKey
      } catch {
        bad = 'gcp_service_account_json is not valid JSON'
      }
    }
    this.keyJson = parsed
    this.badKey = bad
    this.mode = json !== null ? 'service-account' : metadataUrl !== null ? 'metadata-url' : 'application-default'
    this.key = identityKey(['gcp', this.mode, json, tokenUrl, metadataUrl, GCP_SCOPE])
    this.label = this.mode === 'service-account'
      ? `gcp service-account${parsed?.client_email ? ` ${parsed.client_email}` : ''}${parsed?.private_key_id ? ` key=${parsed.private_key_id}` : ''}`
      : this.mode === 'metadata-url' ? `gcp metadata ${metadataUrl}` : 'gcp application-default'
    const pk = parsed?.private_key
    this.secrets = typeof pk === 'string' ? [pk, JSON.stringify(pk).slice(1, -1)] : []
  }

  async acquire(force: boolean): Promise<Token<string>> {
    if (this.badKey !== null) throw new Error(this.badKey)
    // A new client bypasses google-auth-library's own token cache (a forced refresh)
    if (force || this.client === null) this.client = await this.build()
    const { token } = await this.client.getAccessToken()
    if (!token) throw new Error('google-auth-library returned no access token')
    const expiry = this.client.credentials.expiry_date
    return { value: `Bearer ${token}`, expiresAt: typeof expiry === 'number' ? expiry : Date.now() + 5 * 60_000 }
  }

  private async build(): Promise<AuthClient> {
    const g = await loadSdk()
    if (this.keyJson !== null) {
      const transporter = new g.gaxios.Gaxios()
      const override = this.tokenUrl
      if (override !== null) {
        transporter.interceptors.request.add({
          resolved: async (opts) => {
            if (String(opts.url) === GOOGLE_TOKEN_URL) opts.url = new URL(override)
            return opts
          },
        })
      }
      const auth: GoogleAuth = new g.GoogleAuth({ credentials: this.keyJson, scopes: [GCP_SCOPE], clientOptions: { transporter } })
      return auth.getClient()
    }
    if (this.metadataUrl !== null) return createMetadataClient(g, metadataTokenUrl(this.metadataUrl))
    return new g.GoogleAuth({ scopes: [GCP_SCOPE] }).getClient()
  }
}

/**
 * The Compute client reads its metadata host from process-wide env (GCE_METADATA_HOST), which one
 * config cannot set for itself; this one asks the configured URL, the same way.
 */
function createMetadataClient(g: typeof import('google-auth-library'), url: string): AuthClient {
  class MetadataUrlClient extends g.Compute {
    protected override async refreshTokenNoCache() {
      const res = await this.transporter.request<{ access_token?: string; expires_in?: number; token_type?: string }>({
        url,
        headers: { 'Metadata-Flavor': 'Google' },
        params: { scopes: GCP_SCOPE },
        responseType: 'json',
        retry: false,
      })
      if (res.headers.get('metadata-flavor') !== 'Google') throw new Error(`${url} is not a GCP metadata server (no Metadata-Flavor: Google)`)
      const d = res.data
      if (!d?.access_token) throw new Error(`${url} answered no access_token`)
      const tokens = { access_token: d.access_token, token_type: d.token_type ?? 'Bearer', expiry_date: Date.now() + (d.expires_in ?? 300) * 1000 }
      return { tokens, res }
    }
  }
  return new MetadataUrlClient({ scopes: [GCP_SCOPE] })
}

export function createGcpHandler(auth: AuthConf, opts: GcpStrategyOptions = {}): AuthHandler & { source: GcpIdentitySource } {
  const env = opts.env ?? process.env
  const json = auth.gcp_service_account_json || env.GCP_SERVICE_ACCOUNT || null
  const source = new GcpIdentitySource(json, auth.gcp_oauth_token_url || null, auth.gcp_metadata_url || null)
  const cache = opts.cache ?? tokenCache
  return bearerHandler(source, cache, GCP_CLIENT_KEYS)
}

export function createGcpStrategy(opts: GcpStrategyOptions = {}): AuthStrategy {
  return {
    id: 'gcp-service-account',
    matches: (auth: AuthConf) => auth.gcp_use_service_account === true,
    create: (auth: AuthConf, _model: ModelConf) => createGcpHandler(auth, opts),
  }
}

export const gcpServiceAccount = createGcpStrategy()
