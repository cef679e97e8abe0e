// The token cache on its own, with a scripted identity source and fake timers: when it calls the
// source, what a request sees (synchronous value, a wait, Kong's 500), and what it logs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isGatewayError } from '../../../../core/errors.ts'
import { llmErrors } from '../../../../plugins/llm/errors.ts'
import { identityKey, redact, TokenCache, type IdentitySource, type Token } from '../../../../plugins/llm/auth/token-cache.ts'

const MIN = 60_000
const T0 = Date.UTC(2030, 0, 1)

interface Scripted extends IdentitySource<string> {
  calls: { force: boolean }[]
  /** resolve or reject the pending acquisitions in order */
  pending: { resolve(t: Token<string>): void; reject(e: unknown): void; signal: AbortSignal }[]
}

/** An identity whose acquisitions the test settles by hand. */
function scripted(name = 'a', secret = 'sekret-value'): Scripted {
  const src: Scripted = {
    key: identityKey(['test', name, secret]),
    label: `test ${name}`,
    secrets: [secret],
    calls: [],
    pending: [],
    acquire(force, signal) {
      src.calls.push({ force })
      return new Promise<Token<string>>((resolve, reject) => src.pending.push({ resolve, reject, signal }))
    },
  }
  return src
}

/** An identity that answers at once with a numbered token living `lifeMs`. */
function instant(lifeMs = 60 * MIN, name = 'b'): IdentitySource<string> & { calls: number } {
  const src = {
    key: identityKey(['test', name]),
    label: `test ${name}`,
    secrets: [],
    calls: 0,
    async acquire() {
      src.calls++
      return { value: `tok-${src.calls}`, expiresAt: Date.now() + lifeMs }
    },
  }
  return src
}

function logSpy() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = []
  return {
    lines,
    log: {
      error: (obj: object, msg: string) => { lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }) },
      warn: (obj: object, msg: string) => { lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }) },
    },
  }
}

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(T0)
})
afterEach(() => {
  vi.useRealTimers()
})

