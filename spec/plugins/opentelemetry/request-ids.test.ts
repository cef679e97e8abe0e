// A request's ids kept as bytes (RequestIds): their hex, the traceparent written from them, the
// sampler on them and the spans encoded from them are what the hex strings gave. And the plugin's
// outgoing header pairs, overwritten in place request after request, never carry an earlier
// request's headers.
import { describe, expect, it } from 'vitest'
import { RequestIds } from '../../../plugins/opentelemetry/request-ids.ts'
import { traceparent, traceparentFromBytes } from '../../../plugins/opentelemetry/propagation.ts'
import { sampledByRate, sampledByRateBytes } from '../../../plugins/opentelemetry/trace-ids.ts'
import { encodeRequestSpans, type RequestFacts, type SpanSink, type TracedRequest } from '../../../plugins/opentelemetry/request-spans.ts'
import { OtlpWriter } from '../../../plugins/opentelemetry/otlp-encode.ts'
import otel from '../../../plugins/opentelemetry/index.ts'
import type { OtelConf } from '../../../plugins/opentelemetry/schema.ts'
import type { RequestTimings } from '../../../pdk/tracing.ts'
import * as hook from '../../../core/runloop/tracing-hook.ts'
import { makeKong } from '../../pdk/context-factory.ts'
import { upstreamHeaders as headOf } from '../../../core/proxy/upstream-request.ts'
import type { RequestContext } from '../../../core/runloop/context.ts'

