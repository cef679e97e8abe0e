// The one way the bundled plugins open a Redis connection (balancer state, rate limits, the
// semantic cache): ioredis loaded on first use (most gateways use no Redis, and it costs ~12 MB
// and 40 ms to load), Kong's redis record mapped to ioredis options, connection errors logged by
// message only (ioredis's error objects carry the connection options, the password among them),
// and the socket unref'd so a connection never keeps a stopping process alive. Each caller keeps
// its own pool of connections and decides how commands retry.
import { createRequire } from 'node:module'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { scrubSecrets } from '../../core/log.ts'

/** Kong's redis record, as the plugins' schemas give it */
export interface RedisServer {
  host: string
  port: number
  database: number
  username?: string | undefined
  password?: string | undefined
  ssl: boolean
  ssl_verify: boolean
  server_name?: string | undefined
}

export interface RedisBehaviour {
  /** ms to connect */
  connectTimeout: number
  /** ms for each command */
  commandTimeout: number
  /** reconnections a command waits for before it fails */
  maxRetriesPerRequest: number
  /** ms before reconnection attempt `times` (ioredis's default when absent) */
  retryStrategy?: (times: number) => number
}

const requireRedis = (): typeof import('ioredis') => createRequire(import.meta.url)('ioredis') as typeof import('ioredis')

export function connectRedis(s: RedisServer, b: RedisBehaviour, log: Logger): Redis {
  const r = new (requireRedis().Redis)({
    host: s.host,
    port: s.port,
    db: s.database,
    ...(s.username !== undefined && { username: s.username }),
    ...(s.password !== undefined && { password: s.password }),
    ...(s.ssl && { tls: { rejectUnauthorized: s.ssl_verify, ...(s.server_name !== undefined && { servername: s.server_name }) } }),
    connectTimeout: b.connectTimeout,
    commandTimeout: b.commandTimeout,
    maxRetriesPerRequest: b.maxRetriesPerRequest,
    ...(b.retryStrategy !== undefined && { retryStrategy: b.retryStrategy }),
  })
  const where = `${s.host}:${s.port}`
  r.on('error', (err: Error) => log.debug({ redis: where, reason: scrubSecrets(err.message) }, 'redis connection error'))
  r.on('connect', () => (r.stream as { unref?: () => void } | undefined)?.unref?.())
  return r
}
