// ai-rate-limiting-advanced (Kong Enterprise, priority 905): token and cost budgets per provider
// and window. Access refuses a request while any configured window of any configured provider is
// over its limit (Kong: whatever provider the request goes to), before ai-proxy calls the
// provider; the usage of an admitted request is counted when its LLM exchange ends, from the one
// LlmOutcome ai-proxy(-advanced) publishes (tokens or cost of the target that answered, for a
// JSON answer, a stream, a failover or an aborted stream alike). Kong's headers and 429.
import { definePlugin } from '../../core/plugins/contract.ts'
import { pluginLog } from '../../core/log.ts'
import type { Kong } from '../../pdk/index.ts'
import { onLlmOutcome } from '../llm/outcome/outcome-bus.ts'
import { requestUsage } from '../llm/outcome/usage-demand.ts'
import type { LlmOutcome } from '../llm/outcome/llm-outcome.ts'
import { nowMs } from '../rate-limit-counters/clock.ts'
import { identify } from '../rate-limit-counters/identifier.ts'
import { schema, type AiRateLimitingConf } from './schema.ts'
import { checkAiRateLimiting, keyPrefixes, planOf, type KeyPrefixes, type Plan } from './plan.ts'
import { addUsage, syncerFor, usageOf, windowStart } from './counters.ts'

const log = pluginLog('ai-rate-limiting-advanced')

/** An admitted request waiting for its outcome. */
interface Admitted { readonly plan: Plan; readonly keys: KeyPrefixes; readonly id: string; readonly strategy: AiRateLimitingConf['tokens_count_strategy'] }

/**
 * Admitted requests by request id until their outcome comes (body_filter, or ai-proxy's log phase
 * for an ended-early exchange, which runs after this plugin's log). Bounded: past MAX_WAITING the
 * oldest entry is dropped (that request's usage is not counted) and a warning logged.
 */
const waiting = new Map<string, Admitted>()
export const MAX_WAITING = 65_536

/** How many admitted requests wait for their outcome (tests: the map drains). */
export const waitingCount = (): number => waiting.size

onLlmOutcome((o: LlmOutcome) => {
  const a = waiting.get(o.requestId)
  if (a === undefined) return
  waiting.delete(o.requestId)
  // an answer from a cache used no provider tokens
  if (o.cache === 'hit') return
  const windows = a.plan.byProvider.get(o.provider)
  if (windows === undefined) return // Kong: other configured providers get +0
  const amount = a.strategy === 'cost' ? o.cost : o.usage[a.strategy]
  if (!(amount > 0)) return
  const now = nowMs()
  const plan = a.plan
  const syncer = plan.redis !== null && plan.syncRate >= 0 ? (plan.syncer ??= syncerFor(plan.redis, plan.syncRate)) : null
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!
    addUsage(a.keys.byWindow[w.index]! + a.id, w, now, amount, syncer)
  }
})

export default definePlugin({
  name: 'ai-rate-limiting-advanced',
  version: '1.0.0',
  priority: 905,
  schema,
  check: checkAiRateLimiting,
  access(kong, conf) {
    const plan = planOf(conf)
    const id = identify(kong, plan.identifier, conf.header_name, conf.path)
    const keys = keyPrefixes(plan, plan.namespace ?? kong.plugin.getId() ?? 'global')
    const now = nowMs()
    if (limit(kong, conf, plan, keys, id, now)) return
    const requestId = kong.request.getId()
    if (waiting.size >= MAX_WAITING) {
      const oldest = waiting.keys().next().value!
      waiting.delete(oldest)
      log.warn('too many AI requests waiting for their outcome: the oldest one will not be counted')
    }
    waiting.set(requestId, { plan, keys, id, strategy: conf.tokens_count_strategy })
    requestUsage(kong)
  },
  log(kong) {
    // no outcome by the end of the log phase (not an LLM route, ai-proxy refused the request):
    // nothing to count. ai-proxy's log phase, which may still publish one, runs before this fires.
    const requestId = kong.request.getId()
    if (waiting.has(requestId)) setImmediate(() => waiting.delete(requestId))
  },
})

/**
 * Sets Kong's headers; refuses (and returns true) when a window is over its limit. The windows'
 * usage is read once into the plan's scratch; an admitted request sets its headers one by one (the
 * order the refusal's header object has them), with no object or array per request.
 */
function limit(kong: Kong, conf: AiRateLimitingConf, plan: Plan, keys: KeyPrefixes, id: string, now: number): boolean {
  const ws = plan.windows
  const rates = plan.rates
  let over = false
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!
    const rate = (rates[i] = usageOf(keys.byWindow[i]! + id, w, now, plan.sliding))
    // Kong: strictly greater, so the exchange that crosses the limit completes; the next is refused
    if (rate > w.limit) over = true
  }
  const show = !conf.hide_client_headers
  if (!over) {
    if (show) {
      const res = kong.response
      for (let i = 0; i < ws.length; i++) {
        const w = ws[i]!
        res.setHeader(w.limitHeader, w.limitValue)
        res.setHeader(w.remainingHeader, remainingOf(conf, w.limit, rates[i]!))
      }
    }
    return false
  }
  const headers: Record<string, string> = {}
  const refused: string[] = []
  let reset = 0
  let retry = 0
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!
    const rate = rates[i]!
    if (show) {
      headers[w.limitHeader] = w.limitValue
      headers[w.remainingHeader] = remainingOf(conf, w.limit, rate)
    }
    if (rate <= w.limit) continue
    if (!refused.includes(w.provider)) refused.push(w.provider)
    let r = Math.max(1, w.seconds - Math.floor((now - windowStart(now, w)) / 1000))
    if (plan.sliding) r += Math.ceil(((rate - w.limit) / (rate + w.limit)) * w.seconds)
    const jitter = conf.retry_after_jitter_max > 0 ? 1 + Math.floor(Math.random() * conf.retry_after_jitter_max) : 0
    if (show) {
      headers[w.resetHeader] = String(r)
      headers[w.retryHeader] = String(r + jitter)
    }
    reset = Math.max(reset, r)
    retry = Math.max(retry, r + jitter)
  }
  // set even when the other headers are hidden (Kong)
  headers['X-AI-RateLimit-Reset'] = String(reset)
  headers['X-AI-RateLimit-Retry-After'] = String(retry)
  const message = conf.error_hide_providers ? conf.error_message : conf.error_message + refused.join(', ')
  kong.response.exit(conf.error_code, { message }, headers)
  return true
}

/** X-AI-RateLimit-Remaining-*: what is left, whole tokens unless the budget is a cost. */
function remainingOf(conf: AiRateLimitingConf, limit: number, rate: number): string {
  const left = Math.max(limit - rate, 0)
  return String(conf.tokens_count_strategy === 'cost' ? left : Math.floor(left))
}
