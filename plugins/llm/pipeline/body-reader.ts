// Response handlers `passthrough` (an OpenAI-shaped answer) and `native` (the client's own API):
// the upstream's bytes go on as they come. A copy is kept only when something reads the answer
// (statistics, payload logs, a balancer learning from tokens), capped at MAX_RESPONSE_BYTES, and
// read once at the end: OpenAI's usage cut out of its tail (usage.ts), or the client format's
// usage reader.
import type { Kong } from '../../../pdk/index.ts'
import type { BodyChunk } from '../../../core/plugins/contract.ts'
import type { ClientFormat, TokenUsage } from '../types.ts'
import type { ResponseHandler } from './response-handler.ts'
import { DECODE_WHOLE_MAX, usageOfOpenAi } from './usage.ts'
import { finishReasonsOf, finishReasonsOfBytes } from './finish-reasons.ts'
import { inflateBody, MAX_RESPONSE_BYTES } from './inflate.ts'

const EMPTY = Buffer.alloc(0)

export class BodyReader implements ResponseHandler {
  readonly firstByteAt = 0
  private chunks: Buffer[] | null = null
  private bytes = 0
  private u: TokenUsage | null = null
  private model: string | null = null
  private text: string | null = null
  /**
   * the copy read at the end, for finishReasons() (asked only by a tracing plugin): the text the
   * usage was read from when the answer was short enough to be decoded whole, else the bytes
   * (searched as bytes: a long answer is never decoded whole)
   */
  private readText: string | null = null
  private read: Buffer | null = null

  /**
   * @param keep a copy of the answer is read at the end
   * @param payloads the answer is logged (log_payloads)
   * @param format the client format reading a native answer's usage; null for passthrough
   */
  constructor(readonly kind: 'passthrough' | 'native', private readonly keep: boolean, private readonly payloads: boolean, private readonly format: ClientFormat | null) {}

  body(kong: Kong, chunk: BodyChunk): void {
    if (this.keep && this.bytes <= MAX_RESPONSE_BYTES) {
      // the copy is capped; the client's bytes are not held
      this.bytes += chunk.data.length
      if (this.bytes <= MAX_RESPONSE_BYTES) (this.chunks ??= []).push(chunk.data)
      else this.chunks = []
    }
    if (chunk.eof && this.chunks !== null) {
      const bytes = this.whole(kong, this.chunks)
      this.chunks = null
      // a short answer (usageOfOpenAi's own rule) is decoded once, here: its usage, a payload log
      // and finishReasons() read that one text (searching the bytes again for the finish reasons
      // cost a native call per search). A long one keeps its bytes: decoded only for a payload log
      // or a native reader, its usage read from the bytes' head and tail.
      const short = bytes.length <= DECODE_WHOLE_MAX
      const text = short || this.payloads ? bytes.toString('utf8') : null
      if (this.payloads) this.text = text
      if (short) this.readText = text
      else this.read = bytes
      if (this.kind === 'passthrough') {
        const u = usageOfOpenAi(short ? text! : bytes)
        this.u = u.usage
        this.model = u.model
      } else if (this.format?.usageOf) {
        try {
          const u = this.format.usageOf(JSON.parse(text ?? bytes.toString('utf8')))
          this.u = u.usage
          this.model = u.model
        } catch { /* a native answer we cannot read: no usage */ }
      }
    }
  }

  private whole(kong: Kong, chunks: Buffer[]): Buffer {
    let body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
    // the client's bytes go on compressed as the upstream sent them; only the copy read here is inflated
    const encoding = kong.service.response.getHeader('content-encoding')?.toLowerCase()
    if (encoding !== undefined && encoding !== 'identity') {
      try {
        body = inflateBody(body, encoding)
      } catch { /* not what the header said, or a bomb: read as is (no usage found in it) */ }
    }
    return body
  }

  usage(): TokenUsage | null {
    return this.u
  }

  responseModel(): string | null {
    return this.model
  }

  payload(): string {
    return this.text ?? ''
  }

  finishReasons(): readonly string[] {
    if (this.readText !== null) return finishReasonsOf(this.readText)
    return this.read === null ? [] : finishReasonsOfBytes(this.read)
  }
}
