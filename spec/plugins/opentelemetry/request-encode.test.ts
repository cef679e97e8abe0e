// A request's spans written straight into the batch (encodeRequestSpans, the request path) are
// the same bytes as the LeanSpan objects requestSpans makes, encoded one by one (the reference the
// encoder is checked against otlp-transformer with): for a table of requests. The child spans'
// ids are random bytes written in place, so the reference takes the ids the direct path drew.
// Also: a sink that refuses spans (a full queue) and an encoding that throws leave the batch valid.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'
import { encodeHeader, encodeSpans, finishBatch, OtlpWriter, startBatch } from '../../../plugins/opentelemetry/otlp-encode.ts'
import { KIND, LeanSpan, STATUS } from '../../../plugins/opentelemetry/lean-span.ts'
import { encodeRequestSpans, type RequestFacts, type SpanSink, type TracedRequest } from '../../../plugins/opentelemetry/request-spans.ts'
import { requestSpans } from '../../helpers/otel-reference-spans.ts'
import { encodeGenaiSpan, genaiSpan } from '../../../plugins/opentelemetry/genai-span.ts'
import type { RequestTimings } from '../../../pdk/tracing.ts'
import type { LlmOutcome } from '../../../plugins/llm/outcome/llm-outcome.ts'

const root = protobuf.parse(readFileSync(new URL('../../fixtures/otlp/trace.proto', import.meta.url), 'utf8'), { keepCase: true }).root
const Request = root.lookupType('otlp.ExportTraceServiceRequest')
type Decoded = { resource_spans: { scope_spans: { spans: { name: string; span_id: Uint8Array }[] }[] }[] }
const spansOf = (b: Uint8Array) => (Request.toObject(Request.decode(b), { defaults: true }) as Decoded).resource_spans[0]?.scope_spans[0]?.spans ?? []

const header = encodeHeader({ 'service.name': 'kong', 'service.instance.id': 'n1' }, { name: 'kong-internal', version: '1.0.0' })

class Sink implements SpanSink {
  readonly w = new OtlpWriter(256)
  done = 0
  failed = 0
  /** spans refused from this one on (a full queue) */
  constructor(private readonly room = Infinity) { startBatch(this.w, header) }
  spanWriter(): OtlpWriter | null { return this.done < this.room ? this.w : null }
  spanDone(): void { this.done++ }
  spanFailed(): void { this.failed++ }
  finish(): Buffer { return finishBatch(this.w, header) }
}

const T = '0af7651916cd43dd8448eb211c80319c'
const GENAI = new LeanSpan('chat gpt-4o', KIND.client, T, '1111222233334444', 'b7ad6b7169203331', 10, 20, { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 3 })

const traced = (o: Partial<TracedRequest> = {}): TracedRequest => ({ traceId: T, rootId: 'b7ad6b7169203331', balancerId: '00f067aa0ba902b7', parentId: null, genai: null, ...o })
const timings = (o: Partial<RequestTimings> = {}): RequestTimings => ({
  start: 1.25, routerStart: 1.5, routerEnd: 1.75, access: ['ai-proxy', 2, 3.5], tries: [4, '127.0.0.1', 8080],
  proxyStart: 4, upstreamHeadAt: 9, end: 12.125, ...o,
})
const facts = (o: Partial<RequestFacts> = {}): RequestFacts => ({
  method: 'POST', scheme: 'http', host: 'gw.example', path: '/v1/chat/completions', query: '', clientIp: '127.0.0.1',
  forwardedIp: '10.0.0.1', requestId: 'a'.repeat(32), status: 200, route: '/v1', ...o,
})

const CASES: [string, TracedRequest, RequestTimings, RequestFacts][] = [
  ['the bench request', traced(), timings(), facts()],
  ['a remote parent, a 502', traced({ parentId: 'ffeeddccbbaa9988' }), timings(), facts({ status: 502 })],
  ['no router reading, no access handler', traced(), timings({ routerStart: 0, access: [] }), facts()],
  ['a handler still running (end 0), three tries', traced(), timings({ access: ['a', 2, 3, 'b', 3, 0], tries: [4, '10.0.0.1', 80, 5, '10.0.0.2', 81, 6, '::1', 443] }), facts()],
  ['no try (answered by a plugin)', traced(), timings({ tries: [] }), facts()],
  ['a query (redacted), an IPv6 client', traced(), timings(), facts({ query: 'key=REDACTED&x=1', clientIp: '::1', forwardedIp: '::1' })],
  ['a URL past 127 bytes', traced(), timings(), facts({ path: `/${'p'.repeat(300)}`, query: 'q'.repeat(200) })],
  ['a non-ASCII path and host', traced(), timings(), facts({ path: '/café/\u{1F44B}', host: 'bücher.example' })],
  ['a lone surrogate in the query', traced(), timings(), facts({ query: 'x=\uD800' })],
  ['plugin names past the one-byte length guess (long, non-ASCII)', traced(), timings({ access: ['x'.repeat(60), 2, 3, 'ü'.repeat(40), 3, 4, 'y'.repeat(49), 4, 5] }), facts()],
  ['the GenAI span', traced({ genai: GENAI }), timings(), facts()],
  ['a long route, a huge status', traced(), timings(), facts({ route: `/${'r'.repeat(500)}`, status: 2 ** 31 })],
]

