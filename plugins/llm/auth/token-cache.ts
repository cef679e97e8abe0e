// The token cache in front of the cloud identity SDKs (Azure, GCP, AWS). The SDKs cache too, but
// not well enough for a gateway hot path: @azure/identity does not de-duplicate concurrent first
// calls (20 cold getToken() → 20 token requests) and MSAL answers from a 60 s error cache after a
// 5xx/429; raw AWS providers do not cache at all (as the AWS SDK's own providers do). So:
//   - a hit is synchronous (the warm path does one LRU lookup and one Date.now());
//   - one acquisition per identity at a time, shared by every waiter (single flight);
//   - a token past its refresh point keeps serving while one background refresh runs;
//   - a token inside its hard-expiry margin is never served: callers wait for a fresh one;
//   - an acquisition that fails or does not answer in time rejects every waiter with Kong's 500
//     `LLM request failed before proxying`, logs the cause once with secrets redacted, and is
//     remembered for a short back-off so an outage does not turn into one IdP call per request;
//   - after a failure or a 401/403 from the provider, the next acquisition is "forced": the source
//     bypasses its SDK's own cache (a new credential object, or MSAL's forceRefresh).
// Entries live in a bounded LRU keyed by a hash of the identity (identityKey), never the secret.
import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { withDetails, type GatewayError } from '../../../core/errors.ts'
import { llmErrors } from '../errors.ts'
import { rootLog } from '../../../core/log.ts'

/** A credential as a source hands it over. `expiresAt` and `refreshAt` are epoch ms. */
export interface Token<T> {
  value: T
  /** Infinity for credentials that never expire (static keys) */
  expiresAt: number
  /** the SDK's own "refresh after" hint (MSAL managed identity: half the lifetime), if any */
  refreshAt?: number
}

/** One identity: how to get its credential, and how to speak about it without leaking it. */
export interface IdentitySource<T> {
  /** identityKey(...) of everything that makes this identity, secrets included (hashed) */
  readonly key: string
  /** non-secret description for logs, e.g. `azure client-secret tenant=… client=…` */
  readonly label: string
  /** strings that must never reach a log line (client secret, private key, ...) */
  readonly secrets: readonly string[]
  /** force: bypass the SDK's own cache (after a failure, or a 401/403 from the provider) */
  acquire(force: boolean, signal: AbortSignal): Promise<Token<T>>
}

export interface TokenCacheLog {
  error(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface TokenCacheOptions {
  /** identities kept (LRU); default 1000 */
  max?: number
  /** an acquisition that takes longer fails; default 10 s */
  timeoutMs?: number
  /** after a failed acquisition, requests fail at once for this long; default 1 s */
  retryMs?: number
  /** a 401/403 is ignored for a token younger than this (it hit a request signed before); default 1 s */
  minInvalidateAgeMs?: number
  log?: TokenCacheLog
}

interface Entry {
  /** undefined: no usable credential (failure remembered, or a forced refresh pending) */
  value: unknown
  /** serve without waiting until here */
  refreshAt: number
  /** never serve from here on */
  hardAt: number
  acquiredAt: number
  /** no new attempt (background or blocking) before this */
  retryAt: number
  /** the last failure while no usable credential exists */
  error: GatewayError | null
  /** next acquisition bypasses the SDK cache */
  force: boolean
}

/** Refresh this long before expiry: all three SDKs treat a token as stale 5 min before it expires. */
const AHEAD_MS = 5 * 60_000
/** Never hand out a token expiring within this (a request takes a while to reach the provider). */
const SKEW_MS = 30_000

/** sha256 over the identity tuple: secrets go in so that a rotation makes a new key, and never out. */
export function identityKey(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url')
}

/** Replaces known secrets, and the usual secret-bearing fields, in text bound for a log. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('REDACTED')
  return out
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, 'REDACTED')
    .replace(/(client_secret|assertion|client_assertion|access_token|private_key|SecretAccessKey|SessionToken|Token)(["']?\s*[:=]\s*["']?)[^"'&\s,}<]+/g, '$1$2REDACTED')
    .replace(/<(SecretAccessKey|SessionToken)>[^<]*</g, '<$1>REDACTED<')
}

function messageOf(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error && !e.message.includes(e.cause.message) ? `: ${e.cause.message}` : ''
    return `${e.name}: ${e.message}${cause}`
  }
  return String(e)
}

export class TokenCache {
  private readonly entries: LRUCache<string, Entry>
  private readonly inflight = new Map<string, Promise<unknown>>()
  private readonly timeoutMs: number
  private readonly retryMs: number
  private readonly minInvalidateAgeMs: number
  private logger: TokenCacheLog | undefined

  constructor(opts: TokenCacheOptions = {}) {
    this.entries = new LRUCache<string, Entry>({ max: opts.max ?? 1000 })
    this.timeoutMs = opts.timeoutMs ?? 10_000
    this.retryMs = opts.retryMs ?? 1000
    this.minInvalidateAgeMs = opts.minInvalidateAgeMs ?? 1000
    this.logger = opts.log
  }

  private get log(): TokenCacheLog {
    return (this.logger ??= rootLog.child({ component: 'llm-auth' }))
  }

  /** The credential: the value itself on a hit, a Promise only when one must be fetched. */
  get<T>(src: IdentitySource<T>): T | Promise<T> {
    const e = this.entries.get(src.key)
    if (e !== undefined) {
      if (e.value !== undefined) {
        const now = Date.now()
        if (now < e.refreshAt) return e.value as T
        if (now < e.hardAt) {
          if (now >= e.retryAt && !this.inflight.has(src.key)) this.refresh(src, e)
          return e.value as T
        }
      } else if (e.error !== null && Date.now() < e.retryAt && !this.inflight.has(src.key)) {
        return Promise.reject(e.error)
      }
    }
    return this.load(src)
  }

  /**
   * A 401/403 from the provider: the next get() fetches anew, bypassing the SDK's cache. Ignored
   * for a token acquired moments ago: that 401 answered a request sent with the one before it.
   */
  invalidate(src: IdentitySource<unknown>): void {
    const e = this.entries.peek(src.key)
    if (e === undefined || e.value === undefined) return
    if (Date.now() - e.acquiredAt < this.minInvalidateAgeMs) return
    this.entries.set(src.key, { value: undefined, refreshAt: 0, hardAt: 0, acquiredAt: 0, retryAt: 0, error: null, force: true })
  }

  /** Drops everything (tests, and a config that removes all cloud identities). */
  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }

