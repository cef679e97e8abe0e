// kong.cache: a per-worker LRU of values loaded on a miss (Kong's mlcache, one level: each worker
// thread has its own). A hit returns synchronously; a miss calls the loader once, however many
// requests ask for the same key meanwhile (single-flight), and caches what it returns, including
// "not found" (null/undefined) for `negTtl`. Loader errors are not cached.
import { LRUCache } from 'lru-cache'

export interface CacheGetOptions {
  /** seconds a found value lives; 0 = until evicted (Kong's db_cache_ttl default) */
  ttl?: number
  /** seconds a "not found" (null/undefined) lives; defaults to ttl */
  negTtl?: number
}

export interface CacheSettings {
  /** maximum number of entries before least-recently-used ones are evicted */
  max?: number
  /** clock for TTLs (tests pass a fake one); defaults to performance */
  perf?: { now(): number }
}

/** Box so null ("not found") can be cached: lru-cache does not store undefined. */
interface Entry { readonly value: unknown }

const NOT_FOUND: Entry = Object.freeze({ value: null })

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function'
}

export class PdkCache {
  private readonly lru: LRUCache<string, Entry>
  private readonly inflight = new Map<string, Promise<unknown>>()

  constructor(settings: CacheSettings = {}) {
    // a given clock is read on every check (lru-cache otherwise caches "now" for 1 ms of real time)
    this.lru = new LRUCache<string, Entry>({ max: settings.max ?? 10_000, ...(settings.perf && { perf: settings.perf, ttlResolution: 0 }) })
  }

  /**
   * The cached value for `key`, or what `loader(...args)` returns, cached for `opts.ttl` seconds.
   * Synchronous on a hit or with a synchronous loader; a Promise only while an async loader runs
   * (concurrent callers share it). Returns null when the loader found nothing.
   * @phases any
   * @example const cred = await kong.cache.get(`keyauth:${key}`, { ttl: 60 }, lookup, key)
   */
  get<T, A extends unknown[]>(key: string, opts: CacheGetOptions | null | undefined, loader: (...args: A) => T | Promise<T>, ...args: A): T | null | Promise<T | null> {
    const hit = this.lru.get(key)
    if (hit) return hit.value as T | null
    const pending = this.inflight.get(key)
    if (pending) return pending as Promise<T | null>
    const loaded = loader(...args)
    if (!isThenable(loaded)) return this.store(key, loaded, opts) as T | null
    const p = Promise.resolve(loaded).then(
      (v) => { this.inflight.delete(key); return this.store(key, v, opts) as T | null },
      (e: unknown) => { this.inflight.delete(key); throw e },
    )
    this.inflight.set(key, p)
    return p
  }

  private store(key: string, value: unknown, opts: CacheGetOptions | null | undefined): unknown {
    const found = value !== null && value !== undefined
    const ttl = found ? opts?.ttl ?? 0 : opts?.negTtl ?? opts?.ttl ?? 0
    this.lru.set(key, found ? { value } : NOT_FOUND, { ttl: ttl > 0 ? ttl * 1000 : 0 })
    return found ? value : null
  }

  /** Seconds left for a cached key (0 = no expiry), or undefined when not cached. @phases any */
  probe(key: string): number | undefined {
    if (!this.lru.has(key)) return undefined
    const ms = this.lru.getRemainingTTL(key)
    return ms === Infinity ? 0 : ms / 1000
  }

  /** Stores a value directly (mlcache `safe_set`). @phases any */
  set(key: string, value: unknown, opts?: CacheGetOptions): void { this.store(key, value, opts) }

  /** Drops one key from this worker's cache. @phases any */
  invalidate(key: string): void { this.lru.delete(key) }

  /** Drops every key from this worker's cache. @phases any */
  purge(): void { this.lru.clear() }
}

/** The worker's cache, shared by every plugin and request on this thread. */
export const cache = new PdkCache()
