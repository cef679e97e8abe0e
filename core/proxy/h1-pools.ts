// The H1 pools of one thread (see h1-pool.ts), one per http origin and connect timeout, kept as
// the undici pools in pools.ts are (origin-cache.ts): pruned by prunePools, at most MAX_POOLS.
import { H1ClientError, H1Pool } from './h1-pool.ts'
import { MAX_POOLS } from './max-pools.ts'
import { OriginCache } from './origin-cache.ts'

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

/** The H1 pools of one thread (origin-cache.ts). */
export class H1PoolCache {
  private readonly cache: OriginCache<H1Pool>
  /** the key fields of the last get() */
  private lastHost = ''
  private lastPort = 0
  private lastTimeout = 0

  constructor(readonly max: number) {
    this.cache = new OriginCache<H1Pool>(max)
  }

  get size(): number {
    return this.cache.size
  }

  get(host: string, port: number, connectTimeout: number): H1Pool {
    if (this.lastHost === host && this.lastPort === port && this.lastTimeout === connectTimeout) {
      const p = this.cache.again()
      if (p !== null) return p
    }
    const key = keyOf({ host, port, connectTimeout })
    const p = this.cache.get(key, key, () => new H1Pool(hostnameOf(host, port), port, { connectTimeout, keepAliveMs: 60_000 }))
    this.lastHost = host
    this.lastPort = port
    this.lastTimeout = connectTimeout
    return p
  }

  /** Closes pools whose origin is not in `keep`, after their in-flight requests end. */
  prune(keep: Iterable<H1PoolKey & { scheme: string }>): void {
    const live = new Set<string>()
    for (const k of keep) if (k.scheme === 'http') live.add(keyOf(k))
    this.cache.prune(live)
  }

  async closeAll(): Promise<void> {
    this.lastHost = ''
    await this.cache.closeAll()
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
