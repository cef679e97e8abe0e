// The stream converter of OpenAI-compatible providers: the upstream bytes are already OpenAI SSE,
// so an OpenAI client gets every chunk as it came (no copy, no re-encoding; Kong re-emits OpenAI
// chunks verbatim too) while the events are read on the side for usage, text and finish reason;
// another client format gets the parsed chunks themselves. A verbatim stream is read on its bytes
// (openai-chunk-scan.ts): only an event carrying usage (once per stream) is parsed.
// The Responses API streams typed events instead of chunks: its text deltas and the usage of
// `response.completed` are read the same way.
// https://platform.openai.com/docs/api-reference/responses-streaming
import type { ChunkSink } from '../types.ts'
import { toUsage } from '../pipeline/usage.ts'
import { FramedTranscoder } from './framed-transcoder.ts'
import { SseFramer, type SseEvent } from './sse.ts'
import { OpenAiChunkScan, type ChunkStats } from './openai-chunk-scan.ts'

interface Chunk {
  model?: unknown
  choices?: { delta?: { content?: unknown }; text?: unknown; finish_reason?: string | null }[]
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null
  /** Responses API events */
  type?: unknown
  delta?: unknown
  response?: { usage?: unknown; model?: unknown; status?: unknown }
}

export class OpenAiPassthroughTranscoder extends FramedTranscoder<SseEvent> implements ChunkStats {
  /** a Responses API stream: it ends with response.completed, never with [DONE] */
  private responses = false
  /** the first push decided how events are read: the sink is the same for the whole stream */
  private started = false

  constructor() {
    super(new SseFramer())
  }

  override push(chunk: Buffer, sink: ChunkSink): void {
    if (!this.started) {
      this.started = true
      // the client gets the upstream's bytes: no chunk object is made, the events are scanned
      if (sink.verbatim) (this.framer as SseFramer).readWith(new OpenAiChunkScan(this))
    }
    this.framer.push(chunk, this.events)
    if (sink.verbatim) sink.forward(chunk)
    this.convert(sink)
  }

  /** The upstream's own [DONE] went out with its bytes; a stream that stopped without one gets it. */
  protected override finish(sink: ChunkSink): void {
    if (!this.done && !this.responses) sink.done()
    this.done = true
  }

  protected convert(sink: ChunkSink): void {
    const events = this.events
    for (let i = 0; i < events.length; i++) {
      const data = events[i]!.data
      if (data === '[DONE]') { this.done = true; continue }
      const c = this.read(data)
      if (c !== null && !sink.verbatim) sink.chunk(c as Record<string, unknown>)
    }
    this.clearEvents()
  }

  // ChunkStats: what the scan of a verbatim stream reports
  piece(text: string): void { this.keepText(text) }
  ended(): void { this.done = true }
  readEvent(data: string): void { this.read(data) }

  /** One event's JSON: its model, text, finish reason and usage; the parsed chunk, null when not an object. */
  private read(data: string): Chunk | null {
    let c: Chunk
    try { c = JSON.parse(data) as Chunk } catch { return null }
    if (c === null || typeof c !== 'object') return null
    if (typeof c.model === 'string') this.responseModel = c.model
    const choice = c.choices?.[0]
    if (choice) {
      const piece = choice.delta?.content ?? choice.text
      if (typeof piece === 'string' && piece !== '') this.keepText(piece)
      if (choice.finish_reason) this.finishReason = choice.finish_reason
    }
    if (typeof c.type === 'string' && c.type.startsWith('response.')) {
      this.readResponseEvent(c)
      return c
    }
    const u = c.usage
    if (u && typeof u === 'object') {
      this.usage.prompt_tokens = u.prompt_tokens ?? this.usage.prompt_tokens
      this.usage.completion_tokens = u.completion_tokens ?? this.usage.completion_tokens
      this.usage.total_tokens = u.total_tokens ?? this.usage.prompt_tokens + this.usage.completion_tokens
    }
    return c
  }

  private readResponseEvent(c: Chunk): void {
    this.responses = true
    if (c.type === 'response.output_text.delta' && typeof c.delta === 'string') this.keepText(c.delta)
    const r = c.response
    if (r === undefined || r === null || typeof r !== 'object') return
    if (typeof r.model === 'string') this.responseModel = r.model
    const u = toUsage(r.usage)
    if (u !== null) Object.assign(this.usage, u)
    if (c.type === 'response.completed') this.finishReason = 'stop'
    else if (c.type === 'response.incomplete') this.finishReason = 'length'
  }
}
