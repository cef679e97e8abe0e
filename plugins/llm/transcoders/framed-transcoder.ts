// The one shape of a stream converter: a Framer cuts the provider's bytes into events, convert()
// turns the completed events into OpenAI chunks in the sink, and the stream ends with done() unless
// the provider's own end event already gave it. Subclasses only say how events convert.
import type { ChunkSink, Framer, StreamTranscoder, TokenUsage } from '../types.ts'

export abstract class FramedTranscoder<E> implements StreamTranscoder {
  readonly usage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  finishReason: string | null = null
  /** the model the provider names in its events, if any */
  responseModel: string | null = null
  /** events the framer completed and convert() has not taken yet */
  protected readonly events: E[] = []
  /** generated text, for estimates and payload logs */
  protected readonly parts: string[] = []
  /** the provider's end event was seen and done() given */
  protected done = false

  constructor(protected readonly framer: Framer<E>) {}

  get text(): string {
    return this.parts.join('')
  }

  push(chunk: Buffer, sink: ChunkSink): void {
    this.framer.push(chunk, this.events)
    this.convert(sink)
  }

  end(sink: ChunkSink): void {
    this.framer.end(this.events)
    this.convert(sink)
    this.finish(sink)
  }

  /** The stream's end, once. */
  protected finish(sink: ChunkSink): void {
    if (this.done) return
    this.done = true
    sink.done()
  }

  /** Converts (and clears, with clearEvents) `events` into the sink. */
  protected abstract convert(sink: ChunkSink): void

  /**
   * Empties `events` keeping its backing store: `length = 0` drops the store, and the next
   * chunk's first event allocated a new one (about 150 bytes per chunk of every stream).
   */
  protected clearEvents(): void {
    const events = this.events
    while (events.length > 0) events.pop()
  }
}
