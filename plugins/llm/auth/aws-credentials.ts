// Which AWS credentials sign Bedrock requests, in Kong's order (kong-ai-features.md §5.2):
//   1. `auth.aws_access_key_id` + `auth.aws_secret_access_key`;
//   2. env AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   3. the SDK's default chain: shared config / SSO / process, web identity (IRSA), container
//      (ECS/EKS), instance metadata (EC2);
// then, with `model.options.bedrock.aws_assume_role_arn`, STS AssumeRole on top of those
// (`aws_role_session_name`, `aws_sts_endpoint_url`). Region: `model.options.bedrock.aws_region`,
// else AWS_REGION, else AWS_DEFAULT_REGION; none is Kong's "AWS region not specified anywhere".
// The providers are raw (no caching of their own): the token cache holds the credentials.
// https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-credentials-node.html
import type { AuthConf, ModelConf } from '../types.ts'
import { identityKey, type IdentitySource, type Token } from './token-cache.ts'

/** What SignatureV4 needs (the SDK's AwsCredentialIdentity). */
export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

type AwsBase = 'config' | 'env' | 'default-chain'

export interface AwsIdentity {
  base: AwsBase
  region: string | null
  /** set for `config` and `env` */
  static: AwsCredentials | null
  roleArn: string | null
  sessionName: string | null
  stsEndpoint: string | null
}

export function awsIdentityOf(auth: AuthConf, model: ModelConf, env: NodeJS.ProcessEnv): AwsIdentity {
  const b = model.options.bedrock ?? {}
  const region = b.aws_region || env.AWS_REGION || env.AWS_DEFAULT_REGION || null
  const assume = { roleArn: b.aws_assume_role_arn || null, sessionName: b.aws_role_session_name || null, stsEndpoint: b.aws_sts_endpoint_url || null }
  if (auth.aws_access_key_id && auth.aws_secret_access_key) {
    return { base: 'config', region, static: { accessKeyId: auth.aws_access_key_id, secretAccessKey: auth.aws_secret_access_key }, ...assume }
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    const creds: AwsCredentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
    if (env.AWS_SESSION_TOKEN) creds.sessionToken = env.AWS_SESSION_TOKEN
    return { base: 'env', region, static: creds, ...assume }
  }
  return { base: 'default-chain', region, static: null, ...assume }
}

type Provider = () => Promise<AwsCredentials>

let sdk: Promise<typeof import('@aws-sdk/credential-providers')> | undefined
const loadSdk = () => (sdk ??= import('@aws-sdk/credential-providers'))

export class AwsCredentialSource implements IdentitySource<AwsCredentials> {
  readonly key: string
  readonly label: string
  readonly secrets: readonly string[]
  private provider: Provider | null = null

  constructor(readonly identity: AwsIdentity) {
    const s = identity.static
    this.key = identityKey(['aws', identity.base, s?.accessKeyId ?? null, s?.secretAccessKey ?? null, s?.sessionToken ?? null, identity.region, identity.roleArn, identity.sessionName, identity.stsEndpoint])
    this.label = `aws ${identity.base}${s ? ` key=${s.accessKeyId}` : ''}${identity.roleArn ? ` assume=${identity.roleArn}` : ''} region=${identity.region ?? '(none)'}`
    this.secrets = s ? [s.secretAccessKey, ...(s.sessionToken ? [s.sessionToken] : [])] : []
  }

  async acquire(force: boolean): Promise<Token<AwsCredentials>> {
    const id = this.identity
    if (id.region === null) throw new Error('AWS region not specified anywhere')
    if (id.static !== null && id.roleArn === null) return { value: id.static, expiresAt: Infinity }
    // A new provider is a new STS / metadata call: the chain memoizes, a forced refresh must not
    if (force || this.provider === null) this.provider = await this.build()
    const c = await this.provider()
    if (!c?.accessKeyId || !c.secretAccessKey) throw new Error('AWS credential provider returned no credentials')
    const value: AwsCredentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
    if (c.sessionToken) value.sessionToken = c.sessionToken
    if (c.expiration) value.expiration = c.expiration
    return { value, expiresAt: c.expiration ? c.expiration.getTime() : Infinity }
  }

  private async build(): Promise<Provider> {
    const { fromNodeProviderChain, fromTemporaryCredentials } = await loadSdk()
    const id = this.identity
    const base = id.static ?? fromNodeProviderChain()
    if (id.roleArn === null) return base as Provider
    return fromTemporaryCredentials({
      masterCredentials: base,
      params: { RoleArn: id.roleArn, ...(id.sessionName ? { RoleSessionName: id.sessionName } : {}) },
      clientConfig: { region: id.region!, ...(id.stsEndpoint ? { endpoint: id.stsEndpoint } : {}) },
    }) as Provider
  }
}
