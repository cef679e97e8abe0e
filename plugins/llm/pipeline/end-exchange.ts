// The end of every LLM response: the exchange's prepared request and response handler become one
// LlmOutcome, written once (Kong's analytics for a complete LLM answer, when log_statistics is on),
// then published to the outcome bus. body_filter ends a response whose last byte went out; the log
// phase ends the others (upstream failed mid-answer, client gone).
import type { Kong } from '../../../pdk/index.ts'
import type { TokenUsage } from '../types.ts'
import type { LlmEnding, LlmOutcome } from '../outcome/llm-outcome.ts'
import { publishOutcome } from '../outcome/outcome-bus.ts'
import { UNTOUCHED } from './response-handler.ts'
import { costOf } from './cost.ts'
import { writeAnalytics } from './analytics.ts'
import type { LlmExchange } from './state.ts'
import { cacheReport } from './shared-exchange.ts'

const NO_USAGE: TokenUsage = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })

export function endExchange(kong: Kong, x: LlmExchange, ending: LlmEnding): void {
  if (x.outcome !== null) return
  const now = performance.now()
  const p = x.prepared
  const h = x.handler ?? UNTOUCHED
  const start = x.parsed.start
  // a cache hit answered instead of the provider: its tokens and model are the cached answer's
  const cache = cacheReport(kong)
  const usage = (p !== null ? h.usage(p) : null) ?? cache?.usage ?? NO_USAGE
  const requestModel = (p !== null ? p.model.name : x.parsed.c.model.name) ?? h.requestModel?.() ?? null
  const o: LlmOutcome = {
    ending,
    response: h.kind,
    status: kong.response.getStatus(),
    requestId: kong.request.getId(),
    pluginId: kong.plugin.getId(),
    provider: (p ?? x.parsed).c.driver.id,
    requestModel,
    responseModel: h.responseModel() ?? cache?.model ?? requestModel,
    stream: p !== null && p.stream,
    usage,
    cost: p !== null ? costOf(p.model.options, usage) : 0,
    latencyMs: now - start,
    targetLatencyMs: p !== null ? now - p.builtAt : 0,
    timeToFirstTokenMs: h.firstByteAt > 0 ? h.firstByteAt - start : null,
    tried: x.tried,
    cache: cache?.status ?? 'none',
    routeType: (p ?? x.parsed).c.conf.route_type,
    finishReasons: () => h.finishReasons(),
    payloads: p !== null && p.c.payloads && h !== UNTOUCHED
      ? { request: x.parsed.raw === null ? null : x.parsed.raw.toString('utf8'), response: h.payload(usage) }
      : null,
  }
  x.outcome = o
  if (ending === 'complete' && p !== null && h !== UNTOUCHED && p.c.statistics) writeAnalytics(kong, p, o)
  publishOutcome(o)
}
