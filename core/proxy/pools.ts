// One undici Pool per upstream origin and connect settings (https and streamed bodies: the rest
// goes through the H1 client, whose pools h1-pools.ts keeps the same way and prunePools and
// closeAllPools also cover), kept across config reloads while still in use: keep-alive connections survive a reload; pools no config refers to any more are
// closed gracefully (in-flight requests finish).
//
// The number of pools is bounded: an AI target's host can come from a request (templated
// `azure_instance`, `upstream_url`), so distinct hosts are attacker-chosen. The least recently
// used pool is evicted past MAX_POOLS and closed gracefully: its in-flight requests finish, the
// next request to that origin opens a fresh pool.
import { createSecureContext, type SecureContext } from 'node:tls'
import { LRUCache } from 'lru-cache'
import { Pool } from 'undici'
import { MAX_POOLS } from './max-pools.ts'
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
  return new Pool(`${k.scheme}://${host}:${k.port}`, {
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

interface Entry { pool: Pool; origin: string }

/** The pools of one thread, least recently used evicted past `max`. */
export class PoolCache {
  private readonly cache: LRUCache<string, Entry>
  /** the key of the last get(), and the entry it found */
  private last: (PoolKey & { key: string; entry: Entry }) | null = null

  constructor(readonly max: number) {
    this.cache = new LRUCache<string, Entry>({
      max,
      // graceful: requests already dispatched on an evicted or pruned pool finish
      dispose: (e) => { void e.pool.close().catch(() => {}) },
    })
  }

  get size(): number {
    return this.cache.size
  }

  get(k: PoolKey): Pool {
    // the origin of the previous call again (most requests): its cache key without building it
    const l = this.last
    if (l !== null && l.host === k.host && l.port === k.port && l.scheme === k.scheme &&
      l.connectTimeout === k.connectTimeout && l.tlsVerify === k.tlsVerify && l.trustedCa === k.trustedCa) {
      const e = this.cache.get(l.key) // marks it recently used, as any hit; gone once evicted
      if (e === l.entry) return e.pool
    }
    const origin = originId(k)
    const trust = k.scheme === 'https' ? trustOf(k.trustedCa) : null
    const key = trust ? `${origin}|${trust.id}` : origin
    let e = this.cache.get(key)
    if (!e) {
      e = { pool: createPool(k), origin }
      this.cache.set(key, e)
    }
    this.last = { scheme: k.scheme, host: k.host, port: k.port, connectTimeout: k.connectTimeout, tlsVerify: k.tlsVerify, trustedCa: k.trustedCa, key, entry: e }
    return e.pool
  }

  prune(keep: Iterable<PoolKey>): void {
    const live = new Set<string>()
    for (const k of keep) live.add(originId(k))
    for (const [key, e] of [...this.cache.entries()]) if (!live.has(e.origin)) this.cache.delete(key)
  }

  async closeAll(): Promise<void> {
    const all = [...this.cache.values()].map((e) => e.pool)
    const destroyed = Promise.all(all.map((p) => p.destroy().catch(() => {})))
    this.cache.clear() // dispose's close() on a destroyed pool rejects, and is ignored
    this.last = null
    await destroyed
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
