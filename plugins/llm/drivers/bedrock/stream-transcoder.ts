// Bedrock ConverseStream (binary event-stream) → OpenAI chunks (Kong's handle_stream_event).
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
import { randomUUID } from 'node:crypto'
import type { ChunkSink, DriverContext, StreamTranscoder } from '../../types.ts'
import { createAwsEventStreamFramer, type AwsEvent } from '../../transcoders/aws-event-stream.ts'
import { FramedTranscoder } from '../../transcoders/framed-transcoder.ts'
import { ChunkLayout, OpenAiChunks } from '../../transcoders/openai-chunk.ts'
import { STRUCTURED_OUTPUT_TOOL } from './encode-request.ts'
import { finishReasonOf, usageOf } from './decode-response.ts'

const utf8 = new TextDecoder()

interface StreamBody {
  role?: string
  contentBlockIndex?: number
  start?: { toolUse?: { toolUseId?: string; name?: string } }
  delta?: { text?: string; toolUse?: { input?: string } }
  stopReason?: string
  usage?: { inputTokens?: number; outputTokens?: number; totalTokens?: number }
  message?: string
}

class BedrockStreamTranscoder extends FramedTranscoder<AwsEvent> {
  private readonly chunks: OpenAiChunks
  // OpenAI numbers tool calls 0, 1, ...; Bedrock numbers content blocks, text ones included
  private readonly toolIndex = new Map<number, number>()
  private structuredBlock = -1

  constructor(ctx: DriverContext) {
    super(createAwsEventStreamFramer())
    this.chunks = new OpenAiChunks(ChunkLayout.bedrock, false, `chatcmpl-${randomUUID()}`, Math.floor(Date.now() / 1000), ctx.model.name ?? null)
  }

  /** Nothing is read after the metadata event (or a corrupt frame) ended the stream. */
  override push(bytes: Buffer, sink: ChunkSink): void {
    if (this.done) return
    try {
      this.framer.push(bytes, this.events)
    } catch (e) {
      // a corrupt frame (bad length or CRC): nothing after it can be trusted, so end cleanly
      this.convert(sink)
      if (this.done) return
      sink.chunk({ error: { message: `invalid event stream from Bedrock: ${(e as Error).message}` } })
      this.finish(sink)
      return
    }
    this.convert(sink)
  }

  override end(sink: ChunkSink): void {
    if (!this.done) super.end(sink)
  }

  protected convert(sink: ChunkSink): void {
    // the rest of a batch converts even after metadata ended the stream; later pushes are ignored
    for (const event of this.events) this.convertOne(event, sink)
    this.clearEvents()
  }

  private convertOne(event: AwsEvent, sink: ChunkSink): void {
    let body: StreamBody
    try {
      body = JSON.parse(utf8.decode(event.body))
    } catch {
      return
    }
    if (body === null || typeof body !== 'object') return
    if (event.messageType !== 'event') {
      // a mid-stream failure (throttlingException, ...): OpenAI clients raise on an `error` event
      sink.chunk({ error: { message: body.message ?? event.type, type: event.type } })
      return
    }
    const chunks = this.chunks
    const block = body.contentBlockIndex ?? 0
    switch (event.type) {
      case 'messageStart':
        sink.chunk(chunks.delta({ role: body.role ?? 'assistant', content: '' }, null))
        return
      case 'contentBlockStart': {
        const use = body.start?.toolUse
        if (use === undefined) return
        if (use.name === STRUCTURED_OUTPUT_TOOL) {
          this.structuredBlock = block
          sink.chunk(chunks.delta({ role: 'assistant', content: '' }, null))
          return
        }
        const index = this.toolIndex.size
        this.toolIndex.set(block, index)
        sink.chunk(chunks.delta({ tool_calls: [{ index, id: use.toolUseId, type: 'function', function: { name: use.name, arguments: '' } }] }, null))
        return
      }
      case 'contentBlockDelta': {
        const delta = body.delta
        if (delta === undefined) return
        if (delta.toolUse !== undefined) {
          const args = delta.toolUse.input ?? ''
          if (block === this.structuredBlock) {
            this.keepText(args)
            sink.chunk(chunks.delta({ content: args }, null))
            return
          }
          sink.chunk(chunks.delta({ tool_calls: [{ index: this.toolIndex.get(block) ?? 0, function: { arguments: args } }] }, null))
          return
        }
        // with structured output, chatter around the forced tool call is not the answer
        if (typeof delta.text !== 'string' || delta.text === '' || this.structuredBlock >= 0) return
        this.keepText(delta.text)
        sink.chunk(chunks.delta({ content: delta.text }, null))
        return
      }
      case 'messageStop':
        this.finishReason = this.structuredBlock >= 0 && body.stopReason === 'tool_use' ? 'stop' : finishReasonOf(body.stopReason)
        sink.chunk(chunks.delta({}, this.finishReason))
        return
      case 'metadata': {
        const u = usageOf(body.usage)
        if (u) Object.assign(this.usage, u)
        this.finish(sink)
        return
      }
      default:
        // contentBlockStop carries nothing OpenAI needs
        return
    }
  }
}

export function createBedrockTranscoder(ctx: DriverContext): StreamTranscoder {
  return new BedrockStreamTranscoder(ctx)
}
