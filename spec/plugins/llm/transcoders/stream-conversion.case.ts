// The conformance suite of a driver's stream conversion (as hono declares its router tests once
// and runs them on every router): give it how to create the driver's converter and some recorded
// upstream streams; it runs each recording through the real body_filter stage for every client
// format and checks
//  - the client's bytes, byte for byte (snapshot, ids and timestamps pinned),
//  - the same bytes whatever the chunking: the stream cut in two at every byte offset, and fed
//    one byte at a time,
//  - the usage the provider reported, and an error mid-stream coming out as an error event.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { BodyChunk } from '../../../../core/plugins/contract.ts'
import type { Kong } from '../../../../pdk/index.ts'
import type { ClientFormat, StreamTranscoder, TokenUsage } from '../../../../plugins/llm/types.ts'
import { StreamHandler } from '../../../../plugins/llm/pipeline/stream-handler.ts'
import { EncoderSink, IncludeUsageSink, OpenAiSseSink, type StreamSink } from '../../../../plugins/llm/transcoders/chunk-sink.ts'
import { OpenAiPassthroughTranscoder } from '../../../../plugins/llm/transcoders/openai-passthrough.ts'
import { streamUsage } from '../../../../plugins/llm/pipeline/estimate.ts'
import { createAwsEventStreamFramer, type AwsEvent } from '../../../../plugins/llm/transcoders/aws-event-stream.ts'
import { anthropicFormat } from '../../../../plugins/llm/formats/anthropic.ts'
import { bedrockFormat } from '../../../../plugins/llm/formats/bedrock.ts'
import { cohereFormat } from '../../../../plugins/llm/formats/cohere.ts'
import { geminiFormat } from '../../../../plugins/llm/formats/gemini.ts'
import { huggingfaceFormat } from '../../../../plugins/llm/formats/huggingface.ts'

export interface Recording {
  name: string
  /** the upstream's bytes */
  input: Buffer
  /** the usage the provider reports in the stream */
  usage?: TokenUsage
  /** the stream fails midway: the OpenAI client gets an error event */
  error?: boolean
}

export interface StreamConversion {
  /** a fresh converter, as `driver.stream(ctx)` returns per request */
  create(): StreamTranscoder
  recordings: readonly Recording[]
  /** the configured model name (read by include_usage's chunk when the stream names none) */
  model?: string
}

/** The client formats: null is OpenAI (no re-encoding); `usage` is OpenAI with stream_options.include_usage. */
const FORMATS: Record<string, ClientFormat | null | 'usage'> = {
  openai: null,
  'openai+include_usage': 'usage',
  anthropic: anthropicFormat,
  gemini: geminiFormat,
  bedrock: bedrockFormat,
  cohere: cohereFormat,
  huggingface: huggingfaceFormat,
}

const KONG = {} as Kong

/** Runs the upstream pieces through body_filter's stream mode as the pipeline sets it up; the client's bytes. */
export function clientBytes(impl: StreamConversion, format: string, pieces: readonly Buffer[]): { bytes: Buffer; t: StreamTranscoder } {
  const f = FORMATS[format]
  const t = impl.create()
  let sink: StreamSink = f === null || f === 'usage' ? new OpenAiSseSink() : new EncoderSink(f.streamEncoder())
  // an OpenAI-shaped upstream got stream_options with the request and answers it itself
  if (f === 'usage' && !(t instanceof OpenAiPassthroughTranscoder)) sink = new IncludeUsageSink(sink, () => streamUsage(t, 0), impl.model ?? null)
  const handler = new StreamHandler(t, sink)
  const out: Buffer[] = []
  const last = pieces.length - 1
  if (last < 0) pieces = [Buffer.alloc(0)]
  pieces.forEach((p, i) => {
    const chunk: BodyChunk = { data: p, eof: i === pieces.length - 1 }
    handler.body(KONG, chunk)
    out.push(chunk.data)
  })
  return { bytes: Buffer.concat(out), t: handler.transcoder }
}

/** The client's bytes as text to compare: random ids pinned; Bedrock's binary events decoded. */
export function readable(format: string, bytes: Buffer): string {
  let text: string
  if (format === 'bedrock') {
    const events: AwsEvent[] = []
    const framer = createAwsEventStreamFramer()
    framer.push(bytes, events)
    framer.end(events)
    text = events.map((e) => `${e.messageType} ${e.type} ${Buffer.from(e.body).toString('utf8')}`).join('\n')
  } else text = bytes.toString('utf8')
  return text.replace(/(chatcmpl-|call_)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '$1<uuid>')
}

function cuts(input: Buffer): Buffer[][] {
  const out: Buffer[][] = []
  for (let at = 0; at <= input.length; at++) out.push([input.subarray(0, at), input.subarray(at)])
  const bytes: Buffer[] = []
  for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1))
  out.push(bytes)
  return out
}

export function describeStreamConversion(name: string, impl: StreamConversion): void {
  describe(`stream conversion: ${name}`, () => {
    beforeAll(() => {
      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(1_700_000_000_000)
    })
    afterAll(() => {
      vi.useRealTimers()
    })

    describe.each(impl.recordings.map((r) => [r.name, r] as const))('%s', (_, rec) => {
      it.each(Object.keys(FORMATS))('client %s: the bytes of the stream', (format) => {
        expect(readable(format, clientBytes(impl, format, [rec.input]).bytes)).toMatchSnapshot()
      })

      it.each(['openai', 'anthropic'])('client %s: the same bytes at every cut and one byte at a time', (format) => {
        const whole = clientBytes(impl, format, [rec.input])
        const expected = readable(format, whole.bytes)
        for (const pieces of cuts(rec.input)) {
          const got = clientBytes(impl, format, pieces)
          expect(readable(format, got.bytes)).toBe(expected)
          expect(got.t.usage).toEqual(whole.t.usage)
          expect(got.t.text).toBe(whole.t.text)
          expect(got.t.finishReason).toBe(whole.t.finishReason)
        }
      })

      it.each(Object.keys(FORMATS).filter((f) => f !== 'openai' && f !== 'anthropic'))('client %s: the same bytes one byte at a time', (format) => {
        const expected = readable(format, clientBytes(impl, format, [rec.input]).bytes)
        const bytes: Buffer[] = []
        for (let i = 0; i < rec.input.length; i++) bytes.push(rec.input.subarray(i, i + 1))
        expect(readable(format, clientBytes(impl, format, bytes).bytes)).toBe(expected)
      })

      if (rec.usage !== undefined) {
        it('reports the provider\'s usage', () => {
          expect(clientBytes(impl, 'openai', [rec.input]).t.usage).toEqual(rec.usage)
        })
      }

      it(rec.error ? 'an error midway: an error event reaches the OpenAI client' : 'no error event', () => {
        const text = clientBytes(impl, 'openai', [rec.input]).bytes.toString('utf8')
        const errors = text.split('\n\n').filter((f) => f.startsWith('data: {"error"'))
        expect(errors.length > 0).toBe(rec.error === true)
      })
    })
  })
}
