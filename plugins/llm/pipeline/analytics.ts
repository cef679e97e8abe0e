// Stage serialize-analytics: Kong's `ai.proxy.{meta,usage,payload}` log fields (observability.lua,
// 3.10 namespace), written at the end of the answer when logging.log_statistics is on. Tokens come
// from the provider; a stream without usage gets Kong's estimates. Cost is per million tokens.
import type { Kong } from '../../../pdk/index.ts'
import type { TokenUsage } from '../types.ts'
import { streamUsage } from './estimate.ts'
import { ResponseMode, type LlmState } from './state.ts'


/** A transcoded stream, or a native one read on the side by the driver's transcoder: the transcoder's counts. */
function usageOf(state: LlmState): TokenUsage {
  if (state.transcoder !== null) return streamUsage(state.transcoder, state.promptEstimate)
  return state.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
}

function streamPayload(state: LlmState, usage: TokenUsage): string {
  const t = state.transcoder!
  return JSON.stringify({
    choices: [{ finish_reason: t.finishReason, index: 0, logprobs: null, message: { role: 'assistant', content: t.text } }],
    object: 'chat.completion',
    usage,
  })
}

export function writeAnalytics(kong: Kong, state: LlmState): void {
  const c = state.c
  const log = kong.log
  const now = performance.now()
  const latency = Math.round(now - state.start)
  const usage = usageOf(state)
  const requestModel = state.model.name ?? 'UNSPECIFIED'
  const id = kong.plugin.getId()
  if (id !== null) log.setSerializeValue('ai.proxy.meta.plugin_id', id)
  log.setSerializeValue('ai.proxy.meta.provider_name', c.driver.id)
  log.setSerializeValue('ai.proxy.meta.request_model', requestModel)
  log.setSerializeValue('ai.proxy.meta.response_model', state.responseModel ?? state.transcoder?.responseModel ?? requestModel)
  log.setSerializeValue('ai.proxy.meta.llm_latency', latency)
  log.setSerializeValue('ai.proxy.meta.request_mode', state.stream ? 'stream' : 'oneshot')
  const extra = state.dctx && c.driver.logMeta?.(state.dctx)
  if (extra) for (const k of Object.keys(extra)) if (extra[k] !== undefined) log.setSerializeValue(`ai.proxy.meta.${k}`, extra[k])

  log.setSerializeValue('ai.proxy.usage.prompt_tokens', usage.prompt_tokens)
  log.setSerializeValue('ai.proxy.usage.completion_tokens', usage.completion_tokens)
  log.setSerializeValue('ai.proxy.usage.total_tokens', usage.total_tokens)
  log.setSerializeValue('ai.proxy.usage.time_per_token', usage.completion_tokens > 0 ? latency / usage.completion_tokens : 0)
  if (state.stream && state.firstByteAt > 0) log.setSerializeValue('ai.proxy.usage.time_to_first_token', Math.round(state.firstByteAt - state.start))
  const o = state.model.options
  const cost = o.input_cost !== undefined && o.output_cost !== undefined
    ? (usage.prompt_tokens * o.input_cost + usage.completion_tokens * o.output_cost) / 1e6
    : 0
  log.setSerializeValue('ai.proxy.usage.cost', cost)

  if (!c.payloads) return
  if (state.raw !== null) log.setSerializeValue('ai.proxy.payload.request', state.raw.toString('utf8'))
  // streams (native ones too) log Kong's synthetic chat.completion, never a copy of every byte
  const response = state.transcoder !== null ? streamPayload(state, usage)
    : state.mode === ResponseMode.convert ? state.converted?.toString('utf8') ?? ''
    : state.responsePayload ?? ''
  log.setSerializeValue('ai.proxy.payload.response', response)
}
