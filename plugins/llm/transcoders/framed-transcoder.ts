// The common half of the stream transcoders whose provider events arrive through a Framer and
// become OpenAI chunks: feed the framer, convert what completed, and end with `[DONE]` unless the
// provider's own end event already wrote it. Subclasses only say how events convert.
import type { Framer, StreamTranscoder, TokenUsage } from '../types.ts'
import { SSE_DONE } from './sse.ts'

export abstract class FramedTranscoder<E> implements StreamTranscoder {
  readonly usage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  finishReason: string | null = null
  /** events the framer completed and convert() has not taken yet */
  protected readonly events: E[] = []
  /** generated text, for estimates and payload logs */
  protected readonly parts: string[] = []
  /** the provider's end event was seen and `[DONE]` written */
  protected done = false

  constructor(private readonly framer: Framer<E>) {}

  get text(): string {
    return this.parts.join('')
  }

  push(chunk: Buffer): Buffer {
    this.framer.push(chunk, this.events)
    return this.convert()
  }

  end(): Buffer {
    this.framer.end(this.events)
    const out = this.convert()
    return this.done ? out : Buffer.concat([out, SSE_DONE])
  }

  /** Converts (and clears) `events`, returning the bytes to send now. */
  protected abstract convert(): Buffer
}