/** the reference: requestSpans' objects with the child span ids the direct path drew, encoded one by one */
function reference(r: TracedRequest, t: RequestTimings, f: RequestFacts, ids: string[]): Buffer {
  const spans = requestSpans(r, t, f).map((s, i) => new LeanSpan(s.name, s.kind, s.traceId, ids[i]!, s.parentId, s.start, s.end, s.attributes, s.status, s.remoteParent))
  return encodeSpans(new OtlpWriter(), header, spans)
}

describe('encodeRequestSpans', () => {
  it.each(CASES)('%s: the bytes requestSpans encodes to', (_what, r, t, f) => {
    const sink = new Sink()
    encodeRequestSpans(sink, r, t, f)
    const ours = sink.finish()
    const ids = spansOf(ours).map((s) => Buffer.from(s.span_id).toString('hex'))
    expect(ids).toHaveLength(sink.done)
    expect(sink.failed).toBe(0)
    expect(ours.equals(reference(r, t, f, ids))).toBe(true)
  })

  it('child span ids are fresh, 8 bytes, never the root or balancer id', () => {
    const sink = new Sink()
    for (let i = 0; i < 50; i++) encodeRequestSpans(sink, traced(), timings({ access: ['a', 2, 3, 'b', 3, 4] }), facts())
    const ids = spansOf(sink.finish()).map((s) => Buffer.from(s.span_id).toString('hex'))
    const children = ids.filter((id) => id !== 'b7ad6b7169203331' && id !== '00f067aa0ba902b7')
    expect(children).toHaveLength(150)
    expect(new Set(children).size).toBe(150)
    for (const id of children) expect(id).toMatch(/^[0-9a-f]{16}$/)
  })

  it.each([0, 1, 3])('a sink with room for %i spans gets that many, and a valid batch', (room) => {
    const sink = new Sink(room)
    encodeRequestSpans(sink, traced({ genai: GENAI }), timings(), facts())
    expect(sink.done).toBe(room)
    expect(spansOf(sink.finish()).map((s) => s.name)).toEqual(['kong', 'kong.router', 'kong.access.plugin.ai-proxy'].slice(0, room))
  })

  it('a span whose encoding throws is reported, the others are written', () => {
    const sink = new Sink()
    const bad = { ...facts(), get route(): string { throw new Error('boom') } } as RequestFacts
    const w = sink.w
    let at = 0
    // the sink takes a failed span back, as SpanExporter does
    sink.spanWriter = () => { at = w.pos; return w }
    sink.spanFailed = () => { w.pos = at; sink.failed++ }
    encodeRequestSpans(sink, traced(), timings(), bad)
    expect(sink.failed).toBe(1)
    expect(spansOf(sink.finish()).map((s) => s.name)).toEqual(['kong.router', 'kong.access.plugin.ai-proxy', 'kong.balancer'])
  })
})

