// Where token usage is counted: always the node's shared table (core/counter-table), which the
// access check reads without waiting; with `strategy: redis` each count is also pushed to Redis
// and the global count read back raises the node's copy (Kong's §"redis" strategy):
// - sync_rate 0: pushed at once after the response (never awaited by a request);
// - sync_rate > 0: pushed every sync_rate seconds with a read of every key counted this window,
//   so other nodes' usage shows here within ~sync_rate;
// - Redis down: the node keeps limiting on its own counts and pushes them once Redis is back.
import { counterTable } from '../../core/counter-table/counter-table.ts'
import { pluginLog } from '../../core/log.ts'
import { redisClient, targetKey, timedOut, type RedisTarget } from '../rate-limit-counters/redis-connection.ts'
import { nowMs } from '../rate-limit-counters/clock.ts'
import type { WindowPlan } from './plan.ts'

const log = pluginLog('ai-rate-limiting-advanced')

/** Epoch-aligned window start (ms), Kong's floor(now / size) × size. */
export const windowStart = (now: number, w: WindowPlan): number => now - (now % w.size)

/** The node table's key of one window of one provider for one identifier under one namespace. */
export const tableKey = (ns: string, w: WindowPlan, id: string): string => `arla|${ns}|${w.provider}|${w.seconds}|${id}`

/** The count and the previous window's count (sliding) of one window's table key; 0 when the table is full. */
export function usageOf(key: string, w: WindowPlan, now: number, sliding: boolean): number {
  const t = counterTable()
  const start = windowStart(now, w)
  const count = t.read(key, start, w.size)
  if (Number.isNaN(count)) return 0
  return sliding ? count + t.previous * ((w.size - (now - start)) / w.size) : count
}

/** Adds one response's usage to the node's table under the window's table key (and queues it for Redis). */
export function addUsage(key: string, w: WindowPlan, now: number, amount: number, syncer: RedisSyncer | null): void {
  const start = windowStart(now, w)
  // FULL is NaN: never === itself
  if (Number.isNaN(counterTable().add(key, start, w.size, amount))) log.warn('the node\'s rate-limit counter table is full for a key: this usage is not counted')
  if (syncer !== null) syncer.queue(key, start, w, amount)
}

/** The Redis key of a node table key's window (shared by every node with the same config). */
export const redisKeyOf = (key: string, start: number): string => `ai-rate-limiting:${key}:${start}`

interface Pending { start: number; w: WindowPlan; delta: number }

/** Keys kept per worker between pushes; beyond it, new keys are counted on this node only. */
export const MAX_SYNC_KEYS = 65_536

export class RedisSyncer {
  private readonly keys = new Map<string, Pending>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly redis: RedisTarget, private readonly syncRate: number) {}

  queue(key: string, start: number, w: WindowPlan, delta: number): void {
    let p = this.keys.get(key)
    if (p && p.start !== start && p.delta === 0) { this.keys.delete(key); p = undefined }
    if (!p) {
      if (this.keys.size >= MAX_SYNC_KEYS) return
      this.keys.set(key, (p = { start, w, delta: 0 }))
    }
    p.delta += delta
    if (this.syncRate === 0) void this.push()
    else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = null; void this.push() }, this.syncRate * 1000)
      this.timer.unref()
    }
  }

  /** Pushes the deltas and reads back every key's global count into the node's table. */
  async push(): Promise<void> {
    // each key with the amount this push carries (a push at sync_rate 0 may overlap another)
    const batch: [string, Pending, number][] = []
    const now = nowMs()
    for (const [k, p] of this.keys) {
      if (p.start + 2 * p.w.size <= now && p.delta === 0) { this.keys.delete(k); continue }
      batch.push([k, p, p.delta])
      p.delta = 0
    }
    if (batch.length === 0) return
    const pipe = redisClient(this.redis).pipeline()
    for (const [k, p, amount] of batch) {
      const rk = redisKeyOf(k, p.start)
      pipe.incrbyfloat(rk, amount)
      pipe.pexpire(rk, 2 * p.w.size)
    }
    try {
      const replies = await pipe.exec()
      const table = counterTable()
      for (let i = 0; i < batch.length; i++) {
        const [k, p, amount] = batch[i]!
        const [err, v] = replies?.[i * 2] ?? [new Error('no reply'), null]
        // a push that timed out may have been added: not pushed again (see timedOut)
        if (err) { if (!timedOut(err)) p.delta += amount; continue }
        table.raiseTo(k, p.start, p.w.size, Number(v))
      }
    } catch (err) {
      // Kong: fall back to the node's counters, push again later
      log.warn({ err: (err as Error).message }, 'redis unreachable: counting on this node only until it is back')
      if (!timedOut(err as Error)) for (const [, p, amount] of batch) p.delta += amount
    }
    if (this.syncRate > 0 && !this.timer && this.keys.size > 0) {
      this.timer = setTimeout(() => { this.timer = null; void this.push() }, this.syncRate * 1000)
      this.timer.unref()
    }
  }
}

const syncers = new Map<string, RedisSyncer>()

/** This worker's syncer for one Redis server and sync rate. */
export function syncerFor(t: RedisTarget, syncRate: number): RedisSyncer {
  const key = `${targetKey(t)} ${syncRate}`
  let s = syncers.get(key)
  if (!s) syncers.set(key, (s = new RedisSyncer(t, syncRate)))
  return s
}