  /** A fetched token: cached, and no longer in flight. */
  private store<T>(src: IdentitySource<T>, tok: Token<T>): T {
    this.inflight.delete(src.key)
    this.entries.set(src.key, this.entryOf(tok))
    return tok.value
  }

  /** Waits for the single in-flight acquisition of this identity, starting one if none runs. */
  private load<T>(src: IdentitySource<T>): Promise<T> {
    const running = this.inflight.get(src.key)
    if (running !== undefined) return running as Promise<T>
    const prev = this.entries.peek(src.key)
    const force = prev !== undefined && (prev.force || prev.error !== null)
    const p = this.acquire(src, force).then(
      (tok) => this.store(src, tok),
      (cause: unknown) => {
        this.inflight.delete(src.key)
        const err = this.failure(src, cause)
        const now = Date.now()
        this.entries.set(src.key, { value: undefined, refreshAt: 0, hardAt: 0, acquiredAt: 0, retryAt: now + this.retryMs, error: err, force: true })
        throw err
      },
    )
    this.inflight.set(src.key, p)
    return p
  }

  /** Background refresh while the current token serves; a failure keeps it until its hard expiry. */
  private refresh<T>(src: IdentitySource<T>, current: Entry): void {
    const p = this.acquire(src, current.force).then(
      (tok) => this.store(src, tok),
      (cause: unknown) => {
        this.inflight.delete(src.key)
        current.retryAt = Date.now() + this.retryMs
        current.force = true
        this.log.warn({ identity: src.label, cause: redact(messageOf(cause), src.secrets) }, 'cloud identity refresh failed; the current credential serves until it expires')
        throw this.failure(src, cause, false)
      },
    )
    // nobody awaits a background refresh unless a request joins it through load()
    p.catch(() => {})
    this.inflight.set(src.key, p)
  }

  private acquire<T>(src: IdentitySource<T>, force: boolean): Promise<Token<T>> {
    const abort = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new Error(`identity provider did not answer within ${this.timeoutMs} ms`)
        abort.abort(e)
        reject(e)
      }, this.timeoutMs)
      timer.unref?.()
    })
    let call: Promise<Token<T>>
    try {
      call = src.acquire(force, abort.signal)
    } catch (e) {
      call = Promise.reject(e)
    }
    return Promise.race([call, timeout]).then(
      (tok) => {
        clearTimeout(timer)
        if (tok === null || typeof tok !== 'object' || tok.value === undefined || tok.value === null || tok.value === '') throw new Error('identity provider returned no credential')
        if (!(tok.expiresAt > Date.now())) throw new Error('identity provider returned an expired credential')
        return tok
      },
      (e: unknown) => {
        clearTimeout(timer)
        throw e
      },
    )
  }

  private entryOf(tok: Token<unknown>): Entry {
    const now = Date.now()
    const life = tok.expiresAt - now
    const hardAt = tok.expiresAt - Math.min(SKEW_MS, life / 4)
    let refreshAt = tok.expiresAt - Math.min(AHEAD_MS, life / 2)
    if (tok.refreshAt !== undefined && tok.refreshAt > now && tok.refreshAt < refreshAt) refreshAt = tok.refreshAt
    return { value: tok.value, refreshAt, hardAt, acquiredAt: now, retryAt: 0, error: null, force: false }
  }

  /** Kong's 500 for the client; the cause, redacted, for the log (once per failed acquisition). */
  private failure(src: IdentitySource<unknown>, cause: unknown, log = true): GatewayError {
    const why = redact(messageOf(cause), src.secrets)
    if (log) this.log.error({ identity: src.label, cause: why }, 'cloud identity failed: LLM request failed before proxying')
    return withDetails(llmErrors.identity(), { identity: src.label }, new Error(why))
  }
}

/** The process-wide cache all cloud identity handlers share (tokens survive config reloads). */
export const tokenCache = new TokenCache()
