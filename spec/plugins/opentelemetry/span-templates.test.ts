// The request path writes spans from parts encoded once (span name fields, attribute keys, the
// request's id fields decoded once: openChild, openRoot, encodedName, setChildIds). For random
// requests and LLM outcomes, hostile strings included (non-ASCII, lone surrogates, huge values),
// its bytes must be those the generic encoder (encodeSpan of the LeanSpan reference) writes, and
// decode (protobufjs, the OTLP trace.proto) to the same spans; the GenAI span's model and payload
// attributes stay capped.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import protobuf from 'protobufjs'
import { encodeHeader, encodeSpans, finishBatch, OtlpWriter, startBatch } from '../../../plugins/opentelemetry/otlp-encode.ts'
import { LeanSpan } from '../../../plugins/opentelemetry/lean-span.ts'
import { encodeRequestSpans, type RequestFacts, type SpanSink, type TracedRequest } from '../../../plugins/opentelemetry/request-spans.ts'
import { encodeGenaiSpan, genaiSpan, MAX_MODEL_CHARS, MAX_PAYLOAD_CHARS } from '../../../plugins/opentelemetry/genai-span.ts'
import { requestSpans } from '../../helpers/otel-reference-spans.ts'
import type { RequestTimings } from '../../../pdk/tracing.ts'
import type { LlmOutcome } from '../../../plugins/llm/outcome/llm-outcome.ts'

const root = protobuf.parse(readFileSync(new URL('../../fixtures/otlp/trace.proto', import.meta.url), 'utf8'), { keepCase: true }).root
const Request = root.lookupType('otlp.ExportTraceServiceRequest')
type Span = { name: string; span_id: string; attributes: { key: string; value: { string_value?: string } }[] }
const decode = (b: Uint8Array): Span[] => {
  const m = Request.toObject(Request.decode(b), { longs: String, bytes: String, defaults: true }) as { resource_spans: { scope_spans: { spans: Span[] }[] }[] }
  return m.resource_spans[0]?.scope_spans[0]?.spans ?? []
}
const hexOf = (b64: string): string => Buffer.from(b64, 'base64').toString('hex')

const header = encodeHeader({ 'service.name': 'kong' }, { name: 'kong-internal', version: '1' })
class Sink implements SpanSink {
  readonly w = new OtlpWriter(128)
  constructor() { startBatch(this.w, header) }
  spanWriter(): OtlpWriter { return this.w }
  spanDone(): void {}
  spanFailed(e: unknown): void { throw e }
  finish(): Buffer { return finishBatch(this.w, header) }
}

// hostile strings: any UTF-16 (lone surrogates included), non-ASCII, and some past every length guess
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '名', '👋', '\uD800', '\uDC00', '"', '\u0000'), maxLength: 80 }),
  fc.tuple(fc.constantFrom('x', 'ü', '\uD83D'), fc.integer({ min: 100, max: 5000 })).map(([c, n]) => c.repeat(n)),
)
const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).filter((b) => b.some((x) => x !== 0)).map((b) => Buffer.from(b).toString('hex'))
const time = fc.double({ min: 0, max: 1e7, noNaN: true })

const traced = fc.record({ traceId: hex(16), rootId: hex(8), balancerId: hex(8), parentId: fc.option(hex(8)) })
  .map((r): TracedRequest => ({ ...r, genai: null }))
const timings = fc.record({
  start: time, routerStart: fc.oneof(fc.constant(0), time), routerEnd: time,
  access: fc.array(fc.tuple(text, time, fc.oneof(fc.constant(0), time)), { maxLength: 4 }).map((a) => a.flat()),
  tries: fc.array(fc.tuple(time, text, fc.integer({ min: 0, max: 65535 })), { maxLength: 3 }).map((a) => a.flat()),
  proxyStart: time, upstreamHeadAt: time, end: fc.oneof(fc.constant(0), time),
}) as fc.Arbitrary<RequestTimings>
const facts = fc.record({
  method: text, scheme: fc.constantFrom('http', 'https'), host: text, path: text, query: text, clientIp: text, forwardedIp: text,
  requestId: text, status: fc.integer({ min: 0, max: 2 ** 31 }), route: text,
}) as fc.Arbitrary<RequestFacts>

