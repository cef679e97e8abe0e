// What one request carries between the stages (kept in kong.ctx.plugin by the plugin using them).
import type { DriverContext, LlmRequest, ModelConf, StreamTranscoder, TokenUsage } from '../types.ts'
import type { CompiledConf } from './compile.ts'
import type { StreamSink } from '../transcoders/chunk-sink.ts'

/** How the answer is handled, decided in header_filter. */
export const ResponseMode = {
  /** not decided yet, or the request never reached the upstream */
  none: 0,
  /** not a 200 from the service: sent as it came, no statistics */
  untouched: 1,
  /** OpenAI-shaped 200: bytes forwarded as they come, usage read at the end */
  passthrough: 2,
  /** the client's native API: bytes forwarded, usage read by the client format */
  native: 3,
  /** converted whole in header_filter (buffered), sent at the end */
  convert: 4,
  /** stream transcoded chunk by chunk */
  stream: 5,
} as const
export type ResponseMode = (typeof ResponseMode)[keyof typeof ResponseMode]

export interface LlmState {
  readonly c: CompiledConf
  /** performance.now() when access began */
  readonly start: number
  /** the client's body bytes, null when there were none or they were too large */
  readonly raw: Buffer | null
  /** the client's body parsed (its own shape), null when not JSON or absent */
  readonly body: Record<string, unknown> | null
  /** the request in OpenAI's shape (the body itself for llm_format openai) */
  readonly request: LlmRequest | null
  readonly multipart: boolean
  /** `model` the client asked for (body, or the path for Gemini/Bedrock natives) */
  readonly requestModel: string | null
  /** the client asked to stream */
  readonly requestStream: boolean

  // ---- set by normalize-request (again on an ai-proxy-advanced failover) ----
  model: ModelConf
  stream: boolean
  dctx: DriverContext | null
  promptEstimate: number

  // ---- response ----
  mode: ResponseMode
  /** the driver's stream converter (stream mode, or a native stream read aside) */
  transcoder: StreamTranscoder | null
  /** where the converter's chunks are serialized for the client (stream mode) */
  sink: StreamSink | null
  chunks: Buffer[] | null
  /** bytes in `chunks`: the copy read for statistics stops at MAX_RESPONSE_BYTES */
  chunkBytes: number
  converted: Buffer | null
  usage: TokenUsage | null
  responseModel: string | null
  /** the answer as logged with log_payloads (passthrough and native) */
  responsePayload: string | null
  /** performance.now() of the first streamed bytes */
  firstByteAt: number
}
