// vectordb.strategy `redis`. Kong's driver needs RediSearch and RedisJSON (FT.CREATE, FT.SEARCH,
// JSON.SET) and fails to start on a Redis without them, so every request is a Bypass there. The
// driver start asks the server (FT._LIST). Tollgate searches no vectors in Redis: on any Redis the
// strategy keeps exact entries with plain GET and SET ... EX (so exact_caching works on Debian's
// redis-server); without exact_caching the cache has nothing to look up, which is Kong's failed
// driver start. Semantic matches need vectordb.strategy `pgvector`.
import type { Redis } from 'ioredis'
import { pluginLog } from '../../core/log.ts'
import type { RedisConf } from '../ai-proxy-advanced/schema.ts'
import { connectRedis } from '../redis/connect-redis.ts'
import type { CachedEntry, CacheStore } from './cache-store.ts'

const log = pluginLog('ai-semantic-cache')

/** The Redis calls made (ioredis's names), so a test can hand in any client. */
export interface RedisCalls {
  call(command: string, ...args: string[]): Promise<unknown>
  get(key: string): Promise<string | null>
  ttl(key: string): Promise<number>
  set(key: string, value: string, ex: 'EX', seconds: number): Promise<unknown>
  quit(): Promise<unknown>
}

export class RedisCache implements CacheStore {
  readonly strategy = 'redis'
  semantic = false
  private started: Promise<void> | null = null
  /** the server has a search module (Redis Stack, Redis 8): said once in the log */
  searchModule = false

  constructor(private readonly redis: RedisCalls) {}

  start(): Promise<void> {
    this.started ??= this.redis.call('FT._LIST').then(
      () => {
        this.searchModule = true
        log.warn('vectordb.strategy redis: vector search in Redis is not implemented; exact entries only (use pgvector for semantic matches)')
      },
      (err: unknown) => {
        // plain Redis answers "unknown command": it can hold exact entries; anything else is the server not answering
        if (err instanceof Error && /unknown command/i.test(err.message)) return
        throw err
      },
    ).catch((err: unknown) => { this.started = null; throw err })
    return this.started
  }

  async exact(ns: string, key: string): Promise<CachedEntry | null> {
    const k = `${ns}:${key}`
    const [body, ttl] = await Promise.all([this.redis.get(k), this.redis.ttl(k)])
    // -2: gone between the two calls; -1: no expiry at all (Kong's age formula makes that a Refresh)
    if (body === null || ttl === -2) return null
    return { key: k, body, ttl: ttl === -1 ? 0 : ttl }
  }

  async nearest(): Promise<CachedEntry | null> {
    return null
  }

  async put(ns: string, key: string, _vector: readonly number[] | null, body: string, ttl: number): Promise<void> {
    await this.redis.set(`${ns}:${key}`, body, 'EX', ttl)
  }
}

function connect(conf: RedisConf): Redis {
  return connectRedis(conf, {
    connectTimeout: conf.connect_timeout,
    commandTimeout: Math.max(conf.send_timeout, conf.read_timeout),
    // a request waits for at most one reconnection, then follows stop_on_failure
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(times * 50, 1000),
  }, log)
}

const clients = new Map<string, Redis>()

/** The worker's connection to one Redis server (made once, shared by every config naming it). */
export function redisClient(conf: RedisConf): RedisCalls {
  const key = JSON.stringify([conf.host, conf.port, conf.database, conf.username, conf.password, conf.ssl, conf.server_name])
  let r = clients.get(key)
  if (!r) clients.set(key, (r = connect(conf)))
  return r as unknown as RedisCalls
}

/** Closes this worker's cache connections (tests, shutdown). */
export async function closeRedisCaches(): Promise<void> {
  const all = [...clients.values()]
  clients.clear()
  await Promise.allSettled(all.map((r) => r.quit()))
}