// The server span's method, URL, host, scheme and flavor attributes are copied from the last
// request's bytes when its values repeat (repeated-bytes.ts): whatever the order, each request's
// bytes are the reference's.
const LONG_PATH = `/${'p'.repeat(600)}`
const HEAD_ORDERS: [string, Partial<RequestFacts>[]][] = [
  ['repeats', [{}, {}, {}]],
  ['each value changed in turn, then back', [{}, { method: 'GET' }, {}, { scheme: 'https' }, {}, { host: 'other.example' }, {}, { path: '/v2' }, {}, { query: 'a=1' }, {}]],
  ['a query appearing and going', [{ query: '' }, { query: 'x=1' }, { query: '' }, { query: 'x=1' }, { query: 'x=1' }]],
  ['equal values made apart', [{ host: 'gw.example' }, { host: ['gw', 'example'].join('.') }, { host: JSON.parse('"gw.example"') as string }]],
  ['a path and query split differently, same URL', [{ path: '/a', query: 'b=1' }, { path: '/a?b=1', query: '' }, { path: '/a', query: 'b=1' }]],
  ['host and path trading text', [{ host: 'ab', path: '/c' }, { host: 'a', path: 'b/c' }, { host: 'ab', path: '/c' }]],
  ['a URL too long to keep between kept ones', [{}, { path: LONG_PATH }, {}, { path: LONG_PATH }, { path: LONG_PATH }, {}]],
  ['non-ASCII and lone surrogates', [{ host: 'bücher.example' }, { host: 'bücher.example' }, { path: '/\uD800' }, { path: '/\uD800' }, {}]],
  ['prototype names as values', [{ host: '__proto__' }, { path: 'constructor' }, { method: 'prototype' }, { host: '__proto__' }, { host: '__proto__' }]],
  ['empty values', [{ method: '', scheme: '', host: '', path: '', query: '' }, { method: '', scheme: '', host: '', path: '', query: '' }, {}]],
]

describe('the server span head kept from the last request', () => {
  it.each(HEAD_ORDERS)('%s: every request\'s bytes are the reference\'s', (_what, order) => {
    for (const over of order) {
      const sink = new Sink()
      const r = traced(), t = timings(), f = facts(over)
      encodeRequestSpans(sink, r, t, f)
      const ours = sink.finish()
      const ids = spansOf(ours).map((s) => Buffer.from(s.span_id).toString('hex'))
      expect(ours.equals(reference(r, t, f, ids))).toBe(true)
    }
  })
})

describe('STATUS of the spans', () => {
  it('a failed try before the last is an error, the last is unset', () => {
    const sink = new Sink()
    encodeRequestSpans(sink, traced(), timings({ tries: [4, 'a', 1, 5, 'b', 2] }), facts())
    const spans = Request.toObject(Request.decode(sink.finish()), { defaults: true }) as { resource_spans: { scope_spans: { spans: { name: string; status: { code: number } }[] }[] }[] }
    const tries = spans.resource_spans[0]!.scope_spans[0]!.spans.filter((s) => s.name === 'kong.balancer')
    expect(tries.map((s) => s.status.code)).toEqual([STATUS.error, STATUS.unset])
  })
})

function outcome(over: Partial<LlmOutcome>): LlmOutcome {
  return {
    ending: 'complete', response: 'passthrough', status: 200, requestId: 'r', pluginId: 'p', provider: 'openai',
    requestModel: 'gpt-4o', responseModel: 'gpt-4o-2024-08-06', stream: false, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    cost: 0, latencyMs: 5.5, targetLatencyMs: 4, timeToFirstTokenMs: null, tried: [0], cache: 'none', ...over,
  }
}

const OUTCOMES: [string, Partial<LlmOutcome>][] = [
  ['a plain chat answer', {}],
  ['no tokens read, no models', { usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, requestModel: null, responseModel: null }],
  ['every attribute: reasons, time to first token, cost, payloads', {
    finishReasons: () => ['stop', 'length'], timeToFirstTokenMs: 123.4, cost: 0.00042, provider: 'azure',
    payloads: { request: JSON.stringify([{ role: 'user', content: 'héllo 👋 '.repeat(400) }]), response: 'x'.repeat(40_000) },
  }],
  ['a failed stream (error.type = its ending)', { ending: 'upstream-error' as LlmOutcome['ending'], status: 502 }],
  ['a 429 (error.type = the status)', { status: 429 }],
  ['an unknown route type and provider', { routeType: 'llm/v1/assistants' as LlmOutcome['routeType'], provider: 'acme' }],
  ['a 1,000-character non-ASCII model (cut)', { requestModel: 'ü'.repeat(1000), responseModel: '\u{1F44B}'.repeat(500) }],
  ['payloads with no request', { payloads: { request: null, response: 'ok' } }],
]

/** encodeGenaiSpan's bytes for the outcome `over` describes are the bytes of genaiSpan's record (its span id aside, drawn per span). */
function expectGenaiBytes(over: Parameters<typeof outcome>[0]): void {
    const o = outcome(over)
    const r = traced()
    const sink = new Sink()
    encodeGenaiSpan(sink.w, r, o, 1000.25)
    const ours = sink.finish()
    const [decoded] = spansOf(ours)
    const s = genaiSpan(r, o, 1000.25)
    const ref = new LeanSpan(s.name, s.kind, s.traceId, Buffer.from(decoded!.span_id).toString('hex'), s.parentId, s.start, s.end, s.attributes, s.status, s.remoteParent)
    expect(ours.equals(encodeSpans(new OtlpWriter(), header, [ref]))).toBe(true)
}

