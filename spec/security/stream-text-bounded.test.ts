// A stream converter keeps the generated text (payload logs, ai-semantic-cache, Kong's estimate)
// only up to MAX_KEPT_TEXT, whatever the upstream sends: an answer streamed past it in many deltas
// through every driver's converter keeps at most the cap, the completion estimate still counts
// all of it, the payload log gets the head, and the semantic cache stores nothing (a cut answer
// served from the cache would be a wrong answer).
import { describe, expect, it } from 'vitest'
import type { Kong } from '../../pdk/index.ts'
import type { DriverContext, RouteType, StreamTranscoder } from '../../plugins/llm/types.ts'
import { MAX_KEPT_TEXT } from '../../plugins/llm/transcoders/framed-transcoder.ts'
import { DISCARD, EncoderSink, OpenAiSseSink, type StreamSink } from '../../plugins/llm/transcoders/chunk-sink.ts'
import { encodeAwsEvent } from '../../plugins/llm/transcoders/aws-event-stream.ts'
import { StreamHandler } from '../../plugins/llm/pipeline/stream-handler.ts'
import { streamUsage } from '../../plugins/llm/pipeline/estimate.ts'
import type { SharedExchange } from '../../plugins/llm/pipeline/shared-exchange.ts'
import { assembledStream } from '../../plugins/ai-semantic-cache/stored-answer.ts'
import { anthropicFormat } from '../../plugins/llm/formats/anthropic.ts'
import { openAiStream } from '../../plugins/llm/drivers/openai-shape.ts'
import { anthropicDriver } from '../../plugins/llm/drivers/anthropic.ts'
import { geminiDriver } from '../../plugins/llm/drivers/gemini.ts'
import { bedrockDriver } from '../../plugins/llm/drivers/bedrock.ts'
import { cohereDriver } from '../../plugins/llm/drivers/cohere.ts'
import { CohereV2StreamTranscoder } from '../../plugins/llm/drivers/cohere-v2-stream.ts'
import { ollamaDriver } from '../../plugins/llm/drivers/ollama.ts'
import { huggingfaceDriver } from '../../plugins/llm/drivers/huggingface.ts'

const KONG = {} as Kong

function ctx(provider: string, name: string, route: RouteType = 'llm/v1/chat'): DriverContext {
  return { route, model: { provider, name, options: {} }, stream: true, clientPath: '/', clientQuery: '' }
}

