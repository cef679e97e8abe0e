// Response handler `stream`: one converter per request puts OpenAI chunks into the sink, which
// serializes them once for the client's format (OpenAI SSE, or the format's encoder). A stream
// the converter cannot go on with (a frame over its cap, bytes it cannot read) ends with Kong's
// final SSE error event, and nothing more of the upstream's bytes.
import type { Kong } from '../../../pdk/index.ts'
import type { BodyChunk } from '../../../core/plugins/contract.ts'
import type { StreamTranscoder } from '../types.ts'
import { FrameTooLarge } from '../transcoders/frame-limit.ts'
import { DISCARD, type StreamSink } from '../transcoders/chunk-sink.ts'
import { ConverterReport, stopped } from './converter-report.ts'
import type { ResponseHandler } from './response-handler.ts'

export class StreamHandler extends ConverterReport implements ResponseHandler {
  readonly kind = 'stream'
  firstByteAt = 0

  constructor(transcoder: StreamTranscoder, private sink: StreamSink) {
    super(transcoder)
  }

  body(_kong: Kong, chunk: BodyChunk): void {
    let out: Buffer
    try {
      this.transcoder.push(chunk.data, this.sink)
      if (chunk.eof) this.transcoder.end(this.sink)
      out = this.sink.take(chunk.eof)
    } catch (e) {
      out = this.failed(e)
    }
    if (out.length > 0 && this.firstByteAt === 0) this.firstByteAt = performance.now()
    chunk.data = out
  }

  private failed(e: unknown): Buffer {
    this.transcoder = stopped(this.transcoder)
    // what the sink held of the failed push, and the format's closing events, are not sent
    this.sink = DISCARD
    const message = e instanceof FrameTooLarge ? e.message : 'empty or unsupported transformer response'
    // the blank line first ends whatever a passthrough stream had forwarded of the broken event
    return Buffer.from(`\n\ndata: ${JSON.stringify({ error: true, message })}\n\n`)
  }
}
