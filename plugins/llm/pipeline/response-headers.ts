// Stage header_filter (Kong's normalize-response-header, parse-json-response and
// normalize-json-response filters). Only a 200 from the service is touched; anything else (an
// upstream error, an exit) goes to the client as it came. A converting driver's answer is
// buffered by then, so it is converted here, where the status can still change when the answer
// cannot be converted: a driver's error keeps its own status (400 for an answer that refuses the
// request, e.g. Gemini's blocked prompt; 500 when the answer is unusable), anything else is 500.
import type { Kong } from '../../../pdk/index.ts'
import { statusOf } from '../errors.ts'
import { inflateBody } from './inflate.ts'
import { OpenAiPassthroughTranscoder } from '../transcoders/openai-passthrough.ts'
import { EncoderSink, IncludeUsageSink, OpenAiSseSink, type StreamSink } from '../transcoders/chunk-sink.ts'
import type { StreamTranscoder } from '../types.ts'
import { streamUsage } from './estimate.ts'
import { ResponseMode, type LlmState } from './state.ts'

function convert(kong: Kong, state: LlmState): void {
  const c = state.c
  const dctx = state.dctx!
  let body = kong.service.response.getRawBody() ?? Buffer.alloc(0)
  try {
    if (kong.service.response.getHeader('content-encoding')?.toLowerCase() === 'gzip') {
      body = inflateBody(body, 'gzip')
      kong.response.clearHeader('Content-Encoding')
    }
    const d = c.driver.decodeResponse(body, dctx)
    state.usage = d.usage
    state.responseModel = d.model
    let out: string | Buffer = d.body ?? body
    if (c.format !== null) {
      const openai = (d.parsed ?? JSON.parse(typeof out === 'string' ? out : out.toString('utf8'))) as Record<string, unknown>
      out = c.format.encodeResponse(openai)
    }
    state.converted = typeof out === 'string' ? Buffer.from(out) : out
  } catch (e) {
    const known = statusOf(e)
    const message = known?.message ?? `transformation failed from type ${c.driver.id}://${dctx.route}: ${(e as Error).message}`
    kong.response.setStatus(known ? known.status : 500)
    state.converted = Buffer.from(JSON.stringify({ error: { message } }))
  }
  kong.response.setHeader('Content-Type', 'application/json')
}

/**
 * Where the converter's chunks are serialized for the client: OpenAI SSE or the client format's
 * encoder; with `stream_options.include_usage`, the usage chunk before the end. An OpenAI-shaped
 * upstream got that option with the request and answers it itself.
 */
function clientSink(state: LlmState, t: StreamTranscoder): StreamSink {
  const format = state.c.format
  const sink = format === null ? new OpenAiSseSink() : new EncoderSink(format.streamEncoder())
  if (state.request?.stream_options?.include_usage !== true || t instanceof OpenAiPassthroughTranscoder) return sink
  return new IncludeUsageSink(sink, () => streamUsage(t, state.promptEstimate), state.model.name ?? null)
}

export function responseHeaders(kong: Kong, state: LlmState): void {
  const c = state.c
  if (state.dctx === null || kong.response.getSource() !== 'service' || kong.service.response.getStatus() !== 200) {
    state.mode = ResponseMode.untouched
    return
  }
  kong.response.clearHeader('Set-Cookie')
  if (c.conf.model_name_header !== false || kong.request.getHeader('kong-debug') !== undefined) {
    const name = state.model.name
    kong.response.setHeader('X-Kong-LLM-Model', c.modelHeader !== null && name === c.model.name ? c.modelHeader : `${c.driver.id}/${name ?? ''}`)
  }
  if (state.stream) {
    if (c.native) {
      state.mode = ResponseMode.native
      // statistics on a native stream: the driver's transcoder reads the bytes on the side (its
      // output is dropped) for usage, text and model; the client's bytes are not touched nor held
      const encoding = kong.service.response.getHeader('content-encoding')
      if (c.statistics && (encoding === undefined || encoding.toLowerCase() === 'identity')) state.transcoder = c.driver.stream(state.dctx)
      return
    }
    kong.response.setHeader('Content-Type', 'text/event-stream')
    kong.response.clearHeader('Content-Length') // the converted stream has its own length
    state.transcoder = c.driver.stream(state.dctx)
    state.sink = clientSink(state, state.transcoder)
    state.mode = ResponseMode.stream
    return
  }
  if (c.convertsResponse) {
    convert(kong, state)
    state.mode = ResponseMode.convert
    return
  }
  state.mode = c.native ? ResponseMode.native : ResponseMode.passthrough
}
