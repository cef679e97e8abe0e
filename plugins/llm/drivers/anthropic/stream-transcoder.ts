// Anthropic SSE (named events) → OpenAI chat.completion.chunk SSE.
// Spec: https://docs.anthropic.com/en/docs/build-with-claude/streaming
// Kong: anthropic.lua handle_stream_event, with the later fixes: tool-call indexes per tool (not
// always 0), stop reasons mapped and the finish reason sent in its own chunk (3.14.0.7).
import type { DriverContext, StreamTranscoder, TokenUsage } from '../../types.ts'
import { SSE_DONE, SseFramer, type SseEvent } from '../../transcoders/sse.ts'
import { STRUCTURED_OUTPUT_TOOL } from './encode-request.ts'
import { toFinishReason } from './stop-reasons.ts'

const EMPTY = Buffer.alloc(0)
const DONE = SSE_DONE.toString()

type Json = Record<string, unknown>

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

export class AnthropicStreamTranscoder implements StreamTranscoder {
  readonly usage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  finishReason: string | null = null
  /** the model message_start names (the chunks carry the configured one) */
  responseModel: string | null = null
  private readonly framer = new SseFramer()
  private readonly events: SseEvent[] = []
  private readonly parts: string[] = []
  private readonly out: string[] = []
  private id: string | null = null
  private model: string | null
  private created = 0
  /** Anthropic content-block index → OpenAI tool_calls index */
  private readonly toolIndex = new Map<number, number>()
  /** the block carrying response_format's forced tool: its JSON is the answer text */
  private structuredBlock = -1
  private done = false

  constructor(ctx: DriverContext) {
    this.model = ctx.model.name ?? null
  }

  get text(): string {
    return this.parts.join('')
  }

  push(chunk: Buffer): Buffer {
    this.framer.push(chunk, this.events)
    return this.flush()
  }

  /** Kong synthesises [DONE] when the stream ends without message_stop */
  end(): Buffer {
    this.framer.end(this.events)
    this.drain()
    if (!this.done) { this.out.push(DONE); this.done = true }
    return this.flush()
  }

  private drain(): void {
    const events = this.events
    for (let i = 0; i < events.length; i++) this.handle(events[i]!)
    events.length = 0
  }

  private flush(): Buffer {
    this.drain()
    if (this.out.length === 0) return EMPTY
    const b = Buffer.from(this.out.length === 1 ? this.out[0]! : this.out.join(''))
    this.out.length = 0
    return b
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
      case 'message_stop': this.out.push(DONE); this.done = true; return
      case 'completion': return this.completion(data)
      case 'error': this.out.push(`data: ${JSON.stringify({ error: data.error ?? data })}\n\n`); return
      default: return // ping, content_block_stop
    }
  }

  private start(message: Json | undefined): void {
    if (!message || typeof message !== 'object') return
    if (typeof message.id === 'string') this.id = message.id
    if (typeof message.model === 'string') {
      this.responseModel = message.model
      if (this.model === null) this.model = message.model
    }
    this.created = Math.floor(Date.now() / 1000)
    this.addUsage(message.usage as Json | undefined)
    this.chunk({ role: 'assistant', content: '' }, null)
  }

  private blockStart(index: number, block: Json | undefined): void {
    if (!block) return
    if (block.type === 'text') {
      const text = typeof block.text === 'string' ? block.text : ''
      if (text) this.parts.push(text)
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
      this.parts.push(delta.text)
      this.chunk({ content: delta.text }, null)
    } else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
      if (index === this.structuredBlock) {
        this.parts.push(delta.partial_json)
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
    if (text) this.parts.push(text)
    if (this.model === null && typeof data.model === 'string') this.model = data.model
    const finish = data.stop_reason ? toFinishReason(data.stop_reason) : null
    if (finish) this.finishReason = finish
    const c = { index: 0, text, finish_reason: finish, logprobs: null }
    this.out.push(`data: ${JSON.stringify({ id: this.id, object: 'text_completion', model: this.model, choices: [c] })}\n\n`)
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
    const choice = { index: 0, delta, finish_reason: finish, logprobs: null }
    const c = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [choice] }
    this.out.push(`data: ${JSON.stringify(c)}\n\n`)
  }
}

export function createAnthropicStream(ctx: DriverContext): StreamTranscoder {
  return new AnthropicStreamTranscoder(ctx)
}
