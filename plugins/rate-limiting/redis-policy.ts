// `policy: redis`, Kong's two modes:
// - sync_rate -1: one atomic Lua script per request increments every period's counter (EXPIRE on
//   the first hit) and returns the counts before: exact across workers and nodes; refused requests
//   count too (Kong's behaviour: the window counter keeps rising).
// - sync_rate > 0: the request reads this worker's cached count (last value read from Redis plus
//   what this worker added since) and never waits for Redis; the additions are pushed every
//   sync_rate seconds (INCRBY + EXPIRE, one pipeline) and each reply refreshes the cache.
//   Approximate by design, as in Kong; a key this worker has not read yet counts from 0 until the
//   next push reads it (Kong waits for Redis on that first read).
import type { Redis } from 'ioredis'
import { pluginLog } from '../../core/log.ts'
import { redisClient, targetKey, timedOut, type RedisTarget } from '../rate-limit-counters/redis-connection.ts'
import { nowMs } from '../rate-limit-counters/clock.ts'
import { redisTail, type KeyParts, type Plan } from './plan.ts'

const log = pluginLog('rate-limiting')

// KEYS: one per period; ARGV: each key's TTL in seconds. Returns the counts before this request.
const INCREMENT = `
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('INCRBY', key, 1)
  if v == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  out[i] = v - 1
end
return out`

type Counting = Redis & { tollgateRateLimit(n: number, ...args: (string | number)[]): Promise<number[]> }

function counting(t: RedisTarget): Counting {
  const r = redisClient(t) as Counting
  if (typeof r.tollgateRateLimit !== 'function') r.defineCommand('tollgateRateLimit', { lua: INCREMENT })
  return r
}

/** Kong's counter key (the plugin instance stands for Kong's route and service scope). */
export const redisKey = (pluginId: string, id: string, start: number, period: string): string => `ratelimit:${pluginId}:${id}:${start}:${period}`

/** sync_rate -1: fills `usage`; resolves to the refusing period's index or -1; rejects when Redis fails. */
export async function countRedis(plan: Plan, keys: KeyParts, id: string, starts: Float64Array, usage: Float64Array): Promise<number> {
  const ps = plan.periods
  const args: (string | number)[] = []
  for (let i = 0; i < ps.length; i++) args.push(keys.redisHead + id + redisTail(keys, plan, i, starts[i]!))
  for (let i = 0; i < ps.length; i++) args.push(ps[i]!.seconds)
  const counts = await counting(plan.redis!).tollgateRateLimit(ps.length, ...args)
  let stop = -1
  for (let i = 0; i < ps.length; i++) {
    usage[i] = Number(counts[i])
    if (stop < 0 && usage[i]! >= ps[i]!.limit) stop = i
  }
  return stop
}

interface Cached {
  /** the count Redis last returned */
  base: number
  /** added by this worker since, not pushed yet */
  pending: number
  /** sent in pushes whose reply has not come yet */
  inflight: number
  /** never read from Redis yet */
  fresh: boolean
  readonly ttl: number
  readonly expiresAt: number
}

/** Cached keys per worker; beyond this, new keys pass uncounted until expired ones are dropped. */
export const MAX_CACHED_KEYS = 65_536

export class BatchedCounters {
  private readonly keys = new Map<string, Cached>()
  private timer: NodeJS.Timeout | null = null
  /** this request's entries, between the read and the add (count is synchronous: one request at a time) */
  private readonly entries: (Cached | undefined)[] = []

  constructor(private readonly redis: RedisTarget, private readonly syncRate: number) {}

  /** Reads (and, when admitted, adds to) the cached counts; never waits. */
  count(plan: Plan, keys: KeyParts, id: string, starts: Float64Array, usage: Float64Array, now: number): number {
    const ps = plan.periods
    let stop = -1
    const entries = this.entries
    entries.length = 0
    // the same strings as redisKey, from the parts built once per plugin and window
    const head = keys.redisHead + id
    for (let i = 0; i < ps.length; i++) {
      const key = head + redisTail(keys, plan, i, starts[i]!)
      let e = this.keys.get(key)
      if (!e && this.keys.size < MAX_CACHED_KEYS) {
        e = { base: 0, pending: 0, inflight: 0, fresh: true, ttl: ps[i]!.seconds, expiresAt: starts[i]! + ps[i]!.size }
        this.keys.set(key, e)
        this.schedule()
      }
      entries.push(e)
      usage[i] = e ? e.base + e.pending + e.inflight : 0
      if (stop < 0 && usage[i]! >= ps[i]!.limit) stop = i
    }
    if (stop < 0) for (let i = 0; i < entries.length; i++) { const e = entries[i]; if (e) { e.pending++; this.schedule() } }
    entries.length = 0
    if (now > 0 && this.keys.size >= MAX_CACHED_KEYS) this.dropExpired(now)
    return stop
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => { this.timer = null; void this.push() }, this.syncRate * 1000)
    this.timer.unref()
  }

  private dropExpired(now: number): void {
    for (const [k, e] of this.keys) if (e.expiresAt <= now && e.pending === 0 && e.inflight === 0) this.keys.delete(k)
  }

  /** Pushes every pending addition (and reads fresh keys) in one pipeline; pushes may overlap. */
  async push(): Promise<void> {
    this.dropExpired(nowMs())
    // each key with the amount this push carries (a later push may start before this one's reply)
    const batch: [string, Cached, number][] = []
    for (const [k, e] of this.keys) {
      if (e.pending === 0 && !e.fresh) continue
      batch.push([k, e, e.pending])
      e.inflight += e.pending
      e.pending = 0
    }
    if (batch.length === 0) return
    const pipe = counting(this.redis).pipeline()
    for (const [k, e, amount] of batch) { pipe.incrby(k, amount); pipe.expire(k, e.ttl) }
    let replies: [Error | null, unknown][] | null = null
    try {
      replies = await pipe.exec()
    } catch (err) {
      log.error({ err: (err as Error).message }, 'failed to push rate-limiting counters to redis')
    }
    let reread = false
    for (let i = 0; i < batch.length; i++) {
      const [, e, amount] = batch[i]!
      e.inflight -= amount
      const [err, v] = replies?.[i * 2] ?? [new Error('no reply'), null]
      if (err && timedOut(err)) {
        // kept as added (see timedOut); the next push re-reads the total
        e.base += amount
        e.fresh = reread = true
        continue
      }
      if (err) { e.pending += amount; continue }
      // Redis's total includes this push and the earlier ones (one connection answers in order);
      // later pushes still in flight and what is pending come on top
      e.base = Number(v)
      e.fresh = false
    }
    if (reread) this.schedule()
    else for (const [, e] of batch) if (e.pending > 0) { this.schedule(); break }
  }
}

const batched = new Map<string, BatchedCounters>()

/** This worker's batched counters for one Redis server and sync rate. */
export function batchedCounters(t: RedisTarget, syncRate: number): BatchedCounters {
  const key = `${targetKey(t)} ${syncRate}`
  let b = batched.get(key)
  if (!b) batched.set(key, (b = new BatchedCounters(t, syncRate)))
  return b
}
