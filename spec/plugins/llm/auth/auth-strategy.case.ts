// The conformance suite every auth strategy runs (as hono's router cases): what a strategy must do
// whatever cloud it speaks to. A strategy's test file describes its config through an adapter and
// calls runAuthStrategySuite; the cases below talk only to the adapter, the handler (apply,
// invalidate) and the token cache, so they hold for a third-party strategy as well.
//   every strategy: credentials the provider accepts, the rest of the request untouched, no I/O at
//     config load, secrets out of the cache key and the log label;
//   strategies with an identity provider (adapter.idp): one identity call for concurrent cold
//     requests, none once warm, refresh ahead of expiry without a waiting request, an expired
//     credential never served, one forced refresh on 401/403, Kong's 500 without a secret on an
//     outage, a timeout, or an identity provider answering garbage.
// Identity calls are counted on the fake identity providers (spec/helpers/fake-idp); time moves
// with fake timers (Date only: the fakes answer over real sockets).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { errors, isGatewayError } from '../../../../core/errors.ts'
import { llmErrors } from '../../../../plugins/llm/errors.ts'
import { TokenCache, type IdentitySource, type TokenCacheOptions } from '../../../../plugins/llm/auth/token-cache.ts'
import type { AuthHandler, OutboundRequest } from '../../../../plugins/llm/types.ts'
import type { IdpMode } from '../../../helpers/fake-idp/server.ts'

export interface AuthStrategyAdapter {
  /** the handler for one config, over the given token cache (every case gets a fresh one) */
  create(cache: TokenCache): AuthHandler & { source?: IdentitySource<unknown> }
  /** a request as the pipeline hands it to auth, for this provider */
  outbound(): OutboundRequest
  /** whether the provider (a fake) accepts this request's credentials */
  accepts(req: OutboundRequest): boolean | Promise<boolean>
  /** what in a request identifies the credential used (a bearer, an access key id) */
  credential(req: OutboundRequest): string | undefined
  /** the config's secrets: never in an error, a log line, a cache key or a label */
  readonly secrets: readonly string[]
  /** apply() returns synchronously (no promise) once it has what it needs; SigV4 signs asynchronously */
  readonly syncWhenWarm: boolean
  /** set for strategies that fetch credentials from an identity provider */
  readonly idp?: IdentityProviderControl
}

export interface IdentityProviderControl {
  /** token requests the identity provider received so far */
  calls(): number
  /** what the next token requests get */
  set(mode: IdpMode): void
  /** lifetime in seconds of the credentials issued from now on */
  setLifetime(seconds: number): void
  /** the provider stops accepting the credential this request carries (revoked, rotated) */
  revoke(req: OutboundRequest): void
  /** the status of an outage this identity provider's SDK gives up on at once (no SDK retries); default 503 */
  readonly outageStatus?: number
}

/** Identity providers answering 200 with something that is not a credential. */
export const HOSTILE_ANSWERS: readonly (readonly [string, IdpMode])[] = [
  ['HTML instead of JSON', { body: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' }],
  ['truncated JSON', { body: '{"access_token":"abc' }],
  ['JSON null', { body: 'null' }],
  ['a JSON array', { body: '[{"access_token":"x","expires_in":3600}]' }],
  ['numbers where strings belong', { body: '{"access_token":123,"expires_in":"soon","expires_on":"never","token_type":7}' }],
  ['an object as the token', { body: '{"access_token":{"toString":"x"},"expires_in":{"valueOf":1}}' }],
  ['__proto__ and constructor keys', { body: '{"__proto__":{"access_token":"polluted","expires_in":3600},"constructor":{"prototype":{"access_token":"p"}}}' }],
  ['a huge body (4 MB of nesting)', { body: '['.repeat(4 << 20) }],
  ['a huge body (4 MB of blanks around nothing)', { body: `${' '.repeat(4 << 20)}{}` }],
]

export const IDENTITY_ERROR_MESSAGE = 'LLM request failed before proxying'

interface LogLine { level: string; obj: Record<string, unknown>; msg: string }

function logSpy(): { lines: LogLine[]; log: NonNullable<TokenCacheOptions['log']> } {
  const lines: LogLine[] = []
  return {
    lines,
    log: {
      error: (obj, msg) => { lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }) },
      warn: (obj, msg) => { lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }) },
    },
  }
}

const client = { header: () => undefined, query: () => undefined }

/** Applies; says whether apply returned without a promise. */
async function applyTo(h: AuthHandler, req: OutboundRequest): Promise<{ req: OutboundRequest; sync: boolean }> {
  const r = h.apply(req, client)
  const sync = r === undefined
  await r
  return { req, sync }
}

function expectNoSecret(text: string, secrets: readonly string[]): void {
  for (const s of secrets) expect(text).not.toContain(s)
}

