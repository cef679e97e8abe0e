// One undici Pool per upstream origin and connect settings (https and streamed bodies: the rest
// goes through the H1 client, whose pools h1-pools.ts keeps the same way and prunePools and
// closeAllPools also cover), kept across config reloads while still in use: keep-alive connections survive a reload; pools no config refers to any more are
// closed gracefully (in-flight requests finish).
//
// The number of pools is bounded (origin-cache.ts): an AI target's host can come from a request
// (templated `azure_instance`, `upstream_url`). undici itself is loaded with the first pool
// (load-undici.ts), not at start.
import { createSecureContext, type SecureContext } from 'node:tls'
import { loadUndiciPool, type DispatchPool as Pool } from './load-undici.ts'
import { MAX_POOLS } from './max-pools.ts'
import { OriginCache } from './origin-cache.ts'
import { closeAllH1Pools, pruneH1Pools } from './h1-pools.ts'

export { MAX_POOLS }

export interface PoolKey {
  scheme: 'http' | 'https'
  host: string
  port: number
  connectTimeout: number
  tlsVerify: boolean
  /**
   * The CA PEMs an https upstream's certificate is checked against (settings.trustedCa, from
   * lua_ssl_trusted_certificate); absent = Node's bundled roots.
   */
  trustedCa?: readonly string[]
}

// One TLS context per CA list (built once: a context per connection would parse the whole
// system bundle on every handshake), and a number naming it in pool keys.
const contexts = new WeakMap<readonly string[], { id: number; context: SecureContext }>()
let contextSeq = 0

function trustOf(ca: readonly string[] | undefined): { id: number; context: SecureContext } | null {
  if (ca === undefined) return null
  let t = contexts.get(ca)
  if (!t) {
    t = { id: ++contextSeq, context: createSecureContext({ ca: [...ca] }) }
    contexts.set(ca, t)
  }
  return t
}

/** What a config refers to (prunePools compares on it: the CA list is the node's, not the config's). */
function originId(k: PoolKey): string {
  return `${k.scheme}://${k.host}:${k.port}|${k.connectTimeout}|${k.tlsVerify ? 1 : 0}`
}

function createPool(k: PoolKey): Pool {
  const host = k.host.includes(':') && !k.host.startsWith('[') ? `[${k.host}]` : k.host
  const trust = k.scheme === 'https' ? trustOf(k.trustedCa) : null
  const UndiciPool = loadUndiciPool()
  return new UndiciPool(`${k.scheme}://${host}:${k.port}`, {
    pipelining: 1, // pipelining saves no CPU and lets one long stream block the requests behind it
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
    connect: {
      timeout: k.connectTimeout,
      rejectUnauthorized: k.tlsVerify,
      ...(trust && { secureContext: trust.context }),
    },
  })
}

/** The undici pools of one thread (origin-cache.ts). */
export class PoolCache {
  private readonly cache: OriginCache<Pool>
  /** the key fields of the last get() */
  private last: PoolKey | null = null

  constructor(readonly max: number) {
    this.cache = new OriginCache<Pool>(max)
  }

  get size(): number {
    return this.cache.size
  }

  get(k: PoolKey): Pool {
    // the origin of the previous call again (most requests): its pool without building its key
    const l = this.last
    if (l !== null && l.host === k.host && l.port === k.port && l.scheme === k.scheme &&
      l.connectTimeout === k.connectTimeout && l.tlsVerify === k.tlsVerify && l.trustedCa === k.trustedCa) {
      const p = this.cache.again()
      if (p !== null) return p
    }
    const origin = originId(k)
    const trust = k.scheme === 'https' ? trustOf(k.trustedCa) : null
    const p = this.cache.get(trust ? `${origin}|${trust.id}` : origin, origin, () => createPool(k))
    this.last = { scheme: k.scheme, host: k.host, port: k.port, connectTimeout: k.connectTimeout, tlsVerify: k.tlsVerify, trustedCa: k.trustedCa }
    return p
  }

  prune(keep: Iterable<PoolKey>): void {
    const live = new Set<string>()
    for (const k of keep) live.add(originId(k))
    this.cache.prune(live)
  }

  async closeAll(): Promise<void> {
    this.last = null
    await this.cache.closeAll()
  }
}

const pools = new PoolCache(MAX_POOLS)

export function getPool(k: PoolKey): Pool {
  return pools.get(k)
}

/** Closes pools not in `keep`, after their in-flight requests end. */
export function prunePools(keep: Iterable<PoolKey>): void {
  const list = [...keep]
  pools.prune(list)
  pruneH1Pools(list) // the H1 client's pools (h1-pools.ts) follow the same configs
}

/** Live pools of this thread (at most MAX_POOLS). */
export function poolCount(): number {
  return pools.size
}

export async function closeAllPools(): Promise<void> {
  await Promise.all([pools.closeAll(), closeAllH1Pools()])
}
