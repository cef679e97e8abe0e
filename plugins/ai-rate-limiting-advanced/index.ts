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
import { checkAiRateLimiting, planOf, type Plan } from './plan.ts'
import { addUsage, usageOf, windowStart } from './counters.ts'

const log = pluginLog('ai-rate-limiting-advanced')

/** An admitted request waiting for its outcome. */
interface Admitted { readonly plan: Plan; readonly ns: string; readonly id: string; readonly strategy: AiRateLimitingConf['tokens_count_strategy'] }

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
  for (const w of windows) addUsage(a.ns, w, a.id, now, amount, a.plan.redis, a.plan.syncRate)
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
    const ns = plan.namespace ?? kong.plugin.getId() ?? 'global'
    const now = nowMs()
    if (limit(kong, conf, plan, ns, id, now)) return
    const requestId = kong.request.getId()
    if (waiting.size >= MAX_WAITING) {
      const oldest = waiting.keys().next().value!
      waiting.delete(oldest)
      log.warn('too many AI requests waiting for their outcome: the oldest one will not be counted')
    }
    waiting.set(requestId, { plan, ns, id, strategy: conf.tokens_count_strategy })
    requestUsage(kong)
  },
  log(kong) {
    // no outcome by the end of the log phase (not an LLM route, ai-proxy refused the request):
    // nothing to count. ai-proxy's log phase, which may still publish one, runs before this fires.
    const requestId = kong.request.getId()
    if (waiting.has(requestId)) setImmediate(() => waiting.delete(requestId))
  },
})

/** Sets Kong's headers; refuses (and returns true) when a window is over its limit. */
function limit(kong: Kong, conf: AiRateLimitingConf, plan: Plan, ns: string, id: string, now: number): boolean {
  const headers: Record<string, string> = {}
  const show = !conf.hide_client_headers
  const refused: string[] = []
  let reset = 0
  let retry = 0
  for (const w of plan.windows) {
    const rate = usageOf(ns, w, id, now, plan.sliding)
    if (show) {
      const left = Math.max(w.limit - rate, 0)
      headers[w.limitHeader] = String(w.limit)
      headers[w.remainingHeader] = String(conf.tokens_count_strategy === 'cost' ? left : Math.floor(left))
    }
    // Kong: strictly greater, so the exchange that crosses the limit completes; the next is refused
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
  if (refused.length === 0) {
    if (show) kong.response.setHeaders(headers)
    return false
  }
  // set even when the other headers are hidden (Kong)
  headers['X-AI-RateLimit-Reset'] = String(reset)
  headers['X-AI-RateLimit-Retry-After'] = String(retry)
  const message = conf.error_hide_providers ? conf.error_message : conf.error_message + refused.join(', ')
  kong.response.exit(conf.error_code, { message }, headers)
  return true
}
