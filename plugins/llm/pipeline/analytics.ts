// Kong's `ai.proxy.{meta,usage,payload}` log fields (observability.lua, 3.10 namespace), written
// from the outcome of a complete LLM answer when logging.log_statistics is on. Tokens come from the
// provider; a stream without usage gets Kong's estimates. Cost is per million tokens.
//
// The fields are one deferred writer (kong.log.deferSerializeValues): they are made only when a
// logging plugin builds the record, from the outcome, which is final once built (and the payload
// strings it already holds), so a request nobody logs pays one closure instead of a dozen edits.
import type { Kong } from '../../../pdk/index.ts'
import type { SerializeSetter } from '../../../core/runloop/serialize-edits.ts'
import type { LlmOutcome } from '../outcome/llm-outcome.ts'
import type { PreparedRequest } from './state.ts'

function writeFields(set: SerializeSetter, p: PreparedRequest, o: LlmOutcome): void {
  const latency = Math.round(o.latencyMs)
  const usage = o.usage
  if (o.pluginId !== null) set('ai.proxy.meta.plugin_id', o.pluginId)
  set('ai.proxy.meta.provider_name', o.provider)
  set('ai.proxy.meta.request_model', o.requestModel ?? 'UNSPECIFIED')
  set('ai.proxy.meta.response_model', o.responseModel ?? 'UNSPECIFIED')
  set('ai.proxy.meta.llm_latency', latency)
  set('ai.proxy.meta.request_mode', o.response === 'realtime' ? 'realtime' : o.stream ? 'stream' : 'oneshot')
  const extra = p.c.driver.logMeta?.(p.dctx)
  if (extra) for (const k of Object.keys(extra)) if (extra[k] !== undefined) set(`ai.proxy.meta.${k}`, extra[k])

  set('ai.proxy.usage.prompt_tokens', usage.prompt_tokens)
  set('ai.proxy.usage.completion_tokens', usage.completion_tokens)
  set('ai.proxy.usage.total_tokens', usage.total_tokens)
  set('ai.proxy.usage.time_per_token', usage.completion_tokens > 0 ? latency / usage.completion_tokens : 0)
  if (o.timeToFirstTokenMs !== null) set('ai.proxy.usage.time_to_first_token', Math.round(o.timeToFirstTokenMs))
  set('ai.proxy.usage.cost', o.cost)

  // the outcome holds the payloads exactly when log_payloads is on (end-exchange.ts); streams (native
  // ones too) log Kong's synthetic chat.completion, never a copy of every byte
  const payloads = o.payloads ?? null
  if (payloads === null) return
  if (payloads.request !== null) set('ai.proxy.payload.request', payloads.request)
  set('ai.proxy.payload.response', payloads.response)
}

export function writeAnalytics(kong: Kong, p: PreparedRequest, o: LlmOutcome): void {
  kong.log.deferSerializeValues((set) => writeFields(set, p, o))
}
