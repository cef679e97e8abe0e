// Gemini stream → OpenAI chunks. streamGenerateContent answers one JSON array streamed in arbitrary
// splits (no `alt=sse`, as Kong calls it); a client that asked for `alt=sse` (native format) gets
// SSE `data:` events instead. The first byte tells which. Each element becomes one OpenAI chunk;
// usageMetadata is a running total, so usage is set, never added; the stream ends (`data: [DONE]`) at the
// array's closing `]` (or at the end of the upstream body).
// Spec: https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
import { randomUUID } from 'node:crypto'
import type { ChunkSink, Framer } from '../../types.ts'
import { JsonArrayFramer } from '../../transcoders/json-array.ts'
import { SseFramer, type SseEvent } from '../../transcoders/sse.ts'
import { FramedTranscoder } from '../../transcoders/framed-transcoder.ts'
import { ChunkLayout, OpenAiChunks } from '../../transcoders/openai-chunk.ts'
import { contentOf, createdOf, finishReasonOf, usageOf, type GeminiResponse } from './decode-response.ts'
import type { Json } from './encode-request.ts'

/**
 * Gemini's stream as element texts: a JSON array, or SSE `data:` events, as the first byte that is
 * not whitespace says. `finished` once the array's closing `]` or the upstream's [DONE] arrived.
 */
class GeminiFramer implements Framer<string> {
  finished = false
  private array: JsonArrayFramer | null = null
  private sse: SseFramer | null = null
  private readonly sseEvents: SseEvent[] = []

  push(chunk: Buffer, out: string[]): void {
    if (this.array === null && this.sse === null) {
      let i = 0
      while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d || chunk[i] === 0x09)) i++
      if (i === chunk.length) return
      if (chunk[i] === 0x5b) this.array = new JsonArrayFramer()
      else this.sse = new SseFramer()
    }
    if (this.array !== null) {
      this.array.push(chunk, out)
      if (this.array.done) this.finished = true
    } else {
      this.sse!.push(chunk, this.sseEvents)
      this.fromSse(out)
    }
  }

  end(out: string[]): void {
    this.array?.end(out)
    if (this.sse !== null) { this.sse.end(this.sseEvents); this.fromSse(out) }
  }

  /** SSE data payloads as elements; the upstream's own [DONE] finishes the stream. */
  private fromSse(out: string[]): void {
    for (const e of this.sseEvents) {
      if (e.data === '[DONE]') this.finished = true
      else if (e.data !== '') out.push(e.data)
    }
    // popped, not `length = 0`, which drops the backing store the next chunk allocates again
    const events = this.sseEvents
    while (events.length > 0) events.pop()
  }
}

export class GeminiStreamTranscoder extends FramedTranscoder<string> {
  private toolIndex = 0
  private readonly chunks: OpenAiChunks

  constructor(model: string, completions: boolean) {
    super(new GeminiFramer())
    this.chunks = new OpenAiChunks(ChunkLayout.openai, completions, null, 0, model)
  }

  override push(chunk: Buffer, sink: ChunkSink): void {
    if (this.done || chunk.length === 0) return
    super.push(chunk, sink)
  }

  override end(sink: ChunkSink): void {
    if (!this.done) super.end(sink)
  }

  /** Each element becomes chunks; the stream ends after the batch that finished it. */
  protected convert(sink: ChunkSink): void {
    for (const e of this.events) this.convertOne(e, sink)
    this.clearEvents()
    if ((this.framer as GeminiFramer).finished) this.finish(sink)
  }

  private convertOne(element: string, sink: ChunkSink): void {
    let ev: GeminiResponse
    try { ev = JSON.parse(element) as GeminiResponse } catch { return }
    if (!ev || typeof ev !== 'object') return
    if (ev.error) { sink.chunk({ error: ev.error }); return }
    const usage = usageOf(ev.usageMetadata)
    if (usage) Object.assign(this.usage, usage)
    if (typeof ev.modelVersion === 'string') this.responseModel = ev.modelVersion
    if (!ev.candidates?.length) {
      if (!ev.promptFeedback?.blockReason) return
      sink.chunk({ error: true, message: ev.promptFeedback.blockReasonMessage ?? null, reason: ev.promptFeedback.blockReason })
      return
    }
    const chunks = this.chunks
    if (chunks.id === null) {
      chunks.id = ev.responseId ?? `chatcmpl-${randomUUID()}`
      chunks.created = createdOf(ev.createTime)
    }
    for (let k = 0; k < ev.candidates.length; k++) {
      const c = ev.candidates[k]
      const { text, reasoning, toolCalls } = contentOf(c, this.toolIndex)
      if (toolCalls) this.toolIndex += toolCalls.length
      const finish = finishReasonOf(c.finishReason, toolCalls !== null)
      if (text === null && reasoning === null && toolCalls === null && finish === null) continue
      if (text !== null) this.keepText(text)
      if (finish !== null) this.finishReason = finish
      if (chunks.object === 'text_completion') sink.chunk(chunks.text(text ?? '', finish, c.index ?? k))
      else {
        const delta: Json = { role: 'assistant', content: text ?? (toolCalls ? null : '') }
        if (reasoning !== null) delta.reasoning_content = reasoning
        if (toolCalls) delta.tool_calls = toolCalls
        sink.chunk(chunks.delta(delta, finish, c.index ?? k))
      }
    }
  }
}
