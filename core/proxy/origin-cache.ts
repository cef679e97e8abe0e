// The pools of one thread for one client (undici's in pools.ts, the H1 client's in h1-pools.ts),
// by origin: kept across config reloads while a config refers to their origin (prune), at most
// `max` of them (an AI target's host can come from a request, so distinct origins are
// attacker-chosen) with the least recently used evicted, and an evicted or pruned pool closed
// gracefully: what it is carrying finishes, the next request to that origin opens a fresh pool.
import { LRUCache } from 'lru-cache'

/** What the cache needs of a pool. */
export interface OriginPool {
  /** finish in-flight requests, then close */
  close(): Promise<void>
  /** close now, failing in-flight requests */
  destroy(): Promise<void>
}

interface Entry<P> { pool: P; origin: string }

export class OriginCache<P extends OriginPool> {
  private readonly cache: LRUCache<string, Entry<P>>
  /** the entry of the last lookup: most requests go to the same origin again */
  private lastKey = ''
  private last: Entry<P> | null = null

  constructor(readonly max: number) {
    this.cache = new LRUCache<string, Entry<P>>({
      max,
      // graceful: requests already dispatched on an evicted or pruned pool finish; a close of a
      // pool destroyed by closeAll rejects, and is ignored
      dispose: (e) => { void e.pool.close().catch(() => {}) },
    })
  }

  get size(): number {
    return this.cache.size
  }

  /**
   * The pool of the previous lookup when the caller knows it asks for the same key again (its
   * fields equal), without building the key; null if it was evicted meanwhile.
   */
  again(): P | null {
    const l = this.last
    if (l === null) return null
    // marks it recently used, as any hit; gone once evicted
    return this.cache.get(this.lastKey) === l ? l.pool : null
  }

  /**
   * The pool under `key`, or a new one from `create` kept under it. `origin` is what prune
   * compares: the part of the key a config refers to.
   */
  get(key: string, origin: string, create: () => P): P {
    let e = this.cache.get(key)
    if (e === undefined) {
      e = { pool: create(), origin }
      this.cache.set(key, e)
    }
    this.lastKey = key
    this.last = e
    return e.pool
  }

  /** Closes pools whose origin is not in `live`, after their in-flight requests end. */
  prune(live: ReadonlySet<string>): void {
    for (const [key, e] of [...this.cache.entries()]) if (!live.has(e.origin)) this.cache.delete(key)
  }

  async closeAll(): Promise<void> {
    const all = [...this.cache.values()].map((e) => e.pool)
    const destroyed = Promise.all(all.map((p) => p.destroy().catch(() => {})))
    this.cache.clear()
    this.last = null
    this.lastKey = ''
    await destroyed
  }
}