/** Kong's own upstream headers (not the client's, not a trace header) */
const KONGS = new Set(['host', 'via', 'x-real-ip', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-path'])

/** What an attempt of `ctx` sends but Kong's own headers, name then value, in order (names may repeat). */
function sentPairs(ctx: RequestContext): [string, string][] {
  const flat = headOf(ctx, ctx.upstream!, false)
  const out: [string, string][] = []
  for (let i = 0; i < flat.length; i += 2) if (!KONGS.has(flat[i]!)) out.push([flat[i]!, flat[i + 1]!])
  return out
}

const CLIENT_TRACES = [
  '4bf92f3577b34da6a3ce929d0e0e4736',
  '00000000000000000000000000000001',
  'ffffffffffffffffffffffffffffffff',
  '0000000000000000a3ce929d0e0e4736',
  '80000000000000000000000080000000',
]

describe('RequestIds', () => {
  it.each(CLIENT_TRACES)('a client trace %s: its bytes give back its hex', (trace) => {
    const r = new RequestIds()
    r.draw(trace)
    expect(r.traceId).toBe(trace)
    expect(r.ids.buf.toString('hex', 2, 18)).toBe(trace)
    expect(r.rootId).toMatch(/^[0-9a-f]{16}$/)
    expect(r.balancerId).toMatch(/^[0-9a-f]{16}$/)
    expect(r.rootId).not.toBe(r.balancerId)
  })

  it('new ids on every draw, none all zeros; copies keep them', () => {
    const seen = new Set<string>()
    const a = new RequestIds()
    const b = new RequestIds()
    for (let i = 0; i < 300; i++) {
      a.draw(null)
      b.copyFrom(a)
      for (const id of [a.traceId, a.rootId, a.balancerId]) {
        expect(id).not.toMatch(/^0+$/)
        expect(seen.has(id)).toBe(false)
        seen.add(id)
      }
      expect([b.traceId, b.rootId, b.balancerId]).toEqual([a.traceId, a.rootId, a.balancerId])
    }
  })

  it('the root span id is drawn when first read or copied, new for every draw', () => {
    const a = new RequestIds()
    const b = new RequestIds()
    const roots = new Set<string>()
    // every order of draws, reads and copies
    for (const steps of ['dr', 'ddr', 'dc', 'drc', 'dcr', 'dd', 'drdr', 'dcdc']) {
      for (const step of steps) {
        if (step === 'd') {
          a.ids.buf.fill(0, 20, 28)
          a.draw(null)
          // not drawn yet: a sampled-out request injecting W3C takes 24 random bytes, not 32
          expect(a.ids.buf.subarray(20, 28).every((x) => x === 0)).toBe(true)
        } else if (step === 'r') {
          const root = a.rootId
          expect(a.ids.buf.toString('hex', 20, 28)).toBe(root)
          expect(a.rootId).toBe(root)
        } else {
          b.copyFrom(a)
          expect(b.ids.buf.toString('hex', 20, 28)).toBe(a.ids.buf.toString('hex', 20, 28))
          expect(b.rootId).toBe(a.rootId)
        }
      }
      expect(roots.has(a.rootId)).toBe(false)
      roots.add(a.rootId)
      expect(a.rootId).not.toMatch(/^0+$/)
    }
  })

  it('a copy made before the hex was asked for gives the hex of its own bytes', () => {
    const a = new RequestIds()
    const b = new RequestIds()
    a.draw(null)
    b.copyFrom(a)
    const hex = a.ids.buf.toString('hex', 2, 18)
    a.draw(null)
    expect(b.traceId).toBe(hex)
    expect(a.traceId).not.toBe(hex)
  })

  it.each([true, false])('traceparentFromBytes = traceparent of the hex (sampled %s)', (sampled) => {
    const r = new RequestIds()
    for (let i = 0; i < 200; i++) {
      r.draw(i % 2 === 0 ? null : CLIENT_TRACES[i % CLIENT_TRACES.length]!)
      expect(traceparentFromBytes(r.ids.buf, 2, r.ids.buf, 28, sampled)).toBe(traceparent(r.traceId, r.balancerId, sampled))
    }
  })

  it.each([0, 0.0001, 0.01, 0.25, 0.5, 0.999, 1])('the sampler on bytes decides as on hex (rate %s)', (rate) => {
    const r = new RequestIds()
    for (let i = 0; i < 500; i++) {
      r.draw(i < CLIENT_TRACES.length ? CLIENT_TRACES[i]! : null)
      expect(sampledByRateBytes(r.ids.buf, 2, rate)).toBe(sampledByRate(r.traceId, rate))
    }
  })
})

class Sink implements SpanSink {
  readonly w = new OtlpWriter(256)
  spanWriter(): OtlpWriter { return this.w }
  spanDone(): void {}
  spanFailed(err: unknown): void { throw err }
}

describe('spans from id bytes', () => {
  const t: RequestTimings = { start: 1, routerStart: 2, routerEnd: 3, access: [], tries: [4, '127.0.0.1', 80], proxyStart: 4, upstreamHeadAt: 5, end: 6 }
  const f: RequestFacts = { method: 'GET', scheme: 'http', host: 'h', path: '/', query: '', clientIp: '1.1.1.1', forwardedIp: '1.1.1.1', requestId: 'x', status: 200, route: '/' }
  // the only random span ids left are the router's: no access spans, one try (the balancer's id)
  const withoutRouter = { ...t, routerStart: 0 }

  it.each([null, '00f067aa0ba902b7'])('the same bytes as from the hex ids (caller span %s)', (parentId) => {
    const r = new RequestIds()
    for (let i = 0; i < 20; i++) {
      r.draw(null)
      const bytes: TracedRequest = { traceId: r.traceId, rootId: r.rootId, balancerId: r.balancerId, parentId, genai: null, ids: r.ids }
      const hex: TracedRequest = { traceId: r.traceId, rootId: r.rootId, balancerId: r.balancerId, parentId, genai: null }
      const a = new Sink()
      const b = new Sink()
      encodeRequestSpans(a, bytes, withoutRouter, f)
      encodeRequestSpans(b, hex, withoutRouter, f)
      expect(Buffer.from(a.w.buf.subarray(0, a.w.pos)).toString('hex')).toBe(Buffer.from(b.w.buf.subarray(0, b.w.pos)).toString('hex'))
    }
  })
})

describe('outgoing trace headers, request after request', () => {
  const conf = {
    traces_endpoint: 'http://127.0.0.1:9/v1/traces', batch_span_count: 200, batch_flush_delay: 3, connect_timeout: 1000,
    send_timeout: 5000, read_timeout: 5000, header_type: 'preserve', sampling_rate: 1, propagation: { default_format: 'w3c' },
  } as OtelConf
  otel.configure!(makeKong().kong, [conf])

  function upstreamHeaders(headers: Record<string, string>): Record<string, string> {
    const { kong, ctx, enter } = makeKong({ method: 'GET', path: '/', headers })
    const upstream = ctx.upstream!
    ctx.trace = hook.startTrace()
    enter('access')
    otel.access!(kong, conf)
    ctx.trace.attempt(upstream)
    const pairs = sentPairs(ctx)
    // each name once: a client's header of a name the plugin sets is replaced, not sent beside it
    expect(new Set(pairs.map((p) => p[0])).size).toBe(pairs.length)
    // nothing copied into the upstream request's header changes
    expect(upstream.headers).toBeNull()
    const out = Object.fromEntries(pairs) as Record<string, string>
    enter('log')
    otel.log!(kong, conf)
    hook.endTrace(ctx)
    return out
  }

  const T = '4bf92f3577b34da6a3ce929d0e0e4736'
  const S = '00f067aa0ba902b7'
  // preserve answers in the client's format: b3 (four headers) then w3c (one) must not leave b3's behind
  it.each<[string, Record<string, string>, string[]]>([
    ['b3 multi', { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-sampled': '1' }, ['x-b3-parentspanid', 'x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid']],
    ['w3c', { traceparent: `00-${T}-${S}-01` }, ['traceparent']],
    ['none', {}, ['traceparent']],
    ['jaeger', { 'uber-trace-id': `${T}:${S}:0:1` }, ['uber-trace-id']],
    ['hostile w3c', { traceparent: `00-${T}-${S}-01\r\nx-evil: 1` }, ['traceparent']],
    ['datadog', { 'x-datadog-trace-id': '123', 'x-datadog-parent-id': '456' }, ['x-datadog-parent-id', 'x-datadog-sampling-priority', 'x-datadog-trace-id']],
    ['none again', {}, ['traceparent']],
  ])('%s', (_, headers, names) => {
    // after a request that sent b3's four headers
    upstreamHeaders({ 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-sampled': '1' })
    const h = upstreamHeaders(headers)
    expect(Object.keys(h).sort()).toEqual(names)
    for (const v of Object.values(h)) expect(v).toMatch(/^[0-9a-zA-Z:;=/-]+$/)
    if (names[0] === 'traceparent') expect(h.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
  })
})

describe('http_response_header_for_traceid', () => {
  const conf = {
    traces_endpoint: 'http://127.0.0.1:9/v1/traces', batch_span_count: 200, batch_flush_delay: 3, connect_timeout: 1000,
    send_timeout: 5000, read_timeout: 5000, header_type: 'preserve', sampling_rate: 1, propagation: { default_format: 'w3c' },
    http_response_header_for_traceid: 'x-trace-id',
  } as OtelConf
  otel.configure!(makeKong().kong, [conf])

  // the trace id the client sent, or the new one the upstream was told: the hex of the kept bytes
  it.each<[string, Record<string, string>, string | null]>([
    ['client traceparent', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['client b3 of 16 digits', { 'x-b3-traceid': 'a3ce929d0e0e4736', 'x-b3-spanid': '00f067aa0ba902b7' }, '0000000000000000a3ce929d0e0e4736'],
    ['none', {}, null],
    ['hostile traceparent', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nx: y' }, null],
  ])('%s', (_, headers, expected) => {
    const { kong, ctx, enter } = makeKong({ method: 'GET', path: '/', headers })
    const upstream = ctx.upstream!
    ctx.trace = hook.startTrace()
    enter('access')
    otel.access!(kong, conf)
    ctx.trace.attempt(upstream)
    const sent = new Map(sentPairs(ctx))
    const added: [string, unknown][] = []
    kong.response.addHeader = (name: string, value: unknown) => { added.push([name, value]) }
    enter('header_filter')
    otel.header_filter!(kong, conf)
    enter('log')
    otel.log!(kong, conf)
    hook.endTrace(ctx)
    expect(added.length).toBe(1)
    const id = added[0]![1] as string
    expect(added[0]![0]).toBe('x-trace-id')
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    if (expected !== null) expect(id).toBe(expected)
    // the same trace the upstream was told about (preserve: b3 answers in b3)
    const told = sent.get('traceparent') ?? sent.get('x-b3-traceid')
    expect(told).toContain(id)
  })
})
