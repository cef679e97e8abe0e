// One undici Pool per upstream origin and connect settings, kept across config reloads while
// still in use: keep-alive connections survive a reload; pools no config refers to any more are
// closed gracefully (in-flight requests finish).
import { Pool } from 'undici'

export interface PoolKey {
  scheme: 'http' | 'https'
  host: string
  port: number
  connectTimeout: number
  tlsVerify: boolean
}

const pools = new Map<string, Pool>()

function id(k: PoolKey): string {
  return `${k.scheme}://${k.host}:${k.port}|${k.connectTimeout}|${k.tlsVerify ? 1 : 0}`
}

export function getPool(k: PoolKey): Pool {
  const key = id(k)
  let pool = pools.get(key)
  if (!pool) {
    const host = k.host.includes(':') && !k.host.startsWith('[') ? `[${k.host}]` : k.host
    pool = new Pool(`${k.scheme}://${host}:${k.port}`, {
      pipelining: 1, // pipelining saves no CPU and lets one long stream block the requests behind it
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 60_000,
      connect: { timeout: k.connectTimeout, rejectUnauthorized: k.tlsVerify },
    })
    pools.set(key, pool)
  }
  return pool
}

/** Closes pools not in `keep` (their keys), after their in-flight requests end. */
export function prunePools(keep: Iterable<PoolKey>): void {
  const live = new Set<string>()
  for (const k of keep) live.add(id(k))
  for (const [key, pool] of pools) {
    if (live.has(key)) continue
    pools.delete(key)
    void pool.close().catch(() => {})
  }
}

export async function closeAllPools(): Promise<void> {
  const all = [...pools.values()]
  pools.clear()
  await Promise.all(all.map((p) => p.destroy().catch(() => {})))
}
