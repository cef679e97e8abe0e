// The response handler of a realtime session (route type realtime/v1/realtime): it reads the
// upstream's messages as the `ws_upstream_frame` phase hands them over, and sums the `usage` of
// each `response.done` event (OpenAI's Realtime API; Azure's is the same), so the session ends in
// one LlmOutcome with the session's tokens. Frames are never kept: only text frames that name
// `response.done` are parsed (audio deltas are base64 and never contain the quoted event name),
// and one bounded by the gateway's frame cap at that.
// https://platform.openai.com/docs/api-reference/realtime-server-events/response/done
import type { TokenUsage } from '../types.ts'
import type { ResponseHandler } from '../pipeline/response-handler.ts'

const DONE = Buffer.from('"response.done"')
const SESSION = Buffer.from('"session.created"')
const MAX_MODEL_NAME = 256

function count(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0
}

function objectAt(o: unknown, key: string): Record<string, unknown> | null {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return null
  const d = Object.getOwnPropertyDescriptor(o, key)
  const v: unknown = d?.value
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
}

/** a session answers many responses: a trace keeps the first statuses only */
const MAX_STATUSES = 32

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.getOwnPropertyDescriptor(o, key)?.value
}

export class RealtimeReader implements ResponseHandler {
  readonly kind = 'realtime' as const
  firstByteAt = 0
  private prompt = 0
  private completion = 0
  private total = 0
  private responses = 0
  private model: string | null = null
  /** each response's `status` (OpenAI's realtime finish reason), kept for a tracing plugin; bounded */
  private readonly statuses: string[] = []

  /** One upstream message (ws_upstream_frame). */
  frame(data: Buffer, binary: boolean): void {
    if (this.firstByteAt === 0) this.firstByteAt = performance.now()
    if (binary) return
    const done = data.includes(DONE)
    if (!done && (this.model !== null || !data.includes(SESSION))) return
    let event: unknown
    try { event = JSON.parse(data.toString('utf8')) } catch { return }
    if (event === null || typeof event !== 'object') return
    const type = own(event as Record<string, unknown>, 'type')
    if (type === 'session.created') {
      const m = own(objectAt(event, 'session') ?? {}, 'model')
      if (typeof m === 'string' && m.length <= MAX_MODEL_NAME) this.model = m
      return
    }
    if (type !== 'response.done') return
    const status = own(objectAt(event, 'response') ?? {}, 'status')
    if (typeof status === 'string' && status.length <= 64 && this.statuses.length < MAX_STATUSES) this.statuses.push(status)
    const usage = objectAt(objectAt(event, 'response'), 'usage')
    if (usage === null) return
    const input = count(own(usage, 'input_tokens'))
    const output = count(own(usage, 'output_tokens'))
    this.prompt += input
    this.completion += output
    this.total += count(own(usage, 'total_tokens')) || input + output
    this.responses++
  }

  body(): void { /* a WebSocket session has no HTTP body */ }

  usage(): TokenUsage | null {
    if (this.responses === 0) return null
    return { prompt_tokens: this.prompt, completion_tokens: this.completion, total_tokens: this.total }
  }

  responseModel(): string | null {
    return this.model
  }

  finishReasons(): readonly string[] {
    return this.statuses
  }

  /** log_payloads: a session is not logged frame by frame; its summed usage stands for it */
  payload(usage: TokenUsage): string {
    return JSON.stringify({ object: 'realtime.session', responses: this.responses, usage })
  }
}
