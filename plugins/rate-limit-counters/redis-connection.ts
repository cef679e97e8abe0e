// One ioredis connection per Redis server and worker, shared by every config of the limiters that
// names that server (Kong keeps a connection pool per host:port;db). Commands time out after the
// config's timeout, so a Redis that is down costs a request at most that long; the connection
// reconnects in the background.
import type { Redis } from 'ioredis'
import { pluginLog } from '../../core/log.ts'
import { connectRedis, type RedisServer } from '../redis/connect-redis.ts'

export interface RedisTarget extends RedisServer {
  /** ms, for connecting and for each command */
  timeout: number
}

const log = pluginLog('rate-limiting')

const clients = new Map<string, Redis>()

/** What makes two configs' connections the same one (the timeout too: each config's own applies). */
export function targetKey(t: RedisTarget): string {
  // the password is part of the identity of the connection, never of a log line
  return JSON.stringify([t.host, t.port, t.database, t.username ?? null, t.password ?? null, t.ssl, t.ssl_verify, t.server_name ?? null, t.timeout])
}

export function redisClient(t: RedisTarget): Redis {
  const key = targetKey(t)
  let r = clients.get(key)
  if (r) return r
  r = connectRedis(t, {
    connectTimeout: t.timeout,
    commandTimeout: t.timeout,
    // a command fails instead of waiting for reconnects: the limiter decides (fault_tolerant)
    maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  }, log)
  clients.set(key, r)
  return r
}

/**
 * A command whose reply did not come within the timeout (ioredis's rejection). It was sent, or sits in
 * ioredis's offline queue and is sent on reconnect: Redis may well add it, so a counter push that
 * timed out is not pushed again (that counted it twice).
 */
export const timedOut = (err: Error): boolean => err.message === 'Command timed out'

/** Closes this worker's connections (tests, shutdown). */
export async function closeRedisClients(): Promise<void> {
  const all = [...clients.values()]
  clients.clear()
  await Promise.all(all.map((r) => r.quit().catch(() => r.disconnect())))
}
