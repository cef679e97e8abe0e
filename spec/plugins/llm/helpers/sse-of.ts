// A stream converter as an OpenAI client sees it: bytes in, OpenAI SSE bytes out per push (the
// pipeline's OpenAiSseSink), and the converter's counts.
import type { StreamTranscoder } from '../../../../plugins/llm/types.ts'
import { OpenAiSseSink } from '../../../../plugins/llm/transcoders/chunk-sink.ts'

export interface SseStream {
  push(chunk: Buffer): Buffer
  end(): Buffer
  readonly usage: StreamTranscoder['usage']
  readonly text: string
  readonly finishReason: string | null
  readonly responseModel: string | null | undefined
}

export function sseOf(t: StreamTranscoder): SseStream {
  const sink = new OpenAiSseSink()
  return {
    push(chunk) { t.push(chunk, sink); return sink.take() },
    end() { t.end(sink); return sink.take() },
    get usage() { return t.usage },
    get text() { return t.text },
    get finishReason() { return t.finishReason },
    get responseModel() { return t.responseModel },
  }
}
