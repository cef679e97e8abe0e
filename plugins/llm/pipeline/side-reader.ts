// Response handler `native` for a stream with statistics: the client's bytes go on untouched
// (neither changed nor held) while the driver's converter reads them on the side (its output is
// dropped into DISCARD) for usage, text and model.
import type { Kong } from '../../../pdk/index.ts'
import type { BodyChunk } from '../../../core/plugins/contract.ts'
import type { StreamTranscoder, TokenUsage } from '../types.ts'
import { DISCARD } from '../transcoders/chunk-sink.ts'
import { streamUsage } from './estimate.ts'
import type { ResponseHandler } from './response-handler.ts'
import type { PreparedRequest } from './state.ts'
import { stopped, streamPayload } from './stream-handler.ts'

export class SideReader implements ResponseHandler {
  readonly kind = 'native'
  firstByteAt = 0

  constructor(private transcoder: StreamTranscoder) {}

  body(_kong: Kong, chunk: BodyChunk): void {
    const t = this.transcoder
    if (chunk.data.length > 0 && this.firstByteAt === 0) this.firstByteAt = performance.now()
    try {
      t.push(chunk.data, DISCARD)
      if (chunk.eof) t.end(DISCARD)
    } catch {
      // bytes the driver cannot read (not the stream it knows): the counts so far stand
      this.transcoder = stopped(t)
    }
  }

  usage(p: PreparedRequest): TokenUsage {
    return streamUsage(this.transcoder, p.promptEstimate)
  }

  responseModel(): string | null {
    return this.transcoder.responseModel ?? null
  }

  payload(usage: TokenUsage): string {
    return streamPayload(this.transcoder, usage)
  }
}
