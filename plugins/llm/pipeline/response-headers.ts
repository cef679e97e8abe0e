// Stage header_filter (Kong's normalize-response-header, parse-json-response and
// normalize-json-response filters): picks the one response handler of this answer. Only a 200
// from the service is an LLM answer; anything else (an upstream error, an exit) goes to the
// client as it came.
import type { Kong } from '../../../pdk/index.ts'
import { OpenAiPassthroughTranscoder } from '../transcoders/openai-passthrough.ts'
import { EncoderSink, IncludeUsageSink, OpenAiSseSink, type StreamSink } from '../transcoders/chunk-sink.ts'
import type { StreamTranscoder } from '../types.ts'
import { streamUsage } from './estimate.ts'
import { UNTOUCHED, type ResponseHandler } from './response-handler.ts'
import { StreamHandler } from './stream-handler.ts'
import { SideReader } from './side-reader.ts'
import { BodyReader } from './body-reader.ts'
import { ConvertHandler } from './convert-handler.ts'
import { releaseRequest, type LlmExchange, type PreparedRequest } from './state.ts'
import { releaseSharedRequest } from './shared-request.ts'

/**
 * Where the converter's chunks are serialized for the client: OpenAI SSE or the client format's
 * encoder; with `stream_options.include_usage`, the usage chunk before the end. An OpenAI-shaped
 * upstream got that option with the request and answers it itself.
 */
function clientSink(x: LlmExchange, p: PreparedRequest, t: StreamTranscoder): StreamSink {
  const format = p.c.format
  const sink = format === null ? new OpenAiSseSink() : new EncoderSink(format.streamEncoder())
  if (x.parsed.request?.stream_options?.include_usage !== true || t instanceof OpenAiPassthroughTranscoder) return sink
  // the estimate, not `p`: the sink lives as long as the stream, the prepared request's body must not
  const estimate = p.promptEstimate
  return new IncludeUsageSink(sink, () => streamUsage(t, estimate), p.model.name ?? null)
}

function pick(kong: Kong, x: LlmExchange, p: PreparedRequest): ResponseHandler {
  const c = p.c
  if (p.stream) {
    if (c.native) {
      // statistics (or a usage reader) on a native stream: the driver's converter reads the bytes on the side
      const encoding = kong.service.response.getHeader('content-encoding')
      if ((c.statistics || x.needsUsage) && (encoding === undefined || encoding.toLowerCase() === 'identity')) return new SideReader(c.driver.stream(p.dctx))
      return new BodyReader('native', c.statistics || c.payloads || x.needsUsage, c.payloads, c.format)
    }
    kong.response.setHeader('Content-Type', 'text/event-stream')
    kong.response.clearHeader('Content-Length') // the converted stream has its own length
    const t = c.driver.stream(p.dctx)
    return new StreamHandler(t, clientSink(x, p, t))
  }
  if (c.convertsResponse) return new ConvertHandler(kong, p)
  return new BodyReader(c.native ? 'native' : 'passthrough', c.statistics || c.payloads || x.needsUsage, c.payloads, c.format)
}

export function responseHeaders(kong: Kong, x: LlmExchange): void {
  const p = x.prepared
  if (p === null || kong.response.getSource() !== 'service' || kong.service.response.getStatus() !== 200) {
    x.handler = UNTOUCHED
    return
  }
  const c = p.c
  kong.response.clearHeader('Set-Cookie')
  if (c.conf.model_name_header !== false || kong.request.getHeader('kong-debug') !== undefined) {
    const name = p.model.name
    kong.response.setHeader('X-Kong-LLM-Model', c.modelHeader !== null && name === c.model.name ? c.modelHeader : `${c.driver.id}/${name ?? ''}`)
  }
  x.handler = pick(kong, x, p)
  if (p.stream) {
    releaseRequest(x)
    releaseSharedRequest(kong)
  }
}
