// Anthropic SSE (named events) → OpenAI chat.completion.chunk objects (transcoders/openai-chunk.ts).
// Spec: https://docs.anthropic.com/en/docs/build-with-claude/streaming
// Kong: anthropic.lua handle_stream_event, with the later fixes: tool-call indexes per tool (not
// always 0), stop reasons mapped and the finish reason sent in its own chunk (3.14.0.7).
import type { ChunkSink, DriverContext, StreamTranscoder } from '../../types.ts'
import { SseFramer, type SseEvent } from '../../transcoders/sse.ts'
import { FramedTranscoder } from '../../transcoders/framed-transcoder.ts'
import { ChunkLayout, OpenAiChunks } from '../../transcoders/openai-chunk.ts'
import { STRUCTURED_OUTPUT_TOOL } from './encode-request.ts'
import { toFinishReason } from './stop-reasons.ts'

type Json = Record<string, unknown>

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** Kong synthesises [DONE] when the stream ends without message_stop (FramedTranscoder.end). */
export class AnthropicStreamTranscoder extends FramedTranscoder<SseEvent> {
  /** the model message_start names is responseModel; the chunks carry the configured one */
  private readonly chunks: OpenAiChunks
  /** the legacy /v1/complete stream's chunks */
  private readonly completions: OpenAiChunks
  /** Anthropic content-block index → OpenAI tool_calls index */
  private readonly toolIndex = new Map<number, number>()
  /** the block carrying response_format's forced tool: its JSON is the answer text */
  private structuredBlock = -1
  private sink: ChunkSink | null = null

  constructor(ctx: DriverContext) {
    super(new SseFramer())
    this.chunks = new OpenAiChunks(ChunkLayout.openai, false, null, 0, ctx.model.name ?? null)
    this.completions = new OpenAiChunks(ChunkLayout.legacy, true, null, 0, ctx.model.name ?? null)
  }

  protected convert(sink: ChunkSink): void {
    this.sink = sink
    const events = this.events
    for (let i = 0; i < events.length; i++) this.handle(events[i]!)
    this.clearEvents()
  }

  private handle(e: SseEvent): void {
    if (this.done || e.data === '') return
    let data: Json
    try { data = JSON.parse(e.data) as Json } catch { return }
    if (data === null || typeof data !== 'object') return
    // some relays drop the `event:` line; the payload's type says the same
    switch (e.event ?? data.type) {
      case 'message_start': return this.start(data.message as Json | undefined)
      case 'content_block_start': return this.blockStart(num(data.index) ?? 0, data.content_block as Json | undefined)
      case 'content_block_delta': return this.blockDelta(num(data.index) ?? 0, data.delta as Json | undefined)
      case 'message_delta': return this.messageDelta(data)
      case 'message_stop': this.finish(this.sink!); return
      case 'completion': return this.completion(data)
      case 'error': this.sink!.chunk({ error: data.error ?? data }); return
      default: return // ping, content_block_stop
    }
  }

  private start(message: Json | undefined): void {
    if (!message || typeof message !== 'object') return
    if (typeof message.id === 'string') this.chunks.id = this.completions.id = message.id
    if (typeof message.model === 'string') {
      this.responseModel = message.model
      if (this.chunks.model === null) this.chunks.model = this.completions.model = message.model
    }
    this.chunks.created = Math.floor(Date.now() / 1000)
    this.addUsage(message.usage as Json | undefined)
    this.chunk({ role: 'assistant', content: '' }, null)
  }

  private blockStart(index: number, block: Json | undefined): void {
    if (!block) return
    if (block.type === 'text') {
      const text = typeof block.text === 'string' ? block.text : ''
      if (text) this.keepText(text)
      this.chunk({ role: 'assistant', content: text }, null)
    } else if (block.type === 'tool_use') {
      if (block.name === STRUCTURED_OUTPUT_TOOL) {
        this.structuredBlock = index
        this.chunk({ role: 'assistant', content: '' }, null)
        return
      }
      const at = this.toolIndex.size
      this.toolIndex.set(index, at)
      const call = { index: at, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }
      this.chunk({ role: 'assistant', content: null, tool_calls: [call] }, null)
    }
  }

  private blockDelta(index: number, delta: Json | undefined): void {
    if (!delta) return
    if (delta.type === 'text_delta' && typeof delta.text === 'string') {
      this.keepText(delta.text)
      this.chunk({ content: delta.text }, null)
    } else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
      if (index === this.structuredBlock) {
        this.keepText(delta.partial_json)
        this.chunk({ content: delta.partial_json }, null)
        return
      }
      const call = { index: this.toolIndex.get(index) ?? 0, function: { arguments: delta.partial_json } }
      this.chunk({ tool_calls: [call] }, null)
    } else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string') {
      this.chunk({ reasoning_content: delta.thinking }, null)
    }
  }

  private messageDelta(data: Json): void {
    this.addUsage(data.usage as Json | undefined)
    const stop = (data.delta as Json | undefined)?.stop_reason
    if (stop === undefined || stop === null) return
    this.finishReason = this.structuredBlock >= 0 ? 'stop' : toFinishReason(stop)
    this.chunk({}, this.finishReason)
  }

  /** legacy /v1/complete stream: `event: completion` with the text piece and, last, a stop_reason */
  private completion(data: Json): void {
    const text = typeof data.completion === 'string' ? data.completion : ''
    if (text) this.keepText(text)
    if (this.completions.model === null && typeof data.model === 'string') this.chunks.model = this.completions.model = data.model
    const finish = data.stop_reason ? toFinishReason(data.stop_reason) : null
    if (finish) this.finishReason = finish
    this.sink!.chunk(this.completions.text(text, finish))
  }

  /** Anthropic's counts are running totals (message_delta repeats them): set, never add. */
  private addUsage(u: Json | undefined): void {
    if (!u || typeof u !== 'object') return
    const input = num(u.input_tokens)
    if (input !== undefined) {
      this.usage.prompt_tokens = input + (num(u.cache_creation_input_tokens) ?? 0) + (num(u.cache_read_input_tokens) ?? 0)
    }
    const output = num(u.output_tokens)
    if (output !== undefined) this.usage.completion_tokens = output
    this.usage.total_tokens = this.usage.prompt_tokens + this.usage.completion_tokens
  }

  private chunk(delta: Json, finish: string | null): void {
    this.sink!.chunk(this.chunks.delta(delta, finish))
  }
}

export function createAnthropicStream(ctx: DriverContext): StreamTranscoder {
  return new AnthropicStreamTranscoder(ctx)
}
