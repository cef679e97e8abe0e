// Kong's `ai.proxy.{meta,usage,payload}` log fields (observability.lua, 3.10 namespace), written
// from the outcome of a complete LLM answer when logging.log_statistics is on. Tokens come from the
// provider; a stream without usage gets Kong's estimates. Cost is per million tokens.
import type { Kong } from '../../../pdk/index.ts'
import type { LlmOutcome } from '../outcome/llm-outcome.ts'
import type { ResponseHandler } from './response-handler.ts'
import type { LlmExchange, PreparedRequest } from './state.ts'

export function writeAnalytics(kong: Kong, x: LlmExchange, p: PreparedRequest, h: ResponseHandler, o: LlmOutcome): void {
  const c = p.c
  const log = kong.log
  const latency = Math.round(o.latencyMs)
  const usage = o.usage
  if (o.pluginId !== null) log.setSerializeValue('ai.proxy.meta.plugin_id', o.pluginId)
  log.setSerializeValue('ai.proxy.meta.provider_name', o.provider)
  log.setSerializeValue('ai.proxy.meta.request_model', o.requestModel ?? 'UNSPECIFIED')
  log.setSerializeValue('ai.proxy.meta.response_model', o.responseModel ?? 'UNSPECIFIED')
  log.setSerializeValue('ai.proxy.meta.llm_latency', latency)
  log.setSerializeValue('ai.proxy.meta.request_mode', o.response === 'realtime' ? 'realtime' : o.stream ? 'stream' : 'oneshot')
  const extra = c.driver.logMeta?.(p.dctx)
  if (extra) for (const k of Object.keys(extra)) if (extra[k] !== undefined) log.setSerializeValue(`ai.proxy.meta.${k}`, extra[k])

  log.setSerializeValue('ai.proxy.usage.prompt_tokens', usage.prompt_tokens)
  log.setSerializeValue('ai.proxy.usage.completion_tokens', usage.completion_tokens)
  log.setSerializeValue('ai.proxy.usage.total_tokens', usage.total_tokens)
  log.setSerializeValue('ai.proxy.usage.time_per_token', usage.completion_tokens > 0 ? latency / usage.completion_tokens : 0)
  if (o.timeToFirstTokenMs !== null) log.setSerializeValue('ai.proxy.usage.time_to_first_token', Math.round(o.timeToFirstTokenMs))
  log.setSerializeValue('ai.proxy.usage.cost', o.cost)

  if (!c.payloads) return
  if (x.parsed.raw !== null) log.setSerializeValue('ai.proxy.payload.request', x.parsed.raw.toString('utf8'))
  // streams (native ones too) log Kong's synthetic chat.completion, never a copy of every byte
  log.setSerializeValue('ai.proxy.payload.response', h.payload(usage))
}
