// The GenAI span's values come from the client (the model it asks for) and from the provider's
// answer (finish reasons, models). Hostile ones must not grow the per-worker cache of span name
// fields past its cap, nor reach the collector uncapped, nor break the span, nor touch a
// prototype: a table of payloads, each sent many times with distinct variants.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'
import { encodeHeader, finishBatch, OtlpWriter, startBatch } from '../../plugins/opentelemetry/otlp-encode.ts'
import { encodeGenaiSpan, genaiNameFieldCount, MAX_MODEL_CHARS } from '../../plugins/opentelemetry/genai-span.ts'
import { finishReasonsOfBytes } from '../../plugins/llm/pipeline/finish-reasons.ts'
import type { LlmOutcome } from '../../plugins/llm/outcome/llm-outcome.ts'
import type { TracedRequest } from '../../plugins/opentelemetry/request-spans.ts'

const root = protobuf.parse(readFileSync(new URL('../fixtures/otlp/trace.proto', import.meta.url), 'utf8'), { keepCase: true }).root
const Request = root.lookupType('otlp.ExportTraceServiceRequest')
type Span = { name: string; attributes: { key: string; value: { string_value?: string; array_value?: { values: { string_value?: string }[] } } }[] }
const decode = (b: Uint8Array): Span => (Request.toObject(Request.decode(b), { defaults: true }) as { resource_spans: { scope_spans: { spans: Span[] }[] }[] }).resource_spans[0]!.scope_spans[0]!.spans[0]!

const header = encodeHeader({ 'service.name': 'kong' }, { name: 'kong-internal', version: '1' })
const r: TracedRequest = { traceId: 'ab'.repeat(16), rootId: 'cd'.repeat(8), balancerId: 'ef'.repeat(8), parentId: null, genai: null }
const CAP = 256

function span(model: string, answer: Buffer, routeType = 'llm/v1/chat'): Span {
  const o: LlmOutcome = {
    ending: 'complete', response: 'passthrough', status: 200, requestId: 'x', pluginId: null, provider: 'openai', requestModel: model,
    responseModel: model, stream: false, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, cost: 0, latencyMs: 1,
    targetLatencyMs: 1, timeToFirstTokenMs: null, tried: [0], cache: 'none', routeType, finishReasons: () => finishReasonsOfBytes(answer),
  }
  const w = new OtlpWriter(64)
  startBatch(w, header)
  encodeGenaiSpan(w, r, o, 100)
  return decode(finishBatch(w, header))
}

const MIB = 1024 * 1024
const MANY_REASONS = Buffer.from('{"finish_reason":"length"},'.repeat(100_000))
const PAYLOADS: [string, (i: number) => string, (i: number) => Buffer][] = [
  ['a new model name per request', (i) => `m-${i}`, () => Buffer.from('{"finish_reason":"stop"}')],
  ['1 MiB model names', (i) => `${i}${'m'.repeat(MIB)}`, () => Buffer.from('{}')],
  ['non-ASCII and lone surrogates', (i) => `${'é👋'.repeat(200)}\uD800${i}`, () => Buffer.from('{"finish_reason":"\\ud800"}')],
  ['prototype names', (i) => ['__proto__', 'constructor', 'prototype', 'toString'][i % 4]! + (i >= 4 ? i : ''), () => Buffer.from('{"finish_reason":"__proto__"}')],
  ['NUL and control characters', (i) => `\u0000\u0001${i}\r\n`, () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x00])],
  ['an answer of 100,000 finish reasons', (i) => `n-${i}`, () => MANY_REASONS],
]

describe('GenAI span values from a hostile client or provider', () => {
  it.each(PAYLOADS)('%s: capped, decodable, the name cache bounded', (_what, model, answer) => {
    for (let i = 0; i < 400; i++) {
      const s = span(model(i), answer(i), i % 2 ? 'llm/v1/chat' : '__proto__')
      const attr = (k: string) => s.attributes.find((a) => a.key === k)?.value
      expect([...(attr('gen_ai.request.model')?.string_value ?? '')].length).toBeLessThanOrEqual(MAX_MODEL_CHARS)
      expect([...(attr('gen_ai.response.model')?.string_value ?? '')].length).toBeLessThanOrEqual(MAX_MODEL_CHARS)
      expect(s.name.length).toBeLessThanOrEqual('__proto__ '.length + MAX_MODEL_CHARS)
      expect((attr('gen_ai.response.finish_reasons')?.array_value?.values ?? []).length).toBeLessThanOrEqual(16)
      expect(genaiNameFieldCount()).toBeLessThanOrEqual(CAP)
    }
    expect(({} as Record<string, unknown>).model).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('llm/v1/chat')
  })
})