describe('encodeGenaiSpan', () => {
  it.each(OUTCOMES)('%s: the bytes genaiSpan encodes to', (_what, over) => {
    expectGenaiBytes(over)
  })
})

// The GenAI span's operation and provider, and its models with a single finish reason, are copied
// from the last span's bytes when their values repeat (repeated-bytes.ts): whatever the order,
// each span's bytes are genaiSpan's.
const reasons = (...r: unknown[]) => ({ finishReasons: () => r as string[] })
const GENAI_ORDERS: [string, Partial<LlmOutcome>[]][] = [
  ['repeats', [reasons('stop'), reasons('stop'), reasons('stop')]],
  ['each value changed in turn, then back', [reasons('stop'), { ...reasons('stop'), routeType: 'llm/v1/embeddings' }, reasons('stop'),
    { ...reasons('stop'), provider: 'azure' }, reasons('stop'), { ...reasons('stop'), requestModel: 'gpt-4o-mini' }, reasons('stop'),
    { ...reasons('stop'), responseModel: 'gpt-4o-mini' }, reasons('stop'), reasons('length'), reasons('stop')]],
  ['no reason, one, two, one', [reasons(), reasons('stop'), reasons('stop', 'length'), reasons('stop'), {}, reasons('stop')]],
  ['a model missing between kept ones', [reasons('stop'), { ...reasons('stop'), requestModel: null }, reasons('stop'), { ...reasons('stop'), responseModel: null }, reasons('stop')]],
  ['the route type given or defaulted', [{ ...reasons('stop'), routeType: undefined }, { ...reasons('stop'), routeType: 'llm/v1/chat' }, { ...reasons('stop'), routeType: undefined }]],
  ['models and reason trading text', [{ ...reasons('b'), requestModel: 'a', responseModel: 'bc' }, { ...reasons('c'), requestModel: 'a', responseModel: 'bb' }, { ...reasons('b'), requestModel: 'a', responseModel: 'bc' }]],
  ['equal values made apart', [reasons('stop'), { ...reasons(['st', 'op'].join('')), provider: ['open', 'ai'].join('') }, reasons(JSON.parse('"stop"') as string)]],
  ['models too long to keep (cut to 256) between kept ones', [reasons('stop'), { ...reasons('stop'), requestModel: 'ü'.repeat(1000), responseModel: 'x'.repeat(300) }, reasons('stop'),
    { ...reasons('stop'), requestModel: 'ü'.repeat(1000), responseModel: 'x'.repeat(300) }, { ...reasons('stop'), requestModel: 'ü'.repeat(1000), responseModel: 'x'.repeat(300) }]],
  ['a reason that is not a string', [reasons('stop'), reasons(7), reasons(null), reasons({ toString: () => 'stop' }), reasons('stop')]],
  ['prototype names as values', [{ ...reasons('__proto__'), provider: 'constructor', requestModel: 'prototype', responseModel: '__proto__', routeType: 'hasOwnProperty' as LlmOutcome['routeType'] }, reasons('stop'),
    { ...reasons('__proto__'), provider: 'constructor', requestModel: 'prototype', responseModel: '__proto__', routeType: 'hasOwnProperty' as LlmOutcome['routeType'] }]],
  ['a provider, route type or response model that is not a string, between kept ones', [reasons('stop'),
    { ...reasons('stop'), provider: 7 as never }, reasons('stop'), { ...reasons('stop'), routeType: 3 as never }, reasons('stop'),
    { ...reasons('stop'), responseModel: ['a', 'b'] as never }, { ...reasons('stop'), responseModel: true as never }, reasons('stop')]],
  ['empty values, non-ASCII and lone surrogates', [{ ...reasons(''), provider: '', requestModel: '', responseModel: '' }, { ...reasons('é'), requestModel: '\uD800' }, { ...reasons('é'), requestModel: '\uD800' }, reasons('stop')]],
]

describe('the GenAI span blocks kept from the last span', () => {
  it.each(GENAI_ORDERS)('%s: every span\'s bytes are genaiSpan\'s', (_what, order) => {
    for (const over of order) {
      expectGenaiBytes(over)
    }
  })
})