describe('request spans from templates', () => {
  it('are the generic encoder\'s bytes for random requests', () => {
    fc.assert(fc.property(traced, timings, facts, (r, t, f) => {
      // a fixed end: the reference reads the clock for a missing one
      const tt = { ...t, end: t.end || 1 }
      const sink = new Sink()
      encodeRequestSpans(sink, r, tt, f)
      const ours = sink.finish()
      const spans = decode(ours)
      const ids = spans.map((s) => hexOf(s.span_id))
      const ref = requestSpans(r, tt, f).map((s, i) => new LeanSpan(s.name, s.kind, s.traceId, ids[i]!, s.parentId, s.start, s.end, s.attributes, s.status, s.remoteParent))
      const theirs = encodeSpans(new OtlpWriter(), header, ref)
      expect(ours.equals(theirs)).toBe(true)
      expect(spans.map((s) => s.name)).toEqual(decode(theirs).map((s) => s.name))
    }), { numRuns: 300 })
  })
})

const outcome = fc.record({
  status: fc.constantFrom(0, 200, 429, 502), ending: fc.constantFrom('complete', 'upstream_failed', 'client_aborted'),
  provider: fc.oneof(fc.constantFrom('openai', 'azure', 'bedrock'), text), requestModel: fc.option(text), responseModel: fc.option(text),
  routeType: fc.option(fc.oneof(fc.constantFrom('llm/v1/chat', 'llm/v1/embeddings'), text), { nil: undefined }),
  prompt: fc.nat(1e6), completion: fc.nat(1e6), reasons: fc.array(text, { maxLength: 3 }),
  payload: fc.option(fc.tuple(fc.option(text), text)), ttft: fc.option(fc.double({ min: 0, max: 1e5, noNaN: true })),
}).map((o): LlmOutcome => ({
  ending: o.ending as LlmOutcome['ending'], response: 'passthrough', status: o.status, requestId: 'r', pluginId: 'p', provider: o.provider,
  requestModel: o.requestModel, responseModel: o.responseModel, stream: false,
  usage: { prompt_tokens: o.prompt, completion_tokens: o.completion, total_tokens: o.prompt + o.completion }, cost: 0, latencyMs: 3.5,
  targetLatencyMs: 3, timeToFirstTokenMs: o.ttft, tried: [0], cache: 'none', routeType: o.routeType, finishReasons: () => o.reasons,
  payloads: o.payload === null ? null : { request: o.payload[0], response: o.payload[1] },
}))

describe('the GenAI span from templates', () => {
  it('is the generic encoder\'s bytes for random outcomes, its model and payloads capped', () => {
    fc.assert(fc.property(traced, outcome, (r, o) => {
      const sink = new Sink()
      encodeGenaiSpan(sink.w, r, o, 1000)
      const ours = sink.finish()
      const [span] = decode(ours)
      const s = genaiSpan(r, o, 1000)
      const ref = new LeanSpan(s.name, s.kind, s.traceId, hexOf(span!.span_id), s.parentId, s.start, s.end, s.attributes, s.status, s.remoteParent)
      expect(ours.equals(encodeSpans(new OtlpWriter(), header, [ref]))).toBe(true)
      const attr = (k: string) => span!.attributes.find((a) => a.key === k)?.value.string_value
      for (const k of ['gen_ai.request.model', 'gen_ai.response.model']) expect([...(attr(k) ?? '')].length).toBeLessThanOrEqual(MAX_MODEL_CHARS)
      for (const k of ['gen_ai.input.messages', 'gen_ai.output.messages']) expect([...(attr(k) ?? '')].length).toBeLessThanOrEqual(MAX_PAYLOAD_CHARS)
      // `{operation} {model}`: the operation comes from the config's route type, the model is capped
      expect(span!.name.length).toBeLessThanOrEqual((o.routeType ?? 'chat').length + 1 + MAX_MODEL_CHARS)
    }), { numRuns: 300 })
  })

  it('a model name cache that a client could fill: past its cap, names are still right', () => {
    const r: TracedRequest = { traceId: 'ab'.repeat(16), rootId: 'cd'.repeat(8), balancerId: 'ef'.repeat(8), parentId: null, genai: null }
    for (let i = 0; i < 600; i++) {
      const o = { ...fc.sample(outcome, { numRuns: 1, seed: i })[0]!, requestModel: `model-${i}-${'é'.repeat(i % 300)}`, routeType: 'llm/v1/chat' }
      const sink = new Sink()
      encodeGenaiSpan(sink.w, r, o, 1000)
      expect(decode(sink.finish())[0]!.name).toBe(genaiSpan(r, o, 1000).name)
    }
  })
})
