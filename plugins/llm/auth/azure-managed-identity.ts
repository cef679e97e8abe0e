// Azure OpenAI with an Entra token instead of an api-key (Kong's `auth.azure_use_managed_identity`):
//   - no ids                          → system-assigned managed identity
//   - azure_client_id                 → user-assigned managed identity
//   - client id + secret + tenant id  → app registration (ClientSecretCredential), for gateways
//                                       outside Azure
// Each of the three falls back to AZURE_CLIENT_ID / AZURE_CLIENT_SECRET / AZURE_TENANT_ID, as in
// Kong's docs. The token goes out as `Authorization: Bearer <token>` for the Cognitive Services
// scope. https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/managed-identity
// @azure/identity is loaded on the first acquisition, not at gateway start.
import type { AccessToken, ClientSecretCredentialOptions, ManagedIdentityCredential, TokenCredential, TokenCredentialOptions } from '@azure/identity'
import type { AuthConf, AuthHandler, AuthStrategy, ModelConf } from '../types.ts'
import { bearerHandler } from './bearer-handler.ts'
import { identityKey, tokenCache, type IdentitySource, type Token, type TokenCache } from './token-cache.ts'

export const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default'
/** Azure OpenAI's key header: a client's own would compete with the gateway's token */
const AZURE_CLIENT_KEYS = ['api-key'] as const

type AzureMode = 'system-assigned' | 'user-assigned' | 'client-secret'

export interface AzureStrategyOptions {
  cache?: TokenCache
  /** where the AZURE_* fallbacks are read (at config load); default process.env */
  env?: NodeJS.ProcessEnv
  /** passed to ManagedIdentityCredential (e.g. retryOptions) */
  managedIdentity?: TokenCredentialOptions
  /** passed to ClientSecretCredential (authorityHost, disableInstanceDiscovery, tlsOptions for a private CA) */
  clientSecret?: ClientSecretCredentialOptions
}

let sdk: Promise<typeof import('@azure/identity')> | undefined
const loadSdk = () => (sdk ??= import('@azure/identity'))

/** MSAL's managed identity app behind a ManagedIdentityCredential (not public in 4.12; see forced()). */
interface MsalManagedIdentityApp {
  acquireToken(req: { resource: string; forceRefresh?: boolean }): Promise<{ accessToken: string; expiresOn: Date | null; refreshOn?: Date }>
}

export class AzureIdentitySource implements IdentitySource<string> {
  readonly key: string
  readonly label: string
  readonly secrets: readonly string[]
  private credential: TokenCredential | null = null

  constructor(
    readonly mode: AzureMode,
    private readonly ids: { clientId?: string; clientSecret?: string; tenantId?: string },
    private readonly opts: AzureStrategyOptions,
  ) {
    const authority = opts.clientSecret?.authorityHost ?? null
    this.key = identityKey(['azure', mode, ids.tenantId ?? null, ids.clientId ?? null, ids.clientSecret ?? null, authority, AZURE_OPENAI_SCOPE])
    this.label = `azure ${mode}${ids.tenantId ? ` tenant=${ids.tenantId}` : ''}${ids.clientId ? ` client=${ids.clientId}` : ''}`
    this.secrets = ids.clientSecret ? [ids.clientSecret] : []
  }

  async acquire(force: boolean, abortSignal: AbortSignal): Promise<Token<string>> {
    const { ClientSecretCredential, ManagedIdentityCredential } = await loadSdk()
    // A new credential object bypasses MSAL's token cache and its 60 s error cache (client secret)
    if (force || this.credential === null) {
      this.credential = this.mode === 'client-secret'
        ? new ClientSecretCredential(this.ids.tenantId!, this.ids.clientId!, this.ids.clientSecret!, this.opts.clientSecret)
        : new ManagedIdentityCredential({ ...this.opts.managedIdentity, clientId: this.ids.clientId })
    }
    const forcedMi = force && this.mode !== 'client-secret' ? await forced(this.credential as ManagedIdentityCredential, this.opts.env ?? process.env) : null
    const t: AccessToken | null = forcedMi ?? await this.credential.getToken(AZURE_OPENAI_SCOPE, { abortSignal })
    if (!t) throw new Error('@azure/identity returned no token')
    return { value: `Bearer ${t.token}`, expiresAt: t.expiresOnTimestamp, refreshAt: t.refreshAfterTimestamp }
  }
}

/**
 * Managed identity tokens sit in MSAL's process-wide cache, which a new credential object shares,
 * and @azure/identity 4.12 has no way to ask past it. MSAL's own app does (forceRefresh), so a
 * 401/403 reaches the identity endpoint instead of replaying the revoked token until it expires
 * (Kong's "cached forever → 401 after ~1 h" bug). AKS token exchange does not go through that app.
 */
async function forced(cred: ManagedIdentityCredential, env: NodeJS.ProcessEnv): Promise<AccessToken | null> {
  if (env.AZURE_FEDERATED_TOKEN_FILE) return null
  const app = msalAppOf(cred)
  if (app === null) return null
  const r = await app.acquireToken({ resource: AZURE_OPENAI_SCOPE, forceRefresh: true })
  if (!r?.accessToken || !r.expiresOn) return null
  return { token: r.accessToken, expiresOnTimestamp: r.expiresOn.getTime(), refreshAfterTimestamp: r.refreshOn?.getTime(), tokenType: 'Bearer' }
}

/** MSAL's app inside the credential (a private field, so checked at run time, not trusted). */
function msalAppOf(cred: object): MsalManagedIdentityApp | null {
  const app: unknown = Reflect.get(cred, 'managedIdentityApp')
  return isMsalApp(app) ? app : null
}

function isMsalApp(app: unknown): app is MsalManagedIdentityApp {
  return typeof app === 'object' && app !== null && typeof Reflect.get(app, 'acquireToken') === 'function'
}

/** The identity a config names: its own fields first, then the AZURE_* environment. */
export function azureIdentityOf(auth: AuthConf, env: NodeJS.ProcessEnv): { mode: AzureMode; clientId?: string; clientSecret?: string; tenantId?: string } {
  const clientId = auth.azure_client_id || env.AZURE_CLIENT_ID || undefined
  const clientSecret = auth.azure_client_secret || env.AZURE_CLIENT_SECRET || undefined
  const tenantId = auth.azure_tenant_id || env.AZURE_TENANT_ID || undefined
  if (clientId && clientSecret && tenantId) return { mode: 'client-secret', clientId, clientSecret, tenantId }
  if (clientId) return { mode: 'user-assigned', clientId }
  return { mode: 'system-assigned' }
}

export function createAzureHandler(auth: AuthConf, opts: AzureStrategyOptions = {}): AuthHandler & { source: AzureIdentitySource } {
  const { mode, ...ids } = azureIdentityOf(auth, opts.env ?? process.env)
  const source = new AzureIdentitySource(mode, ids, opts)
  const cache = opts.cache ?? tokenCache
  return bearerHandler(source, cache, AZURE_CLIENT_KEYS)
}

export function createAzureStrategy(opts: AzureStrategyOptions = {}): AuthStrategy {
  return {
    id: 'azure-managed-identity',
    matches: (auth: AuthConf) => auth.azure_use_managed_identity === true,
    create: (auth: AuthConf, _model: ModelConf) => createAzureHandler(auth, opts),
  }
}

export const azureManagedIdentity = createAzureStrategy()