const sse = (data: unknown, event?: string): Buffer =>
  Buffer.from(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`)
const line = (data: unknown): Buffer => Buffer.from(`${JSON.stringify(data)}\n`)

interface Upstream {
  create(): StreamTranscoder
  /** the bytes that open the stream, one text delta, the bytes that end it (no usage anywhere) */
  open: Buffer
  delta(text: string): Buffer
  close: Buffer
}

const UPSTREAMS: Record<string, Upstream> = {
  'openai passthrough': {
    create: openAiStream,
    open: Buffer.alloc(0),
    delta: (text) => sse({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }),
    close: Buffer.from(`${sse({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}data: [DONE]\n\n`),
  },
  'openai responses': {
    create: openAiStream,
    open: Buffer.alloc(0),
    delta: (text) => sse({ type: 'response.output_text.delta', delta: text }),
    close: sse({ type: 'response.completed', response: { status: 'completed' } }),
  },
  anthropic: {
    create: () => anthropicDriver.stream(ctx('anthropic', 'claude')),
    open: Buffer.concat([
      sse({ type: 'message_start', message: { id: 'msg_1', model: 'claude' } }, 'message_start'),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
    ]),
    delta: (text) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta'),
    close: Buffer.concat([
      sse({ type: 'message_delta', delta: { stop_reason: 'end_turn' } }, 'message_delta'),
      sse({ type: 'message_stop' }, 'message_stop'),
    ]),
  },
  'anthropic legacy completions': {
    create: () => anthropicDriver.stream(ctx('anthropic', 'claude-2', 'llm/v1/completions')),
    open: Buffer.alloc(0),
    delta: (text) => sse({ completion: text, stop_reason: null }, 'completion'),
    close: sse({ completion: '', stop_reason: 'stop_sequence' }, 'completion'),
  },
  gemini: {
    create: () => geminiDriver.stream(ctx('gemini', 'gemini-1.5-pro')),
    open: Buffer.from('['),
    delta: (text) => Buffer.from(`${JSON.stringify({ candidates: [{ index: 0, content: { role: 'model', parts: [{ text }] } }] })},`),
    close: Buffer.from(`${JSON.stringify({ candidates: [{ index: 0, content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' }] })}]`),
  },
  bedrock: {
    create: () => bedrockDriver.stream(ctx('bedrock', 'anthropic.claude-3-haiku-20240307-v1:0')),
    open: encodeAwsEvent('messageStart', { role: 'assistant' }),
    delta: (text) => encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }),
    close: encodeAwsEvent('messageStop', { stopReason: 'end_turn' }),
  },
  cohere: {
    create: () => cohereDriver.stream(ctx('cohere', 'command')),
    open: line({ event_type: 'stream-start', generation_id: 'g1' }),
    delta: (text) => line({ event_type: 'text-generation', text }),
    close: line({ event_type: 'stream-end', finish_reason: 'COMPLETE', response: {} }),
  },
  'cohere v2 (documents)': {
    create: () => new CohereV2StreamTranscoder(ctx('cohere', 'command-r'), () => 'stop', () => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })),
    open: sse({ type: 'message-start', id: 'm1' }),
    delta: (text) => sse({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } }),
    close: sse({ type: 'message-end', delta: { finish_reason: 'COMPLETE', usage: {} } }),
  },
  ollama: {
    create: () => ollamaDriver.stream(ctx('ollama', 'llama3')),
    open: Buffer.alloc(0),
    delta: (text) => line({ model: 'llama3', message: { role: 'assistant', content: text }, done: false }),
    close: line({ model: 'llama3', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' }),
  },
  'huggingface tgi': {
    create: () => huggingfaceDriver.stream(ctx('huggingface', 'mistral', 'llm/v1/completions')),
    open: Buffer.alloc(0),
    delta: (text) => sse({ token: { id: 1, text, special: false } }),
    close: sse({ token: { id: 2, text: '', special: true }, details: { finish_reason: 'eos_token', generated_tokens: 0 } }),
  },
}

/** the sinks a converter writes to: an OpenAI client (verbatim for passthrough), another format, none */
const SINKS: Record<string, () => StreamSink> = {
  openai: () => new OpenAiSseSink(),
  anthropic: () => new EncoderSink(anthropicFormat.streamEncoder()),
  discard: () => DISCARD,
}

// a word-like delta, so Kong's estimate (length / 4) has something to count
const DELTA = 'tok '.repeat(256)

/** Streams `deltas` text deltas through a fresh converter in upstream chunks of 16 deltas. */
function stream(up: Upstream, sinkOf: () => StreamSink, deltas: number, piece = DELTA): StreamHandler {
  const handler = new StreamHandler(up.create(), sinkOf())
  handler.body(KONG, { data: up.open, eof: false })
  const one = up.delta(piece)
  const batch = Buffer.concat(Array.from({ length: 16 }, () => one))
  let sent = 0
  for (; sent + 16 <= deltas; sent += 16) handler.body(KONG, { data: batch, eof: false })
  for (; sent < deltas; sent++) handler.body(KONG, { data: one, eof: false })
  handler.body(KONG, { data: up.close, eof: true })
  return handler
}

function cached(handler: StreamHandler): string | null {
  const t = handler.transcoder
  const outcome = { requestId: 'r1', responseModel: 'm', usage: streamUsage(t, 0) }
  return assembledStream({ handler, outcome } as unknown as SharedExchange)
}

const CASES = Object.entries(UPSTREAMS).flatMap(([name, up]) => Object.keys(SINKS).map((sink) => [name, sink, up] as const))

describe('stream text kept up to MAX_KEPT_TEXT', () => {
  // more than the cap: whole deltas past it, and the cut inside one
  const deltas = Math.ceil((MAX_KEPT_TEXT * 1.5) / DELTA.length) + 3

  it.each(CASES)('%s → %s client: the head is kept, all of it counted, nothing cached', (_name, sink, up) => {
    const handler = stream(up, SINKS[sink]!, deltas)
    const t = handler.transcoder
    const total = deltas * DELTA.length
    expect(t.textCut).toBe(true)
    expect(t.textLength).toBe(total)
    expect(t.text.length).toBe(MAX_KEPT_TEXT)
    expect(t.text.startsWith(DELTA)).toBe(true)
    // Kong's estimate is length / 4 of the trimmed text: all of it, not the kept head
    expect(streamUsage(t, 0).completion_tokens).toBe(Math.ceil(total / 4))
    // the payload log gets the head (Kong's synthetic chat.completion, valid JSON)
    const logged = JSON.parse(handler.payload(streamUsage(t, 0))) as { choices: { message: { content: string } }[] }
    expect(logged.choices[0]!.message.content.length).toBe(MAX_KEPT_TEXT)
    expect(cached(handler)).toBeNull()
  })

  it.each(CASES)('%s → %s client: an answer under the cap is kept whole and cached', (_name, sink, up) => {
    const deltas = 40
    const handler = stream(up, SINKS[sink]!, deltas)
    const t = handler.transcoder
    expect(t.textCut).toBe(false)
    expect(t.text).toBe(DELTA.repeat(deltas))
    expect(t.textLength).toBe(DELTA.length * deltas)
    expect(streamUsage(t, 0).completion_tokens).toBe(Math.ceil((DELTA.length * deltas - 1) / 4))
    const stored = cached(handler)
    expect(stored).not.toBeNull()
    expect((JSON.parse(stored!) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe(DELTA.repeat(deltas))
  })

  it.each(['openai passthrough', 'anthropic', 'ollama'])('%s: deltas ending exactly at the cap keep all; one more is cut', (name) => {
    const up = UPSTREAMS[name]!
    const piece = 'x'.repeat(4096)
    const full = stream(up, () => DISCARD, MAX_KEPT_TEXT / piece.length, piece)
    expect(full.transcoder.text).toBe('x'.repeat(MAX_KEPT_TEXT))
    expect(full.transcoder.textCut).toBe(false)
    const over = stream(up, () => DISCARD, MAX_KEPT_TEXT / piece.length + 1, piece)
    expect(over.transcoder.text).toBe('x'.repeat(MAX_KEPT_TEXT))
    expect(over.transcoder.textCut).toBe(true)
  })

  it.each(['openai passthrough', 'cohere'])('%s: many tiny deltas come back in order', (name) => {
    const pieces = Array.from({ length: 1000 }, (_, i) => String(i % 10))
    const up = UPSTREAMS[name]!
    const handler = new StreamHandler(up.create(), new OpenAiSseSink())
    handler.body(KONG, { data: up.open, eof: false })
    for (const p of pieces) handler.body(KONG, { data: up.delta(p), eof: false })
    handler.body(KONG, { data: up.close, eof: true })
    expect(handler.transcoder.text).toBe(pieces.join(''))
    expect(handler.transcoder.text).toBe(pieces.join('')) // read twice: the same
  })

  it('a cut never splits a surrogate pair', () => {
    const up = UPSTREAMS.anthropic!
    // MAX_KEPT_TEXT - 1 units, then a delta of emoji: the pair straddling the cap is dropped whole
    const handler = new StreamHandler(up.create(), DISCARD)
    handler.body(KONG, { data: up.open, eof: false })
    handler.body(KONG, { data: up.delta('a'.repeat(MAX_KEPT_TEXT - 1)), eof: false })
    handler.body(KONG, { data: up.delta('😀😀'), eof: false })
    handler.body(KONG, { data: up.close, eof: true })
    const t = handler.transcoder
    expect(t.textCut).toBe(true)
    expect(t.text).toBe('a'.repeat(MAX_KEPT_TEXT - 1))
    expect(t.textLength).toBe(MAX_KEPT_TEXT - 1 + 4)
  })
})
