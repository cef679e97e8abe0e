// The opentelemetry plugin skips extraction when a request carries none of the headers its formats
// give up without (kong.tracing.carriesAny over extractorHeaders): that shortcut must never miss a
// client's trace context. Random hostile header sets (every format's headers, valid and malformed
// values, prototype names) never hold a context extract() finds without one of those headers; and
// through the gateway a valid context in each format is still joined, a partial one still ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { request } from 'undici'
import { extract, extractorHeaders } from '../../plugins/opentelemetry/propagation.ts'
import { EXTRACTORS, type Extractor } from '../../plugins/opentelemetry/schema.ts'
import { makeKong } from '../pdk/context-factory.ts'
import type { TestGateway } from '../../public/testing/gateway.ts'
import type { FakeUpstream } from '../../public/testing/upstream.ts'
import { startPropagationGateway } from '../plugins/opentelemetry/propagation-gateway.ts'

const T = '4bf92f3577b34da6a3ce929d0e0e4736'
const S = '00f067aa0ba902b7'
const DEC = BigInt(`0x${S}`).toString()

/** every header any extractor reads */
const NAMES = [
  'traceparent', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-flags', 'uber-trace-id',
  'ot-tracer-traceid', 'ot-tracer-spanid', 'ot-tracer-sampled', 'x-datadog-trace-id', 'x-datadog-parent-id',
  'x-datadog-sampling-priority', 'x-amzn-trace-id', 'x-cloud-trace-context',
]
/** values valid for some header of some format, and garbage */
const VALUES = [
  `00-${T}-${S}-01`, `${T}-${S}-1`, T, S, '1', '0', 'd', 'true', `${T}:${S}:0:1`, DEC, '12345',
  `Root=1-${T.slice(0, 8)}-${T.slice(8)};Parent=${S};Sampled=1`, `${T}/${DEC};o=1`, '', ' ', 'garbage', '__proto__',
]
const PROTO = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf']

const getter = (h: Record<string, string>) => (n: string) => (Object.hasOwn(h, n) ? h[n] : undefined)

describe('extractorHeaders: no context is found without one of them', () => {
  it('every format alone and Kong\'s default order', () => {
    expect(extractorHeaders(['w3c'])).toEqual(['traceparent'])
    expect(extractorHeaders(['b3'])).toEqual(['b3', 'x-b3-traceid'])
    expect(extractorHeaders(['b3', 'w3c', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'])).toHaveLength(8)
    expect(extractorHeaders([])).toEqual([])
  })

  it('random hostile header sets and format lists', () => {
    const headers = fc.dictionary(fc.constantFrom(...NAMES, ...PROTO), fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 80 })), { maxKeys: 10 })
      .map((d) => Object.assign(Object.create(null) as Record<string, string>, d))
    const formats = fc.uniqueArray(fc.constantFrom(...EXTRACTORS), { minLength: 1 })
    let found = 0
    fc.assert(fc.property(headers, formats, (h, f) => {
      const ctx = extract(f, getter(h))
      const carried = extractorHeaders(f).some((n) => Object.hasOwn(h, n))
      if (ctx !== null) { found++; expect(carried).toBe(true) }
    }), { numRuns: 5000 })
    // the runs did exercise found contexts, not only empty ones
    expect(found).toBeGreaterThan(100)
  })
})

describe('kong.tracing.carriesAny', () => {
  const HOSTILE: [string, Record<string, string>, boolean][] = [
    ['none', {}, false],
    ['other headers only', { 'content-type': 'application/json', accept: '*/*' }, false],
    ['prototype names as header names', Object.fromEntries(PROTO.map((n) => [n, 'traceparent'])), false],
    ['an empty value still counts as carried', { traceparent: '' }, true],
    ['a secondary header alone', { 'x-b3-spanid': S }, false],
    ['a 64 KiB value', { 'x-cloud-trace-context': 'x'.repeat(65536) }, true],
    ['the last name of the list', { 'x-cloud-trace-context': `${T}/${DEC}` }, true],
  ]
  it.each(HOSTILE)('%s', (_what, headers, want) => {
    const { kong, enter } = makeKong({ headers })
    enter('access')
    expect(kong.tracing.carriesAny(extractorHeaders([...EXTRACTORS]))).toBe(want)
    expect(kong.tracing.carriesAny([])).toBe(false)
  })

  it('is a request-phase function', () => {
    const { kong, enter } = makeKong({ headers: { traceparent: `00-${T}-${S}-01` } })
    enter('init_worker' as never)
    expect(() => kong.tracing.carriesAny(['traceparent'])).toThrow()
  })
})

describe('through the gateway: a client context is joined in every format, a partial one ignored', () => {
  let gw: TestGateway
  let up: FakeUpstream
  beforeAll(async () => {
    ;({ gw, up } = await startPropagationGateway())
  })
  afterAll(async () => { await gw?.close(); await up?.close() })

  const CASES: [string, Record<string, string>, boolean][] = [
    ['w3c', { traceparent: `00-${T}-${S}-01` }, true],
    ['b3 single', { b3: `${T}-${S}-1` }, true],
    ['b3 multi', { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-sampled': '1' }, true],
    ['jaeger', { 'uber-trace-id': `${T}:${S}:0:1` }, true],
    ['ot', { 'ot-tracer-traceid': T, 'ot-tracer-spanid': S, 'ot-tracer-sampled': '1' }, true],
    ['aws', { 'x-amzn-trace-id': `Root=1-${T.slice(0, 8)}-${T.slice(8)};Parent=${S};Sampled=1` }, true],
    ['gcp', { 'x-cloud-trace-context': `${T}/${DEC};o=1` }, true],
    ['upper-case names (lowercased by the listener)', { TraceParent: `00-${T}-${S}-01` }, true],
    ['b3 span id without its trace id', { 'x-b3-spanid': S, 'x-b3-sampled': '1' }, false],
    ['ot span id without its trace id', { 'ot-tracer-spanid': S }, false],
    ['datadog parent without its trace id', { 'x-datadog-parent-id': DEC }, false],
    ['prototype names carrying a traceparent value', { constructor: `00-${T}-${S}-01`, 'hasownproperty': `00-${T}-${S}-01` }, false],
  ]
  it.each(CASES)('%s', async (_what, headers, joined) => {
    const res = await request(`${gw.proxy}/x`, { headers })
    await res.body.text()
    expect(res.statusCode).toBe(200)
    const tp = String(up.received.at(-1)!.headers.traceparent)
    expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
    if (joined) expect(tp.slice(3, 35)).toBe(T)
    else expect(tp).not.toContain(T)
  })
})
