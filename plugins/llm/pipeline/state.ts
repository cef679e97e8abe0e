// What one request carries between the stages (kept in kong.ctx.plugin by the plugin using them).
// It flows one way: access parses the client's request once (ParsedRequest) and prepares the
// upstream request for a target (PreparedRequest; a failover prepares a new one for the next
// target, it never edits the previous one); header_filter picks one response handler, which owns
// what it reads of the answer; the end of the response turns both into one LlmOutcome.
import type { DriverContext, LlmRequest, ModelConf, UpstreamTarget } from '../types.ts'
import type { CompiledConf } from './compile.ts'
import type { ResponseHandler } from './response-handler.ts'
import type { LlmOutcome } from '../outcome/llm-outcome.ts'

/** The client's request as read in access, once, whatever the target. */
export interface ParsedRequest {
  /** the config the request was parsed with (its top-level fields) */
  readonly c: CompiledConf
  /** performance.now() when access began */
  readonly start: number
  /** the client's body bytes, null when there were none */
  readonly raw: Buffer | null
  /** the client's body parsed (its own shape), null when not JSON, too large or absent */
  readonly body: Record<string, unknown> | null
  /** the request in OpenAI's shape (the body itself for llm_format openai) */
  readonly request: LlmRequest | null
  readonly multipart: boolean
  /** `model` the client asked for (body, or the path for Gemini/Bedrock natives) */
  readonly requestModel: string | null
  /** the client asked to stream */
  readonly requestStream: boolean
}

/**
 * The upstream request built for one target: what the response side needs of it (config, model,
 * stream decision, driver context, prompt estimate) and what was sent (target URL, body; the
 * credentials are applied from c.auth into kong.service's headers, not kept here).
 */
export interface PreparedRequest {
  /** the target's compiled config */
  readonly c: CompiledConf
  /** index of the target in the plugin's targets (ai-proxy: 0) */
  readonly target: number
  readonly model: ModelConf
  readonly stream: boolean
  readonly dctx: DriverContext
  /** Kong's prompt estimate for a stream whose provider sends no usage (0 when not needed) */
  readonly promptEstimate: number
  /**
   * where it went (scheme, host, port, path, query), as the auth strategy left it: a query-parameter
   * credential is in `query`, so this is never logged as is
   */
  readonly upstream: Readonly<UpstreamTarget>
  /** the body sent: the driver's encoding, or the client's bytes as they came (null: none) */
  readonly body: string | Buffer | null
  /** performance.now() when this target's request began to be built */
  readonly builtAt: number
}

/** One request through the LLM stages. */
export interface LlmExchange {
  /** replaced (never edited) by releaseRequest when a streamed answer begins */
  parsed: ParsedRequest
  /** the current target's request; null until built (or when building it failed) */
  prepared: PreparedRequest | null
  /** chosen in header_filter */
  handler: ResponseHandler | null
  /** the answer's tokens are read although log_statistics and log_payloads are off (a balancer learns from them) */
  readonly needsUsage: boolean
  /** the targets tried, in order (the plugin appends to its own array) */
  readonly tried: readonly number[]
  /** set once, when the response ended */
  outcome: LlmOutcome | null
}

/** The tried list of a single-target plugin: shared, never written (ai-proxy). */
export const ONLY_TARGET: readonly number[] = Object.freeze([0])

export function newExchange(parsed: ParsedRequest, needsUsage: boolean, tried: readonly number[]): LlmExchange {
  return { parsed, prepared: null, handler: null, needsUsage, tried, outcome: null }
}

/**
 * A streamed answer began (header_filter): the stream may stay open for minutes, and nothing reads
 * the client's request again (no failover after the answer's head, kong.request.getRawBody is over).
 * The outcome needs of it the config, start and model names, the payload log its bytes (kept with
 * log_payloads). Whatever lives as long as the stream is promoted to the old generation, so the
 * exchange keeps copies of its two records without the body, its parse and the body sent.
 */
export function releaseRequest(x: LlmExchange): void {
  const p = x.prepared
  if (p === null) return
  const q = x.parsed
  x.parsed = { ...q, raw: p.c.payloads ? q.raw : null, body: null, request: null }
  x.prepared = { ...p, body: null }
}
