// The one shape of a stream converter: a Framer cuts the provider's bytes into events, convert()
// turns the completed events into OpenAI chunks in the sink, and the stream ends with done() unless
// the provider's own end event already gave it. Subclasses only say how events convert.
import type { ChunkSink, Framer, StreamTranscoder, TokenUsage } from '../types.ts'

/**
 * The most generated text a converter keeps, in UTF-16 code units (at most 2 MiB of memory): the
 * upstream decides how long a stream runs, and the kept text is only read for payload logs and
 * ai-semantic-cache, which stores no answer above 1 MiB anyway (its MAX_STORED_BYTES). Past it
 * the text is counted (textLength, for Kong's estimate) but not kept, and textCut says so.
 */
export const MAX_KEPT_TEXT = 1024 * 1024

/** Deltas joined into one string every RUN pieces: a string per tiny delta costs more than its text. */
const RUN = 64

export abstract class FramedTranscoder<E> implements StreamTranscoder {
  readonly usage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  finishReason: string | null = null
  /** the model the provider names in its events, if any */
  responseModel: string | null = null
  /** events the framer completed and convert() has not taken yet */
  protected readonly events: E[] = []
  /** every code unit of generated text seen, kept or not (Kong's estimate reads its length) */
  textLength = 0
  /** the text went past MAX_KEPT_TEXT: `text` is its head only */
  textCut = false
  /** the generated text kept: runs of RUN deltas joined, then the latest deltas */
  private readonly runs: string[] = []
  private readonly parts: string[] = []
  private kept = 0
  /** the provider's end event was seen and done() given */
  protected done = false

  constructor(protected readonly framer: Framer<E>) {}

  /** the generated text kept (read at the end, maybe several times: joined once) */
  get text(): string {
    const runs = this.runs
    if (this.parts.length > 0) this.closeRun()
    if (runs.length > 1) {
      const all = runs.join('')
      while (runs.length > 0) runs.pop()
      runs.push(all)
    }
    return runs.length === 0 ? '' : runs[0]!
  }

  /** A piece of the generated text: kept up to MAX_KEPT_TEXT, counted always. */
  protected keepText(text: string): void {
    this.textLength += text.length
    if (this.textCut) return
    const room = MAX_KEPT_TEXT - this.kept
    if (text.length > room) {
      this.textCut = true
      // never half a surrogate pair at the cut
      const at = room > 0 && isHighSurrogate(text.charCodeAt(room - 1)) ? room - 1 : room
      if (at === 0) return
      text = text.slice(0, at)
    }
    this.kept += text.length
    const parts = this.parts
    parts.push(text)
    if (parts.length === RUN) this.closeRun()
  }

  private closeRun(): void {
    const parts = this.parts
    this.runs.push(parts.join(''))
    while (parts.length > 0) parts.pop()
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

  /** Converts (and clears, with clearEvents) `events` into the sink; generated text goes to keepText. */
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

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff
}