describe('token cache', () => {
  it('answers a hit synchronously, with no call to the source', async () => {
    const cache = new TokenCache()
    const src = instant()
    const first = cache.get(src)
    expect(first).toBeInstanceOf(Promise)
    expect(await first).toBe('tok-1')
    for (let i = 0; i < 1000; i++) expect(cache.get(src)).toBe('tok-1')
    expect(src.calls).toBe(1)
  })

  it('makes one acquisition for 200 concurrent cold requests', async () => {
    const cache = new TokenCache()
    const src = scripted()
    const waits = Array.from({ length: 200 }, () => cache.get(src))
    expect(src.calls).toHaveLength(1)
    src.pending[0]!.resolve({ value: 'tok', expiresAt: T0 + 60 * MIN })
    expect(await Promise.all(waits)).toEqual(Array(200).fill('tok'))
    expect(src.calls).toHaveLength(1)
  })

  it('refreshes in the background ahead of expiry while the current token serves', async () => {
    const cache = new TokenCache()
    const src = scripted()
    const p = cache.get(src)
    src.pending[0]!.resolve({ value: 'old', expiresAt: T0 + 60 * MIN })
    await p
    // 5 min before expiry is the refresh point
    vi.setSystemTime(T0 + 54 * MIN)
    expect(cache.get(src)).toBe('old')
    expect(src.calls).toHaveLength(1)
    vi.setSystemTime(T0 + 56 * MIN)
    expect(cache.get(src)).toBe('old') // no request waits
    expect(src.calls).toHaveLength(2) // one background refresh started...
    for (let i = 0; i < 50; i++) expect(cache.get(src)).toBe('old')
    expect(src.calls).toHaveLength(2) // ...and only one
    src.pending[1]!.resolve({ value: 'new', expiresAt: T0 + 116 * MIN })
    await vi.waitFor(() => expect(cache.get(src)).toBe('new'))
    expect(src.calls[1]!.force).toBe(false)
  })

  it('takes the SDK refresh hint when it is earlier (MSAL managed identity: half the lifetime)', async () => {
    const cache = new TokenCache()
    const src = scripted()
    const p = cache.get(src)
    src.pending[0]!.resolve({ value: 'mi', expiresAt: T0 + 24 * 60 * MIN, refreshAt: T0 + 12 * 60 * MIN })
    await p
    vi.setSystemTime(T0 + 12 * 60 * MIN - 1)
    expect(cache.get(src)).toBe('mi')
    expect(src.calls).toHaveLength(1)
    vi.setSystemTime(T0 + 12 * 60 * MIN + 1)
    expect(cache.get(src)).toBe('mi')
    expect(src.calls).toHaveLength(2)
  })

  it('never serves a token inside its hard-expiry margin: the request waits for a fresh one', async () => {
    const cache = new TokenCache()
    const src = scripted()
    const p = cache.get(src)
    src.pending[0]!.resolve({ value: 'old', expiresAt: T0 + 60 * MIN })
    await p
    vi.setSystemTime(T0 + 60 * MIN - 10_000) // 10 s left, inside the 30 s margin
    const waiting = cache.get(src)
    expect(waiting).toBeInstanceOf(Promise)
    src.pending[1]!.resolve({ value: 'fresh', expiresAt: T0 + 120 * MIN })
    expect(await waiting).toBe('fresh')
    vi.setSystemTime(T0 + 61 * MIN)
    expect(cache.get(src)).toBe('fresh')
  })

  it('keeps serving the current token when a background refresh fails, and retries after a back-off', async () => {
    const { lines, log } = logSpy()
    const cache = new TokenCache({ log, retryMs: 1000 })
    const src = scripted()
    const p = cache.get(src)
    src.pending[0]!.resolve({ value: 'old', expiresAt: T0 + 60 * MIN })
    await p
    vi.setSystemTime(T0 + 56 * MIN)
    expect(cache.get(src)).toBe('old')
    src.pending[1]!.reject(new Error('503 from IdP with client_secret=sekret-value'))
    await vi.waitFor(() => expect(lines).toHaveLength(1))
    expect(lines[0]!.level).toBe('warn')
    expect(JSON.stringify(lines[0])).not.toContain('sekret-value')
    expect(cache.get(src)).toBe('old')
    expect(src.calls).toHaveLength(2) // back-off: no new attempt yet
    vi.setSystemTime(T0 + 56 * MIN + 5000) // past the 1 s back-off (waitFor moved the fake clock a little)
    expect(cache.get(src)).toBe('old')
    expect(src.calls).toHaveLength(3)
    expect(src.calls[2]!.force).toBe(true) // past a failure the SDK cache is bypassed
  })

  it('fails with Kong 500 when the IdP fails, logs the cause once without the secret, then fails fast for the back-off', async () => {
    const { lines, log } = logSpy()
    const cache = new TokenCache({ log, retryMs: 1000 })
    const src = scripted('a', 'sekret-value')
    const waits = Array.from({ length: 20 }, () => cache.get(src) as Promise<string>)
    src.pending[0]!.reject(new Error('AADSTS7000215: invalid secret sekret-value'))
    const results = await Promise.allSettled(waits)
    for (const r of results) {
      expect(r.status).toBe('rejected')
      const e = (r as PromiseRejectedResult).reason
      expect(isGatewayError(e)).toBe(true)
      expect(e.code).toBe(llmErrors.identity.code)
      expect(e.status).toBe(500)
      expect(e.message).toBe('LLM request failed before proxying')
      expect(String(e.cause?.message)).toContain('AADSTS7000215')
      expect(String(e.cause?.message)).not.toContain('sekret-value')
    }
    expect(lines).toHaveLength(1)
    expect(lines[0]!.level).toBe('error')
    expect(lines[0]!.obj.identity).toBe('test a')
    expect(String(lines[0]!.obj.cause)).toContain('AADSTS7000215')
    expect(JSON.stringify(lines)).not.toContain('sekret-value')
    // inside the back-off: no new IdP call, the same answer
    await expect(cache.get(src)).rejects.toMatchObject({ code: llmErrors.identity.code })
    expect(src.calls).toHaveLength(1)
    // after it: a new, forced attempt, and recovery
    vi.setSystemTime(T0 + 1001)
    const again = cache.get(src)
    expect(src.calls).toHaveLength(2)
    expect(src.calls[1]!.force).toBe(true)
    src.pending[1]!.resolve({ value: 'ok', expiresAt: T0 + 60 * MIN })
    expect(await again).toBe('ok')
  })

  it('gives up on an IdP that never answers (timeout), aborting the call', async () => {
    const { lines, log } = logSpy()
    const cache = new TokenCache({ log, timeoutMs: 5000 })
    const src = scripted()
    const waiting = cache.get(src) as Promise<string>
    const settled = waiting.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(5000)
    const e = await settled as Error & { code: string }
    expect(e.code).toBe(llmErrors.identity.code)
    expect(src.pending[0]!.signal.aborted).toBe(true)
    expect(String(lines[0]!.obj.cause)).toContain('did not answer within 5000 ms')
  })

  it('treats a source that answers an expired or empty credential as a failure', async () => {
    const { log } = logSpy()
    const cache = new TokenCache({ log })
    const src = scripted()
    const p = cache.get(src)
    src.pending[0]!.resolve({ value: 'x', expiresAt: T0 - 1 })
    await expect(p).rejects.toMatchObject({ code: llmErrors.identity.code })
  })

  it('a 401/403 invalidation makes the next request fetch anew, forced, once', async () => {
    const cache = new TokenCache({ minInvalidateAgeMs: 1000 })
    const src = scripted()
    const p = cache.get(src)
    src.pending[0]!.resolve({ value: 'revoked', expiresAt: T0 + 60 * MIN })
    await p
    vi.setSystemTime(T0 + 5000)
    cache.invalidate(src)
    cache.invalidate(src) // several requests failing together
    const retries = Array.from({ length: 10 }, () => cache.get(src))
    expect(src.calls).toHaveLength(2)
    expect(src.calls[1]!.force).toBe(true)
    src.pending[1]!.resolve({ value: 'fresh', expiresAt: T0 + 65 * MIN })
    expect(await Promise.all(retries)).toEqual(Array(10).fill('fresh'))
    // a late 401 for a request sent with the revoked token does not throw away the fresh one
    cache.invalidate(src)
    expect(cache.get(src)).toBe('fresh')
    expect(src.calls).toHaveLength(2)
  })

  it('is bounded (LRU)', async () => {
    const cache = new TokenCache({ max: 3 })
    for (let i = 0; i < 5; i++) await cache.get(instant(60 * MIN, `id-${i}`))
    expect(cache.size).toBe(3)
  })

  it('serves static credentials (no expiry) forever', async () => {
    const cache = new TokenCache()
    const src = { ...instant(), acquire: async () => ({ value: 'static', expiresAt: Infinity }) }
    expect(await cache.get(src)).toBe('static')
    vi.setSystemTime(T0 + 365 * 24 * 60 * MIN)
    expect(cache.get(src)).toBe('static')
  })
})

describe('identityKey and redact', () => {
  it('hashes the identity: the secret changes the key and never appears in it', () => {
    const a = identityKey(['azure', 'client-secret', 'tenant', 'client', 'secret-one'])
    const b = identityKey(['azure', 'client-secret', 'tenant', 'client', 'secret-two'])
    expect(a).not.toBe(b)
    expect(a).not.toContain('secret')
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('removes known secrets and secret-bearing fields from log text', () => {
    expect(redact('bad secret abc123xyz here', ['abc123xyz'])).toBe('bad secret REDACTED here')
    expect(redact('body client_secret=s3cr3t&scope=x', [])).toBe('body client_secret=REDACTED&scope=x')
    expect(redact('{"private_key":"-----BEGIN PRIVATE KEY-----\\nAAA\\n-----END PRIVATE KEY-----\\n"}', [])).not.toContain('AAA')
    expect(redact('<SecretAccessKey>zzz</SecretAccessKey>', [])).toBe('<SecretAccessKey>REDACTED</SecretAccessKey>')
  })
})
