// The stream transcoder of OpenAI-compatible providers: the upstream bytes are already OpenAI SSE,
// so every chunk is sent on as it came (no copy, no re-encoding) while a framer reads the events
// on the side for usage, text and finish reason. Kong re-emits OpenAI chunks verbatim too.
// The Responses API streams typed events instead of chunks: its text deltas and the usage of
// `response.completed` are read the same way.
// https://platform.openai.com/docs/api-reference/responses-streaming
import type { StreamTranscoder, TokenUsage } from '../types.ts'
import { toUsage } from '../pipeline/usage.ts'
import { SSE_DONE, SseFramer, type SseEvent } from './sse.ts'

interface Chunk {
  model?: unknown
  choices?: { delta?: { content?: unknown }; text?: unknown; finish_reason?: string | null }[]
  usage?: Partial<TokenUsage> | null
  /** Responses API events */
  type?: unknown
  delta?: unknown
  response?: { usage?: unknown; model?: unknown; status?: unknown }
}

export class OpenAiPassthroughTranscoder implements StreamTranscoder {
  readonly usage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  finishReason: string | null = null
  responseModel: string | null = null
  private readonly framer = new SseFramer()
  private readonly events: SseEvent[] = []
  private readonly parts: string[] = []
  private done = false
  /** a Responses API stream: it ends with response.completed, never with [DONE] */
  private responses = false

  get text(): string {
    return this.parts.join('')
  }

  push(chunk: Buffer): Buffer {
    this.framer.push(chunk, this.events)
    this.read()
    return chunk
  }

  end(): Buffer {
    this.framer.end(this.events)
    this.read()
    return this.done || this.responses ? Buffer.alloc(0) : SSE_DONE
  }

  private read(): void {
    const events = this.events
    for (let i = 0; i < events.length; i++) {
      const data = events[i]!.data
      if (data === '[DONE]') { this.done = true; continue }
      let c: Chunk
      try { c = JSON.parse(data) as Chunk } catch { continue }
      if (c === null || typeof c !== 'object') continue
      if (typeof c.model === 'string') this.responseModel = c.model
      const choice = c.choices?.[0]
      if (choice) {
        const piece = choice.delta?.content ?? choice.text
        if (typeof piece === 'string' && piece !== '') this.parts.push(piece)
        if (choice.finish_reason) this.finishReason = choice.finish_reason
      }
      if (typeof c.type === 'string' && c.type.startsWith('response.')) {
        this.readResponseEvent(c)
        continue
      }
      const u = c.usage
      if (u && typeof u === 'object') {
        this.usage.prompt_tokens = u.prompt_tokens ?? this.usage.prompt_tokens
        this.usage.completion_tokens = u.completion_tokens ?? this.usage.completion_tokens
        this.usage.total_tokens = u.total_tokens ?? this.usage.prompt_tokens + this.usage.completion_tokens
      }
    }
    events.length = 0
  }

  private readResponseEvent(c: Chunk): void {
    this.responses = true
    if (c.type === 'response.output_text.delta' && typeof c.delta === 'string') this.parts.push(c.delta)
    const r = c.response
    if (r === undefined || r === null || typeof r !== 'object') return
    if (typeof r.model === 'string') this.responseModel = r.model
    const u = toUsage(r.usage)
    if (u !== null) Object.assign(this.usage, u)
    if (c.type === 'response.completed') this.finishReason = 'stop'
    else if (c.type === 'response.incomplete') this.finishReason = 'length'
  }
}
