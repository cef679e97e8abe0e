// What a rate-limiting config needs per request, built once per config (a WeakMap on the config
// object, which a reload replaces) and Kong's entity checks with Kong's messages.
import type { FieldErrors } from '../../core/config/types.ts'
import type { RedisTarget } from '../rate-limit-counters/redis-connection.ts'
import type { LimitBy } from '../rate-limit-counters/identifier.ts'
import type { BatchedCounters } from './redis-policy.ts'
import { HEADER_NAME, WINDOW_SECONDS } from './periods.ts'
import { PERIODS, type Period, type RateLimitingConf } from './schema.ts'

export interface PeriodPlan {
  readonly period: Period
  readonly limit: number
  /** window length in ms (expiry, counter slots) */
  readonly size: number
  readonly seconds: number
  readonly limitHeader: string
  readonly remainingHeader: string
  /** String(limit): the X-RateLimit-Limit-* value, the same on every request */
  readonly limitValue: string
}

/**
 * The counter keys' request-independent parts for one plugin id (a config belongs to one plugin
 * entity, so this is built once): each period's local key prefix and Redis key head, and the
 * Redis key tail of the last window start seen (it changes once a window).
 */
export interface KeyParts {
  readonly pluginId: string
  /** `rl|${pluginId}|${period}|` per period */
  readonly local: readonly string[]
  /** `ratelimit:${pluginId}:` */
  readonly redisHead: string
  /** per period: the window start `tails` was built for */
  readonly tailStarts: Float64Array
  /** per period: `:${start}:${period}` */
  readonly tails: string[]
}

export interface Plan {
  readonly periods: readonly PeriodPlan[]
  readonly limitBy: LimitBy
  readonly headerName: string | undefined
  readonly path: string | undefined
  readonly redis: RedisTarget | null
  readonly syncRate: number
  /** per-request scratch of the synchronous modes (local, sync_rate > 0): window starts, usage */
  readonly starts: Float64Array
  readonly usage: Float64Array
  /** filled on first use (keyParts) */
  keys: KeyParts | null
  /** sync_rate > 0: this worker's batched counters for the plan's Redis, found on first use */
  batched: BatchedCounters | null
}

/** The key parts of `pluginId`, built on its first request. */
export function keyParts(plan: Plan, pluginId: string): KeyParts {
  const k = plan.keys
  if (k !== null && k.pluginId === pluginId) return k
  const n = plan.periods.length
  return (plan.keys = {
    pluginId,
    local: plan.periods.map((p) => `rl|${pluginId}|${p.period}|`),
    redisHead: `ratelimit:${pluginId}:`,
    tailStarts: new Float64Array(n).fill(Number.NaN),
    tails: new Array<string>(n).fill(''),
  })
}

/** The Redis key tail of period `i` for the window starting at `start` (rebuilt once a window). */
export function redisTail(k: KeyParts, plan: Plan, i: number, start: number): string {
  if (k.tailStarts[i] !== start) {
    k.tails[i] = `:${start}:${plan.periods[i]!.period}`
    k.tailStarts[i] = start
  }
  return k.tails[i]!
}

/** The `redis` record with Kong's flat shorthands (redis_host, ...) copied in: they win, as in Kong. */
export function redisOf(conf: RateLimitingConf): Omit<RedisTarget, 'host'> & { host: string | undefined } {
  const r = conf.redis
  return {
    host: conf.redis_host ?? r.host,
    port: conf.redis_port ?? r.port,
    timeout: conf.redis_timeout ?? r.timeout,
    username: conf.redis_username ?? r.username,
    password: conf.redis_password ?? r.password,
    database: conf.redis_database ?? r.database,
    ssl: conf.redis_ssl ?? r.ssl,
    ssl_verify: conf.redis_ssl_verify ?? r.ssl_verify,
    server_name: conf.redis_server_name ?? r.server_name,
  }
}

const plans = new WeakMap<RateLimitingConf, Plan>()

export function planOf(conf: RateLimitingConf): Plan {
  let p = plans.get(conf)
  if (p) return p
  const periods: PeriodPlan[] = []
  for (const period of PERIODS) {
    const limit = conf[period]
    if (limit === undefined) continue
    const seconds = WINDOW_SECONDS[period]
    periods.push({
      period, limit, seconds, size: seconds * 1000, limitValue: String(limit),
      limitHeader: `X-RateLimit-Limit-${HEADER_NAME[period]}`,
      remainingHeader: `X-RateLimit-Remaining-${HEADER_NAME[period]}`,
    })
  }
  const redis = redisOf(conf)
  p = {
    periods,
    limitBy: conf.limit_by,
    headerName: conf.header_name,
    path: conf.path,
    redis: conf.policy === 'redis' && redis.host !== undefined ? { ...redis, host: redis.host } : null,
    syncRate: conf.sync_rate,
    starts: new Float64Array(periods.length),
    usage: new Float64Array(periods.length),
    keys: null,
    batched: null,
  }
  plans.set(conf, p)
  return p
}

// Lua's %.1f
const decimal = (n: number): string => n.toFixed(1)

/** Kong's schema checks (entity checks, the config record's validator, conditional requirements). */
export function checkRateLimiting(conf: RateLimitingConf): FieldErrors | null {
  const set = PERIODS.filter((p) => conf[p] !== undefined)
  if (set.length === 0) {
    return { '@entity': [`at least one of these fields must be non-empty: ${PERIODS.map((p) => `'config.${p}'`).join(', ')}`] }
  }
  // the config record's custom_validator: a longer period may not allow fewer requests
  for (let i = 0; i < PERIODS.length; i++) {
    const lower = PERIODS[i]!
    const v1 = conf[lower]
    if (v1 === undefined) continue
    for (let j = i + 1; j < PERIODS.length; j++) {
      const upper = PERIODS[j]!
      const v2 = conf[upper]
      if (v2 !== undefined && v2 < v1) return `The limit for ${upper}(${decimal(v2)}) cannot be lower than the limit for ${lower}(${decimal(v1)})`
    }
  }
  const fields: Record<string, FieldErrors> = {}
  if (conf.limit_by === 'header' && conf.header_name === undefined) fields.header_name = 'required field missing'
  if (conf.limit_by === 'path' && conf.path === undefined) fields.path = 'required field missing'
  if (conf.policy === 'redis' && redisOf(conf).host === undefined) fields.redis = { host: 'required field missing' }
  if (Object.keys(fields).length > 0) return fields
  if (conf.sync_rate !== -1) {
    if (conf.policy !== 'redis') return { '@entity': ['sync_rate can only be used with the redis policy'] }
    if (conf.sync_rate < 0.02) return { '@entity': ['sync_rate must be greater than 0.02, or -1 to disable'] }
  }
  return null
}
