// rate-limiting (Kong OSS, priority 910): counts requests per consumer, credential, IP, service,
// header or path in fixed calendar windows (second ... year) and refuses with Kong's 429 once a
// window's limit is reached. Kong's kong/plugins/rate-limiting/{handler,schema}.lua (3.x):
// headers, Retry-After, error_code/error_message, fault_tolerant, hide_client_headers, sync_rate.
// Counting: local.ts (the node's shared table) or redis-policy.ts.
import { definePlugin } from '../../core/plugins/contract.ts'
import { pluginLog } from '../../core/log.ts'
import type { Kong } from '../../pdk/index.ts'
import { nowMs } from '../rate-limit-counters/clock.ts'
import { identify } from '../rate-limit-counters/identifier.ts'
import { schema, type RateLimitingConf } from './schema.ts'
import { checkRateLimiting, keyParts, planOf, type Plan } from './plan.ts'
import { periodStart } from './periods.ts'
import { countLocal } from './local-policy.ts'
import { batchedCounters, countRedis } from './redis-policy.ts'

const log = pluginLog('rate-limiting')

export default definePlugin({
  name: 'rate-limiting',
  version: '1.0.0',
  priority: 910,
  schema,
  check: checkRateLimiting,
  access(kong, conf) {
    const plan = planOf(conf)
    const id = identify(kong, plan.limitBy, plan.headerName, plan.path)
    const keys = keyParts(plan, kong.plugin.getId() ?? 'global')
    const now = nowMs()
    const n = plan.periods.length
    // the synchronous modes use the plan's scratch arrays (no request runs between the count and
    // finish); the awaiting one (sync_rate -1) needs its own
    const sync = plan.redis === null || plan.syncRate > 0
    const starts = sync ? plan.starts : new Float64Array(n)
    const usage = sync ? plan.usage : new Float64Array(n)
    for (let i = 0; i < n; i++) starts[i] = periodStart(plan.periods[i]!.period, now)
    if (plan.redis === null) return finish(kong, conf, plan, starts, usage, countLocal(plan, keys, id, starts, usage), now)
    if (plan.syncRate > 0) {
      const batched = (plan.batched ??= batchedCounters(plan.redis, plan.syncRate))
      return finish(kong, conf, plan, starts, usage, batched.count(plan, keys, id, starts, usage, now), now)
    }
    return countRedis(plan, keys, id, starts, usage).then(
      (stop) => finish(kong, conf, plan, starts, usage, stop, now),
      (err: Error) => {
        // Kong: fault_tolerant proxies without any rate-limit header; otherwise the error is a 500
        log.error({ err: err.message }, 'failed to get usage from redis')
        if (!conf.fault_tolerant) throw new Error(`rate-limiting: failed to get usage: ${err.message}`)
      },
    )
  },
})

/**
 * Kong's headers, and the refusal when `stop` names a period. An admitted request sets them one by
 * one (in the order the refusal's header object has them): no object per request.
 */
function finish(kong: Kong, conf: RateLimitingConf, plan: Plan, starts: Float64Array, usage: Float64Array, stop: number, now: number): void {
  if (conf.hide_client_headers) {
    if (stop >= 0) kong.response.error(conf.error_code, conf.error_message)
    return
  }
  const headers: Record<string, string> | null = stop >= 0 ? {} : null
  const res = kong.response
  const nowSec = Math.floor(now / 1000)
  let limit = 0
  let window = 0
  let remaining = Infinity
  let reset = 0
  for (let i = 0; i < plan.periods.length; i++) {
    const p = plan.periods[i]!
    let rem = p.limit - usage[i]!
    // the admitted request uses one; on a refusal only the blocking period shows it
    if (stop < 0 || stop === i) rem -= 1
    rem = Math.max(0, rem)
    if (rem < remaining || (rem === remaining && p.seconds > window)) {
      limit = p.limit
      window = p.seconds
      remaining = rem
      reset = Math.max(1, window - (nowSec - Math.floor(starts[i]! / 1000)))
    }
    if (headers === null) {
      res.setHeader(p.limitHeader, p.limitValue)
      res.setHeader(p.remainingHeader, String(rem))
    } else {
      headers[p.limitHeader] = p.limitValue
      headers[p.remainingHeader] = String(rem)
    }
  }
  if (headers === null) {
    res.setHeader('RateLimit-Limit', String(limit))
    res.setHeader('RateLimit-Remaining', String(remaining))
    res.setHeader('RateLimit-Reset', String(reset))
    return
  }
  headers['RateLimit-Limit'] = String(limit)
  headers['RateLimit-Remaining'] = String(remaining)
  headers['RateLimit-Reset'] = String(reset)
  headers['Retry-After'] = String(reset)
  return kong.response.error(conf.error_code, conf.error_message, headers)
}
