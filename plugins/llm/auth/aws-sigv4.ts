// Bedrock requests signed with AWS Signature Version 4 (service `bedrock`), with the SDK's own
// signer, over the request exactly as it leaves: method, host, path, query and body bytes. It runs
// last, after every change to the request; a body changed after it would no longer verify.
// Signed headers: host, content-type and x-amz-* (the date, the payload hash and, with temporary
// credentials, the session token). Headers the gateway adds later (X-Forwarded-*, Via) stay out,
// and so do the client's own SigV4 headers (a native AWS SDK client signs for the gateway, not
// for Bedrock): the pipeline drops them (dropClientHeaders).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
import { hostHeader } from '../pipeline/target.ts'
import { createHash } from 'node:crypto'
import type { SignatureV4 } from '@smithy/signature-v4'
import type { AuthConf, AuthHandler, AuthStrategy, ModelConf, OutboundRequest, UpstreamTarget } from '../types.ts'
import { AwsCredentialSource, awsIdentityOf } from './aws-credentials.ts'
import { tokenCache, type TokenCache } from './token-cache.ts'

export interface AwsStrategyOptions {
  cache?: TokenCache
  /** where the AWS_* fallbacks are read (at config load); default process.env */
  env?: NodeJS.ProcessEnv
}

const CLIENT_SIGNING_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'] as const

/**
 * The SDK's signer and hash, imported when a config first uses AWS auth, not at start: with
 * @smithy/core behind them they are ~1.5 MB of heap in every serving thread, for a provider most
 * configs never name.
 */
type Smithy = { SignatureV4: typeof SignatureV4; sha256: ConstructorParameters<typeof SignatureV4>[0]['sha256'] }
let smithy: Promise<Smithy> | null = null
function loadSmithy(): Promise<Smithy> {
  return smithy ??= Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')])
    .then(([sig, hash]) => ({ SignatureV4: sig.SignatureV4, sha256: hash.Hash.bind(null, 'sha256') }))
}

/** Raw query → the signer's decoded map ('+' stays '+': SigV4 encodes per RFC 3986). */
function queryOf(raw: string | null): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  if (!raw) return out
  for (const kv of raw.split('&')) {
    if (kv === '') continue
    const eq = kv.indexOf('=')
    const k = decodeURIComponent(eq < 0 ? kv : kv.slice(0, eq))
    const v = eq < 0 ? '' : decodeURIComponent(kv.slice(eq + 1))
    const prev = out[k]
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return out
}

export function createAwsHandler(auth: AuthConf, model: ModelConf, opts: AwsStrategyOptions = {}): AuthHandler & { source: AwsCredentialSource } {
  const source = new AwsCredentialSource(awsIdentityOf(auth, model, opts.env ?? process.env))
  const cache = opts.cache ?? tokenCache
  // One signer per config; it asks the cache for credentials on every signature (a hit is a value).
  // Made as soon as the SDK is imported (config load starts that); a request before then waits for it.
  let signer: SignatureV4 | null = null
  const made = loadSmithy().then((sdk) => (signer = new sdk.SignatureV4({
    service: 'bedrock',
    region: source.identity.region ?? 'us-east-1', // no region: the credential lookup fails first
    credentials: () => Promise.resolve(cache.get(source)),
    sha256: sdk.sha256,
  })))
  made.catch(() => { /* a failed import is the first request's error, not an unhandled rejection */ })
  return {
    source,
    dropClientHeaders: CLIENT_SIGNING_HEADERS,
    async apply(req: OutboundRequest) {
      const h = req.headers
      for (const name of CLIENT_SIGNING_HEADERS) h.delete(name)
      let host = h.get('host')
      if (host === undefined) h.set('host', (host = hostHeader(req.target)))
      const toSign: Record<string, string> = { host }
      for (const [k, v] of h) if (k === 'content-type' || k.startsWith('x-amz-')) toSign[k] = v
      // the payload hash, computed here in one native call: the signer takes it from this header
      // (and signs it) instead of hashing through its own wrappers, a quarter of its time
      toSign['x-amz-content-sha256'] = createHash('sha256').update(req.body ?? '').digest('hex')
      const signed = await (signer ?? await made).sign({
        method: req.method,
        protocol: `${req.target.scheme}:`,
        hostname: req.target.host,
        port: req.target.port,
        path: req.target.path,
        query: queryOf(req.target.query),
        headers: toSign,
        body: req.body ?? undefined,
      })
      for (const k of Object.keys(signed.headers)) h.set(k, signed.headers[k]!) // own keys: nothing inherited becomes a header
    },
    invalidate() {
      cache.invalidate(source)
    },
  }
}

export function createAwsStrategy(opts: AwsStrategyOptions = {}): AuthStrategy {
  return {
    id: 'aws-sigv4',
    matches: (_auth: AuthConf, model: ModelConf) => model.provider === 'bedrock',
    create: (auth: AuthConf, model: ModelConf) => createAwsHandler(auth, model, opts),
  }
}

export const awsSigV4 = createAwsStrategy()
