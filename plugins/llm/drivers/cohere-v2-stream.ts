// Cohere's v2 chat stream (document-grounded chat with `stream: true`) → OpenAI chunks. The v2
// stream is SSE whose events carry a `type`: message-start, content-delta (the text), citation-
// start (one citation: the span of the answer and the documents it cites), message-end (finish
// reason and usage). A citation goes to the client as the non-streamed answer has it, on the
// message: here a delta `{citations: [citation]}`, so the chunks joined give the same message.
// https://docs.cohere.com/v2/docs/streaming  https://docs.cohere.com/reference/chat-stream
import { randomUUID } from 'node:crypto'
import { isJsonObject, copyJson } from '../../../core/safe-merge.ts'
import { FramedTranscoder } from '../transcoders/framed-transcoder.ts'
import { ChunkLayout, OpenAiChunks } from '../transcoders/openai-chunk.ts'
import { SseFramer, type SseEvent } from '../transcoders/sse.ts'
import type { ChunkSink, DriverContext, TokenUsage } from '../types.ts'

type Json = Record<string, unknown>

export class CohereV2StreamTranscoder extends FramedTranscoder<SseEvent> {
  private readonly chunks: OpenAiChunks

  constructor(ctx: DriverContext, private readonly finishOf: (reason: unknown) => string, private readonly usageOf: (res: Json) => TokenUsage) {
    super(new SseFramer())
    this.chunks = new OpenAiChunks(ChunkLayout.cohere, false, `chatcmpl-${randomUUID()}`, Math.floor(Date.now() / 1000), ctx.model.name ?? null)
  }

  protected convert(sink: ChunkSink): void {
    const events = this.events
    for (const e of events) {
      if (this.done) break
      let v: unknown
      try { v = JSON.parse(e.data) } catch { continue }
      if (!isJsonObject(v)) continue
      const delta = isJsonObject(v.delta) ? v.delta : null
      const message = delta !== null && isJsonObject(delta.message) ? delta.message : null
      switch (v.type) {
        case 'message-start':
          if (typeof v.id === 'string') this.chunks.id = v.id
          sink.chunk(this.chunks.delta({ role: 'assistant', content: '' }, null))
          break
        case 'content-delta': {
          const c = message !== null && isJsonObject(message.content) ? message.content.text : undefined
          const text = typeof c === 'string' ? c : ''
          if (text) this.keepText(text)
          sink.chunk(this.chunks.delta({ content: text }, null))
          break
        }
        case 'citation-start': {
          // one citation per event; a copy of its own JSON keys only
          const c = message !== null && isJsonObject(message.citations) ? message.citations : null
          if (c !== null) sink.chunk(this.chunks.delta({ citations: [copyJson(c)] }, null))
          break
        }
        case 'message-end': {
          const u = this.usageOf({ usage: delta?.usage })
          this.usage.prompt_tokens = u.prompt_tokens
          this.usage.completion_tokens = u.completion_tokens
          this.usage.total_tokens = u.total_tokens
          this.finishReason = this.finishOf(delta?.finish_reason)
          sink.chunk(this.chunks.delta({}, this.finishReason))
          this.finish(sink)
          break
        }
        default:
          break // content-start, content-end, citation-end, tool-plan and tool-call events: nothing to map
      }
    }
    this.clearEvents()
  }
}
