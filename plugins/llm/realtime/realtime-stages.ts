// ai-proxy's stages for a realtime session: the upstream's messages reach the session's
// RealtimeReader through the `ws_upstream_frame` phase (read-only: the client gets every frame as
// the upstream sent it), and the session's end is told once, from the log phase.
import type { Kong } from '../../../pdk/index.ts'
import type { WebSocketFrame } from '../../../core/plugins/contract.ts'
import type { LlmEnding } from '../outcome/llm-outcome.ts'
import type { LlmExchange } from '../pipeline/state.ts'
import type { WebSocketClientVerdict } from '../../../core/plugins/contract.ts'
import { RealtimeReader } from './realtime-reader.ts'
import { GeminiLiveReader } from './gemini-live-reader.ts'

export const REALTIME_ROUTE = 'realtime/v1/realtime'

/** ws_upstream_frame: hands the message to the exchange's reader, if this request is a realtime session. */
export function realtimeFrame(x: LlmExchange | undefined, frame: WebSocketFrame): void {
  if (x === undefined) return
  const h = x.handler
  if (h instanceof RealtimeReader) h.frame(frame.data, frame.binary)
  else if (h instanceof GeminiLiveReader) h.frame(frame.data)
}

/** ws_client_frame: a Gemini Live session's client message, read for its setup (vetted when the route fixes the model). */
export function realtimeClientFrame(x: LlmExchange | undefined, frame: WebSocketFrame): WebSocketClientVerdict {
  if (x !== undefined && x.handler instanceof GeminiLiveReader) return x.handler.clientFrame(frame.data)
}

/** Is this exchange a WebSocket session (either protocol)? */
export function isRealtime(x: LlmExchange): boolean {
  return x.handler instanceof RealtimeReader || x.handler instanceof GeminiLiveReader
}

/**
 * How a session ended: closed by either side with a close frame (`complete`), the client gone
 * without one (`client_aborted`), or the upstream lost (`upstream_failed`). A session refused
 * before its upgrade (an upstream refusal, a gateway error) is told as `complete` with its status.
 */
export function realtimeEnding(kong: Kong): LlmEnding {
  if (kong.client.isAborted()) return 'client_aborted'
  return kong.response.getStatus() === 101 && kong.service.response.getStatus() !== 101 ? 'upstream_failed' : 'complete'
}
