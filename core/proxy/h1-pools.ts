// The H1 pools of one thread (see h1-pool.ts), with the properties of the undici pools in
// pools.ts: one per http origin and connect timeout, kept across config reloads while a config
// refers to them (pruned by prunePools), at most MAX_POOLS (an AI target's host can come from a
// request), least recently used evicted, and an evicted or pruned pool closed gracefully: what it
// is carrying finishes, the next request to that origin opens a fresh pool.
import { LRUCache } from 'lru-cache'
import { H1ClientError, H1Pool } from './h1-pool.ts'
import { MAX_POOLS } from './max-pools.ts'

export interface H1PoolKey {
  host: string
  port: number
  connectTimeout: number
}

const keyOf = (k: H1PoolKey): string => `${k.host}:${k.port}|${k.connectTimeout}`

/**
 * The host to connect to, read from the origin as undici's Pool reads it (util.parseOrigin): a host
 * it refuses throws here too (the request fails with the gateway's 500, as on undici), a Unicode
 * name is connected to by its punycode, `user@host` by its host.
 */
function hostnameOf(host: string, port: number): string {
  const url = new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`)
  if (url.pathname !== '/' || url.search || url.hash) throw new H1ClientError('invalid url', 'UND_ERR_INVALID_ARG', 'InvalidArgumentError')
  const h = url.hostname
  return h.startsWith('[') ? h.slice(1, -1) : h
}

export class H1PoolCache {
  private readonly cache: LRUCache<string, H1Pool>
  /** the pool of the last get(): most requests go to the same origin again */
  private last: H1Pool | null = null
  private lastKey = ''
  private lastHost = ''

  constructor(readonly max: number) {
    this.cache = new LRUCache<string, H1Pool>({
      max,
      dispose: (p) => { void p.close() },
    })
  }

  get size(): number {
    return this.cache.size
  }

  get(host: string, port: number, connectTimeout: number): H1Pool {
    const l = this.last
    if (l !== null && this.lastHost === host && l.port === port && l.connectTimeout === connectTimeout) {
      const p = this.cache.get(this.lastKey) // marks it recently used; gone once evicted
      if (p === l) return p
    }
    const key = keyOf({ host, port, connectTimeout })
    let p = this.cache.get(key)
    if (p === undefined) {
      p = new H1Pool(hostnameOf(host, port), port, { connectTimeout, keepAliveMs: 60_000 })
      this.cache.set(key, p)
    }
    this.last = p
    this.lastKey = key
    this.lastHost = host
    return p
  }

  /** Closes pools whose origin is not in `keep`, after their in-flight requests end. */
  prune(keep: Iterable<H1PoolKey & { scheme: string }>): void {
    const live = new Set<string>()
    for (const k of keep) if (k.scheme === 'http') live.add(keyOf(k))
    for (const key of [...this.cache.keys()]) if (!live.has(key)) this.cache.delete(key)
  }

  async closeAll(): Promise<void> {
    const all = [...this.cache.values()]
    this.last = null
    this.lastHost = ''
    const destroyed = Promise.all(all.map((p) => p.destroy()))
    this.cache.clear()
    await destroyed
  }
}

const pools = new H1PoolCache(MAX_POOLS)

export function getH1Pool(host: string, port: number, connectTimeout: number): H1Pool {
  return pools.get(host, port, connectTimeout)
}

export function pruneH1Pools(keep: Iterable<H1PoolKey & { scheme: string }>): void {
  pools.prune(keep)
}

/** Live H1 pools of this thread (at most MAX_POOLS). */
export function h1PoolCount(): number {
  return pools.size
}

export async function closeAllH1Pools(): Promise<void> {
  await pools.closeAll()
}