/** Kong's 500 for the identity failure, with nothing secret in it (message, details, cause). */
async function expectIdentityFailure(p: void | Promise<void>, secrets: readonly string[]): Promise<void> {
  expect(p).toBeInstanceOf(Promise)
  const e: unknown = await (p as Promise<void>).then(() => null, (err: unknown) => err)
  expect(isGatewayError(e)).toBe(true)
  const err = e as Error & { code: string; status: number; details?: unknown }
  expect(err).toMatchObject({ code: llmErrors.identity.code, status: 500, message: IDENTITY_ERROR_MESSAGE })
  expectNoSecret(JSON.stringify({ message: err.message, details: err.details, cause: String((err.cause as Error | undefined)?.message), stack: err.stack }), secrets)
}

/**
 * Declares the suite for one strategy config. `make` runs inside each case (after the file's
 * beforeAll started the fakes), so an adapter may hand out a fresh identity every time.
 */
export function runAuthStrategySuite(name: string, make: () => AuthStrategyAdapter, opts: { identityProvider: boolean }): void {
  describe(`auth strategy conformance: ${name}`, () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    it('sets credentials the provider accepts', async () => {
      const a = make()
      const { req } = await applyTo(a.create(new TokenCache()), a.outbound())
      expect(await a.accepts(req)).toBe(true)
    })

    it('leaves the method, the path, the body and the other headers as they were', async () => {
      const a = make()
      const before = a.outbound()
      const { req } = await applyTo(a.create(new TokenCache()), a.outbound())
      expect(req.method).toBe(before.method)
      expect(req.target.path).toBe(before.target.path)
      expect(req.target.host).toBe(before.target.host)
      for (const [k, v] of before.headers) if (k !== 'authorization' && !k.startsWith('x-amz-')) expect(req.headers.get(k)).toBe(v)
    })

    it('serves many requests, each with its own credentials', async () => {
      const a = make()
      const h = a.create(new TokenCache())
      const reqs = Array.from({ length: 20 }, () => a.outbound())
      await Promise.all(reqs.map((r) => h.apply(r, client)))
      for (const r of reqs) expect(await a.accepts(r)).toBe(true)
    })

    if (!opts.identityProvider) {
      it('gives every request the same static credential, synchronously where the strategy can (no I/O)', async () => {
        const a = make()
        const h = a.create(new TokenCache())
        const first = a.credential((await applyTo(h, a.outbound())).req)
        expect(first).toBeDefined()
        for (let k = 0; k < 100; k++) {
          const { req, sync } = await applyTo(h, a.outbound())
          expect(a.credential(req)).toBe(first)
          if (a.syncWhenWarm) expect(sync).toBe(true)
        }
      })
      return
    }

    describe('with an identity provider', () => {
      /** the adapter, with the identity provider answering normally again */
      const ready = (): AuthStrategyAdapter & { idp: IdentityProviderControl } => {
        const a = make()
        if (!a.idp) throw new Error(`${name}: identityProvider is set but the adapter has no idp`)
        a.idp.set('ok')
        a.idp.setLifetime(3600)
        return a as AuthStrategyAdapter & { idp: IdentityProviderControl }
      }

      it('does no I/O when the config loads', () => {
        const a = ready()
        const before = a.idp.calls()
        a.create(new TokenCache())
        expect(a.idp.calls()).toBe(before)
      })

      it('keeps its secrets out of the cache key and the log label, and names them for redaction', () => {
        const a = ready()
        const source = a.create(new TokenCache()).source
        expect(source).toBeDefined()
        expectNoSecret(`${source!.key} ${source!.label}`, a.secrets)
        for (const s of a.secrets) expect(source!.secrets).toContain(s)
      })

      it('concurrent cold requests make one identity call', async () => {
        const a = ready()
        const h = a.create(new TokenCache())
        const before = a.idp.calls()
        const reqs = Array.from({ length: 100 }, () => a.outbound())
        await Promise.all(reqs.map((r) => h.apply(r, client)))
        expect(a.idp.calls()).toBe(before + 1)
        expect(new Set(reqs.map((r) => a.credential(r))).size).toBe(1)
        expect(await a.accepts(reqs[99]!)).toBe(true)
      })

      it('warm requests make no identity call (and apply synchronously where the strategy can)', async () => {
        const a = ready()
        const h = a.create(new TokenCache())
        await applyTo(h, a.outbound())
        const before = a.idp.calls()
        for (let k = 0; k < 500; k++) {
          const { sync } = await applyTo(h, a.outbound())
          if (a.syncWhenWarm) expect(sync).toBe(true)
        }
        expect(a.idp.calls()).toBe(before)
      })

      it('refreshes ahead of expiry in the background: requests keep the current credential meanwhile', async () => {
        const a = ready()
        vi.useFakeTimers({ toFake: ['Date'] })
        const h = a.create(new TokenCache())
        const first = a.credential((await applyTo(h, a.outbound())).req)
        const before = a.idp.calls()
        vi.setSystemTime(Date.now() + (3600 - 200) * 1000) // inside the last 5 min, outside the hard margin
        const during = await applyTo(h, a.outbound())
        expect(a.credential(during.req)).toBe(first)
        if (a.syncWhenWarm) expect(during.sync).toBe(true)
        await vi.waitFor(() => expect(a.idp.calls()).toBe(before + 1))
        await vi.waitFor(async () => expect(a.credential((await applyTo(h, a.outbound())).req)).not.toBe(first))
        const now = await applyTo(h, a.outbound())
        expect(await a.accepts(now.req)).toBe(true)
        expect(a.idp.calls()).toBe(before + 1)
      })

      it('never serves an expired credential: the request waits for a fresh one', async () => {
        const a = ready()
        vi.useFakeTimers({ toFake: ['Date'] })
        const h = a.create(new TokenCache())
        const first = a.credential((await applyTo(h, a.outbound())).req)
        vi.setSystemTime(Date.now() + 3601 * 1000)
        const after = await applyTo(h, a.outbound())
        expect(after.sync).toBe(false)
        expect(a.credential(after.req)).not.toBe(first)
        expect(await a.accepts(after.req)).toBe(true)
      })

      it('a 401/403 from the provider: one forced refresh for all the failing requests, and the retry passes', async () => {
        const a = ready()
        vi.useFakeTimers({ toFake: ['Date'] })
        const h = a.create(new TokenCache())
        const { req: denied } = await applyTo(h, a.outbound())
        const first = a.credential(denied)
        a.idp.revoke(denied)
        expect(await a.accepts(denied)).toBe(false)
        vi.setSystemTime(Date.now() + 5000)
        const before = a.idp.calls()
        for (let k = 0; k < 5; k++) h.invalidate!() // several requests denied together
        const retries = Array.from({ length: 10 }, () => a.outbound())
        await Promise.all(retries.map((r) => h.apply(r, client)))
        expect(a.idp.calls()).toBe(before + 1)
        for (const r of retries) {
          expect(a.credential(r)).not.toBe(first)
          expect(await a.accepts(r)).toBe(true)
        }
        // a late 401 for a request sent with the revoked credential keeps the fresh one
        h.invalidate!()
        await applyTo(h, a.outbound())
        expect(a.idp.calls()).toBe(before + 1)
      })

      it('an identity provider outage: Kong\'s 500 without a secret, one call per back-off, then recovery', async () => {
        const a = ready()
        vi.useFakeTimers({ toFake: ['Date'] })
        const { lines, log } = logSpy()
        const h = a.create(new TokenCache({ log, retryMs: 1000 }))
        a.idp.set(a.idp.outageStatus ?? 503)
        await expectIdentityFailure(h.apply(a.outbound(), client), a.secrets)
        expect(lines).toHaveLength(1)
        expect(lines[0]!.level).toBe('error')
        expectNoSecret(JSON.stringify(lines), a.secrets)
        a.idp.set('ok')
        const before = a.idp.calls()
        await expectIdentityFailure(h.apply(a.outbound(), client), a.secrets)
        expect(a.idp.calls()).toBe(before)
        vi.setSystemTime(Date.now() + 1500)
        const { req } = await applyTo(h, a.outbound())
        expect(await a.accepts(req)).toBe(true)
        expect(a.idp.calls()).toBe(before + 1)
      })

      it('an identity provider that never answers: Kong\'s 500 after the timeout, not a hung request', async () => {
        const a = ready()
        const { lines, log } = logSpy()
        const h = a.create(new TokenCache({ log, timeoutMs: 300 }))
        a.idp.set('hang')
        await expectIdentityFailure(h.apply(a.outbound(), client), a.secrets)
        expect(String(lines[0]!.obj.cause)).toContain('did not answer within 300 ms')
        a.idp.set('ok')
      })

      it.each(HOSTILE_ANSWERS)('an identity provider answering %s: Kong\'s 500 without a secret, and the next answer serves', async (_what, mode) => {
        const a = ready()
        vi.useFakeTimers({ toFake: ['Date'] })
        const { lines, log } = logSpy()
        const h = a.create(new TokenCache({ log, retryMs: 1000 }))
        a.idp.set(mode)
        await expectIdentityFailure(h.apply(a.outbound(), client), a.secrets)
        expectNoSecret(JSON.stringify(lines), a.secrets)
        expect(JSON.stringify(lines).length).toBeLessThan(64 * 1024) // the cause is not the whole body
        a.idp.set('ok')
        vi.setSystemTime(Date.now() + 1500)
        const { req } = await applyTo(h, a.outbound())
        expect(await a.accepts(req)).toBe(true)
      })
    })
  })
}
