// OpenAI chat.completion.chunk objects → Anthropic Messages SSE (named events).
// Spec: https://docs.anthropic.com/en/docs/build-with-claude/streaming
// Anthropic clients ignore events without an `event:` line and need every block opened
// (content_block_start) before its deltas and closed before the next one; message_delta carries
// the stop reason and usage, which OpenAI streams send last, so it is written at end().
import { toStopReason } from '../../drivers/anthropic/stop-reasons.ts'
import { anthropicError, anthropicUsage } from './encode-response.ts'

type Json = Record<string, unknown>

const EMPTY = Buffer.alloc(0)

function event(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`
}

export class AnthropicStreamEncoder {
  private started = false
  private ended = false
  /** the Anthropic block being written, -1 when none */
  private openBlock = -1
  private openIsText = false
  private nextBlock = 0
  /** OpenAI tool_calls index → Anthropic block index */
  private readonly toolBlocks = new Map<number, number>()
  private finish: string | null = null
  private usage: unknown = null
  private readonly out: string[] = []

  push(chunk: Json): Buffer {
    if (this.ended) return EMPTY
    if (chunk.error && !Array.isArray(chunk.choices)) {
      // Anthropic clients raise an APIError on this event; nothing may follow it
      this.out.push(event('error', anthropicError(chunk.error === true ? chunk.message : chunk.error)))
      this.ended = true
      return this.flush()
    }
    if (!this.started) this.start(chunk)
    if (chunk.usage && typeof chunk.usage === 'object') this.usage = chunk.usage
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as Json | undefined) : undefined
    if (choice) {
      const delta = (choice.delta as Json | undefined) ?? {}
      const text = typeof delta.content === 'string' ? delta.content : typeof choice.text === 'string' ? choice.text : ''
      if (text) this.text(text)
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls as Json[]) if (call) this.tool(call)
      if (typeof choice.finish_reason === 'string') this.finish = choice.finish_reason
    }
    return this.flush()
  }

  end(): Buffer {
    if (this.ended) return EMPTY
    if (!this.started) this.start({})
    this.close()
    // a model that called tools stops for them, whatever the provider's finish reason says
    const stop = this.toolBlocks.size > 0 && this.finish !== 'length' ? 'tool_use' : toStopReason(this.finish)
    this.out.push(event('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: anthropicUsage(this.usage) }))
    this.out.push(event('message_stop', { type: 'message_stop' }))
    this.ended = true
    return this.flush()
  }

  private start(chunk: Json): void {
    this.started = true
    const usage = anthropicUsage(chunk.usage)
    usage.output_tokens = 0
    const message = {
      id: typeof chunk.id === 'string' ? chunk.id : 'msg_gateway',
      type: 'message',
      role: 'assistant',
      model: chunk.model ?? null,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    }
    this.out.push(event('message_start', { type: 'message_start', message }))
  }

  private text(text: string): void {
    if (!this.openIsText) {
      this.close()
      this.openBlock = this.nextBlock++
      this.openIsText = true
      this.out.push(event('content_block_start', { type: 'content_block_start', index: this.openBlock, content_block: { type: 'text', text: '' } }))
    }
    this.out.push(event('content_block_delta', { type: 'content_block_delta', index: this.openBlock, delta: { type: 'text_delta', text } }))
  }

  private tool(call: Json): void {
    const at = typeof call.index === 'number' ? call.index : 0
    const fn = (call.function as Json | undefined) ?? {}
    let block = this.toolBlocks.get(at)
    if (block === undefined) {
      this.close()
      block = this.nextBlock++
      this.toolBlocks.set(at, block)
      this.openBlock = block
      const content_block = { type: 'tool_use', id: typeof call.id === 'string' ? call.id : `toolu_${at}`, name: fn.name ?? '', input: {} }
      this.out.push(event('content_block_start', { type: 'content_block_start', index: block, content_block }))
    }
    if (typeof fn.arguments === 'string' && fn.arguments !== '') {
      this.out.push(event('content_block_delta', { type: 'content_block_delta', index: block, delta: { type: 'input_json_delta', partial_json: fn.arguments } }))
    }
  }

  private close(): void {
    if (this.openBlock < 0) return
    this.out.push(event('content_block_stop', { type: 'content_block_stop', index: this.openBlock }))
    this.openBlock = -1
    this.openIsText = false
  }

  private flush(): Buffer {
    if (this.out.length === 0) return EMPTY
    const out = this.out
    const b = Buffer.from(out.join(''))
    // popped, not `length = 0`, which drops the backing store the next chunk allocates again
    while (out.length > 0) out.pop()
    return b
  }
}
