// Where a stream converter's OpenAI chunks go, serialized once for the client's format:
//  - OpenAiSseSink: `data: <json>\n\n` per chunk, `data: [DONE]\n\n` at done(); an upstream that
//    already speaks OpenAI SSE is forwarded byte for byte (verbatim).
//  - EncoderSink: the client format's stream encoder (Anthropic events, Gemini events, ...) on the
//    chunk objects themselves: no OpenAI SSE is written and read back in between.
//  - IncludeUsageSink: OpenAI's `stream_options.include_usage` chunk in front of done().
//  - DISCARD: a native stream read on the side for statistics; nothing is written.
import type { ChunkSink, TokenUsage } from '../types.ts'
import { SSE_DONE } from './sse.ts'
import { usageChunk } from './openai-chunk.ts'

type Json = Record<string, unknown>

const EMPTY = Buffer.alloc(0)

/**
 * The buffers gathered between two takes. Emptying an array with `length = 0` drops its backing
 * store, so the next chunk's push allocated a new one: per chunk of every stream. The slots are
 * reused instead, and cleared at each take so a sent chunk is not kept until the next one.
 */
class Pending {
  private readonly list: Buffer[] = []
  private n = 0

  push(b: Buffer): void {
    this.list[this.n++] = b
  }

  /** everything since the last take, as one buffer (the same buffer when there was one) */
  take(): Buffer {
    const n = this.n
    if (n === 0) return EMPTY
    const list = this.list
    let out: Buffer
    if (n === 1) out = list[0]!
    else {
      let total = 0
      for (let i = 0; i < n; i++) total += list[i]!.length
      out = Buffer.allocUnsafe(total)
      let at = 0
      for (let i = 0; i < n; i++) at += list[i]!.copy(out, at)
    }
    for (let i = 0; i < n; i++) list[i] = EMPTY
    this.n = 0
    return out
  }
}

/** A sink the pipeline drains after each upstream chunk. */
export interface StreamSink extends ChunkSink {
  /** the client's bytes gathered since the last take; at the end of the stream, with the format's closing events */
  take(eof: boolean): Buffer
}

export class OpenAiSseSink implements StreamSink {
  readonly verbatim = true
  private readonly out = new Pending()
  private text = ''

  chunk(c: Json): void {
    this.text += `data: ${JSON.stringify(c)}\n\n`
  }

  forward(bytes: Buffer): void {
    this.flushText()
    if (bytes.length > 0) this.out.push(bytes)
  }

  done(): void {
    this.flushText()
    this.out.push(SSE_DONE)
  }

  take(): Buffer {
    this.flushText()
    // a forwarded upstream chunk goes on as the same buffer, not a copy
    return this.out.take()
  }

  private flushText(): void {
    if (this.text === '') return
    this.out.push(Buffer.from(this.text))
    this.text = ''
  }
}

/** The client format's native stream encoder, fed the chunk objects. */
export interface FormatEncoder {
  push(chunk: Json): Buffer
  end(): Buffer
}

export class EncoderSink implements StreamSink {
  readonly verbatim = false
  private readonly out = new Pending()

  constructor(private readonly encoder: FormatEncoder) {}

  chunk(c: Json): void {
    const b = this.encoder.push(c)
    if (b.length > 0) this.out.push(b)
  }

  /** never called: a converter forwards only to a verbatim sink */
  forward(): void {}

  /** the format's end events come at the end of the upstream body (take(true)), [DONE] or not */
  done(): void {}

  take(eof: boolean): Buffer {
    if (eof) {
      const end = this.encoder.end()
      if (end.length > 0) this.out.push(end)
    }
    return this.out.take()
  }
}

/**
 * `stream_options.include_usage` for converted streams (Kong 3.13): an OpenAI client that asked
 * for usage gets OpenAI's last chunk, `choices: []` with `usage`, right before the end, whatever
 * the provider. `usageNow` is asked at that point: every converter ends after the events carrying
 * the provider's usage. https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options
 */
export class IncludeUsageSink implements StreamSink {
  private head: Json | null = null
  private sent = false

  constructor(private readonly inner: StreamSink, private readonly usageNow: () => TokenUsage, private readonly model: string | null) {}

  get verbatim(): boolean { return this.inner.verbatim }

  chunk(c: Json): void {
    this.head ??= c
    this.inner.chunk(c)
  }

  forward(bytes: Buffer): void {
    this.inner.forward(bytes)
  }

  done(): void {
    if (!this.sent) {
      this.sent = true
      this.inner.chunk(usageChunk(this.head, this.usageNow(), this.model))
    }
    this.inner.done()
  }

  take(eof: boolean): Buffer {
    return this.inner.take(eof)
  }
}

/** Nothing reaches the client from here: a native stream read aside, or a stream that failed. */
export const DISCARD: StreamSink = {
  verbatim: true,
  chunk() {},
  forward() {},
  done() {},
  take: () => EMPTY,
}
