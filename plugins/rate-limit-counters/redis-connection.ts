// One ioredis connection per Redis server and worker, shared by every config of the limiters that
// names that server (Kong keeps a connection pool per host:port;db). Commands time out after the
// config's timeout, so a Redis that is down costs a request at most that long; the connection
// reconnects in the background.
import { createRequire } from 'node:module'
import type { Redis } from 'ioredis'
import { pluginLog } from '../../core/log.ts'

export interface RedisTarget {
  host: string
  port: number
  database: number
  username?: string | undefined
  password?: string | undefined
  ssl: boolean
  ssl_verify: boolean
  server_name?: string | undefined
  /** ms, for connecting and for each command */
  timeout: number
}

const log = pluginLog('rate-limiting')
// loaded on first use: most gateways use no Redis, and ioredis costs ~12 MB and 40 ms to load
const requireRedis = (): typeof import('ioredis') => createRequire(import.meta.url)('ioredis') as typeof import('ioredis')

const clients = new Map<string, Redis>()

export function redisClient(t: RedisTarget): Redis {
  // the password is part of the identity of the connection, never of a log line
  const key = JSON.stringify([t.host, t.port, t.database, t.username ?? null, t.password ?? null, t.ssl, t.ssl_verify, t.server_name ?? null, t.timeout])
  let r = clients.get(key)
  if (r) return r
  r = new (requireRedis().Redis)({
    host: t.host,
    port: t.port,
    db: t.database,
    ...(t.username !== undefined && { username: t.username }),
    ...(t.password !== undefined && { password: t.password }),
    ...(t.ssl && { tls: { rejectUnauthorized: t.ssl_verify, ...(t.server_name !== undefined && { servername: t.server_name }) } }),
    connectTimeout: t.timeout,
    commandTimeout: t.timeout,
    // a command fails instead of waiting for reconnects: the limiter decides (fault_tolerant)
    maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  })
  const where = `${t.host}:${t.port}`
  r.on('error', (err: Error) => log.debug({ redis: where, err: err.message }, 'redis connection error'))
  // counters must not keep a stopping process alive
  r.on('connect', () => (r!.stream as { unref?: () => void } | undefined)?.unref?.())
  clients.set(key, r)
  return r
}

/** Closes this worker's connections (tests, shutdown). */
export async function closeRedisClients(): Promise<void> {
  const all = [...clients.values()]
  clients.clear()
  await Promise.all(all.map((r) => r.quit().catch(() => r.disconnect())))
}
