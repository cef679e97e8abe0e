// Response handler `native` for a stream with statistics: the client's bytes go on untouched
// (neither changed nor held) while the driver's converter reads them on the side (its output is
// dropped into DISCARD) for usage, text and model.
import type { Kong } from '../../../pdk/index.ts'
import type { BodyChunk } from '../../../core/plugins/contract.ts'
import { DISCARD } from '../transcoders/chunk-sink.ts'
import type { ResponseHandler } from './response-handler.ts'
import { ConverterReport, stopped } from './converter-report.ts'

export class SideReader extends ConverterReport implements ResponseHandler {
  readonly kind = 'native'
  firstByteAt = 0

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
}
