// An ai-rate-limiting-advanced config as the hot path needs it (built once per config object,
// which a reload replaces), and Kong's entity checks with Kong's messages.
import type { FieldErrors } from '../../core/config/types.ts'
import type { RedisTarget } from '../rate-limit-counters/redis-connection.ts'
import type { LimitBy } from '../rate-limit-counters/identifier.ts'
import type { AiRateLimitingConf } from './schema.ts'
import { tableKey, type RedisSyncer } from './counters.ts'

export interface WindowPlan {
  readonly provider: string
  readonly limit: number
  /** seconds */
  readonly seconds: number
  /** ms */
  readonly size: number
  readonly limitHeader: string
  readonly remainingHeader: string
  readonly resetHeader: string
  readonly retryHeader: string
  /** String(limit): the X-AI-RateLimit-Limit-* value */
  readonly limitValue: string
  /** this window's index in Plan.windows (and KeyPrefixes.byWindow) */
  readonly index: number
}

/** The node table keys' request-independent heads (`arla|${ns}|${provider}|${seconds}|`) per window, for one namespace. */
export interface KeyPrefixes {
  readonly ns: string
  readonly byWindow: readonly string[]
}

export interface Plan {
  readonly windows: readonly WindowPlan[]
  /** provider name → its windows */
  readonly byProvider: ReadonlyMap<string, readonly WindowPlan[]>
  readonly identifier: LimitBy
  readonly sliding: boolean
  readonly redis: RedisTarget | null
  /** seconds; 0: push each count at once; -1 or unset: never (memory only) */
  readonly syncRate: number
  /** Redis key prefix: the namespace, or the plugin id at request time */
  readonly namespace: string | undefined
  /** filled on first use (keyPrefixes) */
  keys: KeyPrefixes | null
  /** strategy redis: this worker's syncer for the plan's Redis and sync rate, found on first use */
  syncer: RedisSyncer | null
  /** the windows' usage of the current request (access is synchronous: one request at a time) */
  readonly rates: Float64Array
}

/** The key heads for namespace `ns` (the config's namespace, or its plugin id: built once). */
export function keyPrefixes(plan: Plan, ns: string): KeyPrefixes {
  const k = plan.keys
  if (k !== null && k.ns === ns) return k
  return (plan.keys = { ns, byWindow: plan.windows.map((w) => tableKey(ns, w, '')) })
}

// Kong's window names in the headers: 60 → minute, else the number of seconds
const WINDOW_NAMES: Readonly<Record<number, string>> = Object.freeze({ 1: 'second', 60: 'minute', 3600: 'hour', 86400: 'day', 2592000: 'month', 31536000: 'year' })
const windowName = (s: number): string => (Object.hasOwn(WINDOW_NAMES, s) ? WINDOW_NAMES[s]! : String(s))

const plans = new WeakMap<AiRateLimitingConf, Plan>()

export function planOf(conf: AiRateLimitingConf): Plan {
  let p = plans.get(conf)
  if (p) return p
  const windows: WindowPlan[] = []
  const byProvider = new Map<string, WindowPlan[]>()
  for (const lp of conf.llm_providers) {
    const list: WindowPlan[] = []
    for (let i = 0; i < lp.limit.length; i++) {
      const seconds = lp.window_size[i]!
      const w = `${windowName(seconds)}-${lp.name}`
      list.push({
        provider: lp.name, limit: lp.limit[i]!, seconds, size: seconds * 1000,
        limitHeader: `X-AI-RateLimit-Limit-${w}`,
        remainingHeader: `X-AI-RateLimit-Remaining-${w}`,
        resetHeader: `X-AI-RateLimit-Reset-${w}`,
        retryHeader: `X-AI-RateLimit-Retry-After-${w}`,
        limitValue: String(lp.limit[i]!),
        index: windows.length + list.length,
      })
    }
    byProvider.set(lp.name, list)
    windows.push(...list)
  }
  const r = conf.redis
  const t = r.timeout ?? Math.max(r.connect_timeout, r.send_timeout, r.read_timeout)
  p = {
    windows,
    byProvider,
    identifier: conf.identifier === 'consumer-group' ? 'ip' : conf.identifier,
    sliding: conf.window_type === 'sliding',
    redis: conf.strategy === 'redis' && r.host !== undefined
      ? { host: r.host, port: r.port, database: r.database, username: r.username, password: r.password, ssl: r.ssl, ssl_verify: r.ssl_verify, server_name: r.server_name, timeout: t }
      : null,
    syncRate: conf.sync_rate ?? -1,
    namespace: conf.namespace,
    keys: null,
    syncer: null,
    rates: new Float64Array(windows.length),
  }
  plans.set(conf, p)
  return p
}

/** Kong's checks ([EE] schema.lua messages, reported at `config`). */
export function checkAiRateLimiting(conf: AiRateLimitingConf): FieldErrors | null {
  const providers: Record<number, FieldErrors> = {}
  const seen = new Set<string>()
  for (let i = 0; i < conf.llm_providers.length; i++) {
    const lp = conf.llm_providers[i]!
    if (seen.has(lp.name)) return `Provider '${lp.name}' is not unique`
    seen.add(lp.name)
    if (lp.name === 'requestPrompt' || lp.name === 'customCost') {
      providers[i] = { name: `provider '${lp.name}' needs a Lua count function, which this gateway does not run` }
    } else if (lp.limit.length === 0 || lp.limit.length !== lp.window_size.length) {
      providers[i] = { window_size: 'limit and window_size must have the same, non-zero, number of entries' }
    } else {
      for (const [j, v] of lp.limit.entries()) if (!(v > 0)) providers[i] = { limit: { [j]: 'value must be greater than 0' } }
      for (const [j, v] of lp.window_size.entries()) if (!(Number.isInteger(v) && v > 0)) providers[i] = { window_size: { [j]: 'window size must be a whole number of seconds greater than 0' } }
    }
  }
  if (conf.llm_providers.length === 0) return { llm_providers: 'length must be at least 1' }
  if (Object.keys(providers).length > 0) {
    const list: (FieldErrors | null)[] = conf.llm_providers.map((_, i) => providers[i] ?? null)
    return { llm_providers: list }
  }
  if (conf.identifier === 'header' && conf.header_name === undefined) return 'No header name provided'
  if (conf.identifier === 'path' && conf.path === undefined) return 'No path provided'
  if (conf.strategy === 'redis' && conf.redis.host === undefined) return 'No redis config provided'
  const sync = conf.sync_rate
  if (conf.strategy === 'local' && sync !== undefined && sync !== -1) return 'sync_rate cannot be configured when using a local strategy'
  if (conf.strategy !== 'local' && sync === undefined) return 'sync_rate is required if not using a local strategy'
  if (sync !== undefined && sync > 0 && sync < 0.02) return "Config option 'sync_rate' must not be a decimal between 0 and 0.02"
  if (conf.retry_after_jitter_max < 0) return 'Non-negative retry_after_jitter_max value is expected'
  return null
}
