// One LLM response, told once at its end: what Kong's analytics log, what the balancers learn
// from, and what metrics, token rate limits and caches subscribe to (plugins/llm/outcome/outcome-bus.ts).
// Built from the request's prepared request and its response handler, never from a second
// reading of the answer: one token count, one cost, one latency clock.
import type { TokenUsage } from '../types.ts'

/** How the response ended. */
export type LlmEnding =
  /** its last byte went out to the client (any status, an error answer or an exit included) */
  | 'complete'
  /** the upstream connection failed after the answer had started (reset, timeout mid-body) */
  | 'upstream_failed'
  /** the client went away before the answer ended */
  | 'client_aborted'

/**
 * Which response handler header_filter chose: `none` when the answer was not an LLM answer
 * (not a 200 from the service: an upstream error, an exit, a gateway error) and went out as it came;
 * `realtime` for a WebSocket session (one outcome per session, its usage summed over `response.done` events).
 */
export type LlmResponseKind = 'none' | 'passthrough' | 'native' | 'convert' | 'stream' | 'realtime'

/**
 * What ai-semantic-cache did for this request (its X-Cache-Status), `none` without a cache. On a
 * `hit` the upstream was not called: `usage` and `responseModel` are the cached answer's.
 */
export type LlmCacheStatus = 'none' | 'hit' | 'miss' | 'bypass' | 'refresh'

export interface LlmOutcome {
  readonly ending: LlmEnding
  readonly response: LlmResponseKind
  /** the status the client got; 0 when nothing was sent (client gone before the answer) */
  readonly status: number
  /** the request's id (kong.request.getId(), X-Kong-Request-Id): joins the outcome with log records */
  readonly requestId: string
  /** the plugin instance that ran the request (kong.plugin.getId()), null when unknown */
  readonly pluginId: string | null
  /** the provider of the target that answered last (driver id: `openai`, `anthropic`, ...) */
  readonly provider: string
  /** the model asked of the provider (configured, templated or the client's), null when none */
  readonly requestModel: string | null
  /** the model the provider says answered; the requested one when it did not say */
  readonly responseModel: string | null
  /** the request was streamed to the provider */
  readonly stream: boolean
  /**
   * tokens: the provider's counts; for streams, Kong's estimates for the counts the provider did
   * not send; zeros when the answer was not read (not an LLM answer, incomplete, or not needed)
   */
  readonly usage: TokenUsage
  /** (prompt × input_cost + completion × output_cost) / 1e6 of the answering target, 0 when unset */
  readonly cost: number
  /** ms from the start of access to the end of the response (performance.now() clock) */
  readonly latencyMs: number
  /** ms from building the answering target's request to the end of the response */
  readonly targetLatencyMs: number
  /** ms from the start of access to the first streamed bytes; null when not streamed or nothing came */
  readonly timeToFirstTokenMs: number | null
  /**
   * the targets tried, in order, as indices into the plugin's targets (ai-proxy: [0]); the last
   * one answered; empty when the request never got to a target (refused in access)
   */
  readonly tried: readonly number[]
  readonly cache: LlmCacheStatus
  /** the plugin's route type (`llm/v1/chat`, `llm/v1/embeddings`, ...) */
  readonly routeType?: string
  /**
   * the finish reasons the answer names, read only when asked (a tracing plugin's GenAI span);
   * empty when the answer was not read
   */
  readonly finishReasons?: () => readonly string[]
  /** the client's request and the answer as Kong logs them; null unless the plugin's logging.log_payloads is on */
  readonly payloads?: { readonly request: string | null; readonly response: string } | null
}
