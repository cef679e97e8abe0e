// Stage body_filter (Kong's parse-sse-chunk, normalize-sse-chunk and the end of the JSON path).
// Passthrough: upstream bytes go on as they come; they are kept only when statistics or payloads
// need the whole answer, and read once at the end. Convert: the answer converted in header_filter
// replaces the (buffered) body. Stream: one converter per request puts OpenAI chunks into the
// sink, which serializes them once for the client's format (OpenAI SSE, or the format's encoder).
// Native stream with statistics: the bytes go on untouched while the driver's converter reads
// them on the side (into DISCARD).
import type { Kong } from '../../../pdk/index.ts'
import type { BodyChunk } from '../../../core/plugins/contract.ts'
import type { StreamTranscoder } from '../types.ts'
import { FrameTooLarge } from '../transcoders/frame-limit.ts'
import { DISCARD } from '../transcoders/chunk-sink.ts'
import { ResponseMode, type LlmState } from './state.ts'
import { usageOfOpenAi } from './usage.ts'
import { writeAnalytics } from './analytics.ts'
import { inflateBody, MAX_RESPONSE_BYTES } from './inflate.ts'

const EMPTY = Buffer.alloc(0)

function whole(kong: Kong, state: LlmState): string {
  let body = state.chunks === null ? EMPTY : state.chunks.length === 1 ? state.chunks[0]! : Buffer.concat(state.chunks)
  // the client's bytes go on compressed as the upstream sent them; only the copy read here is inflated
  const encoding = kong.service.response.getHeader('content-encoding')?.toLowerCase()
  if (encoding !== undefined && encoding !== 'identity') {
    try {
      body = inflateBody(body, encoding)
    } catch { /* not what the header said, or a bomb: read as is (no usage found in it) */ }
  }
  return body.toString('utf8')
}

/**
 * A stream the transcoder cannot go on with (a frame over its cap, bytes it cannot read): the
 * client gets Kong's final SSE error event, and nothing more of the upstream's bytes.
 */
function streamFailed(state: LlmState, e: unknown): Buffer {
  state.transcoder = stopped(state.transcoder!)
  // what the sink held of the failed push, and the format's closing events, are not sent
  state.sink = DISCARD
  const message = e instanceof FrameTooLarge ? e.message : 'empty or unsupported transformer response'
  // the blank line first ends whatever a passthrough stream had forwarded of the broken event
  return Buffer.from(`\n\ndata: ${JSON.stringify({ error: true, message })}\n\n`)
}

/** What a side reader had counted when it failed: it reads nothing more. */
function stopped(t: StreamTranscoder): StreamTranscoder {
  const snapshot = { usage: { ...t.usage }, text: t.text, finishReason: t.finishReason, responseModel: t.responseModel ?? null }
  return { ...snapshot, push() {}, end() {} }
}

/** A native stream read on the side for statistics; chunk.data is left as it is. */
function readAside(state: LlmState, chunk: BodyChunk): void {
  const t = state.transcoder!
  if (chunk.data.length > 0 && state.firstByteAt === 0) state.firstByteAt = performance.now()
  try {
    t.push(chunk.data, DISCARD)
    if (chunk.eof) t.end(DISCARD)
  } catch {
    // bytes the driver cannot read (not the stream it knows): the counts so far stand
    state.transcoder = stopped(t)
  }
}

export function responseBody(kong: Kong, state: LlmState, chunk: BodyChunk): void {
  const c = state.c
  switch (state.mode) {
    case ResponseMode.stream: {
      const t = state.transcoder!
      const sink = state.sink!
      let out: Buffer
      try {
        t.push(chunk.data, sink)
        if (chunk.eof) t.end(sink)
        out = sink.take(chunk.eof)
      } catch (e) {
        out = streamFailed(state, e)
      }
      if (out.length > 0 && state.firstByteAt === 0) state.firstByteAt = performance.now()
      chunk.data = out
      break
    }
    case ResponseMode.convert:
      chunk.data = chunk.eof ? state.converted ?? EMPTY : EMPTY
      break
    case ResponseMode.passthrough:
    case ResponseMode.native:
      if (state.transcoder !== null) { readAside(state, chunk); break }
      if ((c.statistics || c.payloads) && state.chunkBytes <= MAX_RESPONSE_BYTES) {
        // the copy read for usage and payload logs is capped; the client's bytes are not held
        state.chunkBytes += chunk.data.length
        if (state.chunkBytes <= MAX_RESPONSE_BYTES) (state.chunks ??= []).push(chunk.data)
        else state.chunks = []
      }
      if (chunk.eof && state.chunks !== null) {
        const text = whole(kong, state)
        state.chunks = null
        if (c.payloads) state.responsePayload = text
        if (state.mode === ResponseMode.passthrough) {
          const u = usageOfOpenAi(text)
          state.usage = u.usage
          state.responseModel = u.model
        } else if (c.format?.usageOf) {
          try {
            const u = c.format.usageOf(JSON.parse(text))
            state.usage = u.usage
            state.responseModel = u.model
          } catch { /* a native answer we cannot read: no usage */ }
        }
      }
      break
    default:
      return
  }
  if (chunk.eof && c.statistics) writeAnalytics(kong, state)
}
