// Span attributes whose values usually repeat (the Host a client sends, the method, the route, the
// upstream address, the GenAI provider, operation and models) are written from per-worker caches of
// encoded pairs. The values come from clients and upstreams: floods of distinct, huge, non-ASCII or
// prototype-named values must not grow any cache past its cap, and every span must still carry
// the exact value.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'
import { encodeHeader, finishBatch, OtlpWriter, startBatch } from '../../plugins/opentelemetry/otlp-encode.ts'
import { encodeRequestSpans, requestPairCounts, type RequestFacts, type SpanSink, type TracedRequest } from '../../plugins/opentelemetry/request-spans.ts'
import { encodeGenaiSpan, genaiPairCounts } from '../../plugins/opentelemetry/genai-span.ts'
import { MAX_PAIRS } from '../../plugins/opentelemetry/encoded-pairs.ts'
import type { LlmOutcome } from '../../plugins/llm/outcome/llm-outcome.ts'

const root = protobuf.parse(readFileSync(new URL('../fixtures/otlp/trace.proto', import.meta.url), 'utf8'), { keepCase: true }).root
const Request = root.lookupType('otlp.ExportTraceServiceRequest')
type Span = { name: string; attributes: { key: string; value: { string_value?: string } }[] }
const spansOf = (b: Uint8Array): Span[] => (Request.toObject(Request.decode(b), { defaults: true }) as { resource_spans: { scope_spans: { spans: Span[] }[] }[] }).resource_spans[0]!.scope_spans[0]!.spans
const attr = (s: Span, key: string): string | undefined => s.attributes.find((a) => a.key === key)?.value.string_value

const header = encodeHeader({ 'service.name': 'kong' }, { name: 'kong-internal', version: '1' })
const r: TracedRequest = { traceId: 'ab'.repeat(16), rootId: 'cd'.repeat(8), balancerId: 'ef'.repeat(8), parentId: null, genai: null }

class Sink implements SpanSink {
  readonly w = new OtlpWriter(256)
  constructor() { startBatch(this.w, header) }
  spanWriter(): OtlpWriter { return this.w }
  spanDone(): void {}
  spanFailed(e: unknown): void { throw e }
}

/** lone surrogates as the UTF-8 on the wire has them (U+FFFD) */
const wellFormed = (s: string): string => Buffer.from(s, 'utf8').toString('utf8')
/** distinct hostile values, by request number */
const PAYLOADS: [string, (i: number) => string][] = [
  ['a new value per request', (i) => `h${i}.example`],
  ['64 KiB values', (i) => `${i}${'a'.repeat(64 * 1024)}`],
  ['values just past the length cap', (i) => `${i}`.padEnd(129, 'z')],
  ['non-ASCII and lone surrogates', (i) => `bü${i}\uD800👋`],
  ['prototype names', (i) => ['__proto__', 'constructor', 'prototype', 'toString'][i % 4]! + i],
  ['control characters', (i) => `\u0000${i}\r\n`],
]
const REQUESTS = 3 * MAX_PAIRS

const atCap = (counts: number[]): void => { for (const n of counts) expect(n).toBeLessThanOrEqual(MAX_PAIRS) }

describe('attribute pair caches under hostile values', () => {
  it.each(PAYLOADS)('request spans, %s: caches capped, values exact', (_what, value) => {
    for (let i = 0; i < REQUESTS; i++) {
      const v = value(i)
      const f: RequestFacts = { method: v, scheme: 'http', host: v, path: '/p', query: '', clientIp: '1.2.3.4', forwardedIp: '1.2.3.4', requestId: 'id', status: 200, route: v }
      const sink = new Sink()
      encodeRequestSpans(sink, r, { start: 1, routerStart: 0, routerEnd: 0, access: [], tries: [2, v, 80], proxyStart: 2, upstreamHeadAt: 3, end: 4 }, f)
      atCap(requestPairCounts())
      // decoding every request would dominate: check the first, some past the cap, and the last
      if (i < 2 || i % 97 === 0 || i === REQUESTS - 1) {
        const [kong, balancer] = spansOf(finishBatch(sink.w, header))
        for (const key of ['http.method', 'http.host', 'http.route']) expect(attr(kong!, key)).toBe(wellFormed(v))
        expect(attr(balancer!, 'net.peer.ip')).toBe(wellFormed(v))
      }
    }
  })

  it.each(PAYLOADS)('GenAI span, %s: caches capped, values exact', (_what, value) => {
    for (let i = 0; i < REQUESTS; i++) {
      const v = value(i)
      const o: LlmOutcome = {
        ending: 'complete', response: 'passthrough', status: 200, requestId: 'x', pluginId: null, provider: v, requestModel: v,
        responseModel: v, stream: false, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, cost: 0, latencyMs: 1,
        targetLatencyMs: 1, timeToFirstTokenMs: null, tried: [0], cache: 'none', routeType: v,
      }
      const w = new OtlpWriter(64)
      startBatch(w, header)
      encodeGenaiSpan(w, r, o, 100)
      atCap(genaiPairCounts())
      if (i < 2 || i % 97 === 0 || i === REQUESTS - 1) {
        const [s] = spansOf(finishBatch(w, header))
        expect(attr(s!, 'gen_ai.provider.name')).toBe(wellFormed(v))
        expect(attr(s!, 'gen_ai.operation.name')).toBe(wellFormed(v))
        expect(attr(s!, 'gen_ai.request.model')).toBe(wellFormed(v.slice(0, 256)))
      }
    }
  })
})
