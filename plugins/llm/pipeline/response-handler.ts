// The contract of the response handlers header_filter picks from (one per answer): each owns
// what it reads of the answer and tells, at the end, the tokens, the model and the payload.
import type { Kong } from '../../../pdk/index.ts'
import type { BodyChunk } from '../../../core/plugins/contract.ts'
import type { TokenUsage } from '../types.ts'
import type { LlmResponseKind } from '../outcome/llm-outcome.ts'
import type { PreparedRequest } from './state.ts'

export interface ResponseHandler {
  readonly kind: LlmResponseKind
  /** body_filter: reads the chunk and may replace chunk.data with what the client gets */
  body(kong: Kong, chunk: BodyChunk): void
  /** the answer's tokens (with Kong's estimates for a stream), null when not read */
  usage(p: PreparedRequest): TokenUsage | null
  /** the model the answer names, null when it names none or was not read */
  responseModel(): string | null
  /** performance.now() of the first streamed bytes, 0 when none (or not a stream) */
  readonly firstByteAt: number
  /** the answer as logged with log_payloads */
  payload(usage: TokenUsage): string
  /** the finish reasons the answer names, in order; empty when not read */
  finishReasons(): readonly string[]
  /** the model the client named in-band (a Gemini Live setup), read when the config names none */
  requestModel?(): string | null
}

/** Not an LLM answer (not a 200 from the service): sent as it came, nothing read. */
export const UNTOUCHED: ResponseHandler = Object.freeze({
  kind: 'none',
  body() {},
  usage: () => null,
  responseModel: () => null,
  firstByteAt: 0,
  payload: () => '',
  finishReasons: () => [],
})
