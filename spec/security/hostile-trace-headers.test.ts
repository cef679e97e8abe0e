// Client trace headers are hostile input: every malformed traceparent, b3, uber-trace-id, ot,
// datadog, X-Amzn-Trace-Id and X-Cloud-Trace-Context is ignored (the next format is tried, then a
// new trace starts), never an error, never echoed upstream as received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { extract } from '../../plugins/opentelemetry/propagation.ts'
import { EXTRACTORS, type Extractor } from '../../plugins/opentelemetry/schema.ts'
import type { TestGateway } from '../../public/testing/gateway.ts'
import type { FakeUpstream } from '../../public/testing/upstream.ts'
import { startPropagationGateway } from '../plugins/opentelemetry/propagation-gateway.ts'

const T = '4bf92f3577b34da6a3ce929d0e0e4736'
const S = '00f067aa0ba902b7'
const Z32 = '0'.repeat(32)
const Z16 = '0'.repeat(16)
/** long, still under the listener's header limit */
const LONG = 'a'.repeat(2000)

const MALFORMED: [Extractor, Record<string, string>][] = [
  ['w3c', { traceparent: '' }],
  ['w3c', { traceparent: 'garbage' }],
  ['w3c', { traceparent: `00-${Z32}-${S}-01` }],
  ['w3c', { traceparent: `00-${T}-${Z16}-01` }],
  ['w3c', { traceparent: `ff-${T}-${S}-01` }],
  ['w3c', { traceparent: `00-${T.toUpperCase()}-${S}-01` }],
  ['w3c', { traceparent: `00-${T}-${S}-0x` }],
  ['w3c', { traceparent: `00-${T}a-${S}-01` }],
  ['w3c', { traceparent: `00-${T}-${S}` }],
  ['w3c', { traceparent: `00-${T}-${S}-01-extra` }],
  ['w3c', { traceparent: `00-${LONG}-${S}-01` }],
  ['b3', { b3: 'not-a-b3' }],
  ['b3', { b3: `${T}-${S}-x` }],
  ['b3', { b3: `${Z32}-${S}-1` }],
  ['b3', { b3: `${T}-${S}-1-nothex` }],
  ['b3', { b3: `${T}-${S}-1-${S}-more` }],
  ['b3', { b3: LONG }],
  ['b3', { b3: '0' }],
  ['b3', { 'x-b3-traceid': 'zz', 'x-b3-spanid': S }],
  ['b3', { 'x-b3-traceid': T, 'x-b3-spanid': `${S}ff` }],
  ['b3', { 'x-b3-traceid': T }],
  ['b3', { 'x-b3-traceid': `${T}00`, 'x-b3-spanid': S }],
  ['jaeger', { 'uber-trace-id': 'a:b:c' }],
  ['jaeger', { 'uber-trace-id': `${T}:${S}:0:zz` }],
  ['jaeger', { 'uber-trace-id': `${T}1:${S}:0:1` }],
  ['jaeger', { 'uber-trace-id': `0:${S}:0:1` }],
  ['jaeger', { 'uber-trace-id': `${T}:${S}:xyz:1` }],
  ['jaeger', { 'uber-trace-id': `${LONG}:${S}:0:1` }],
  ['ot', { 'ot-tracer-traceid': T }],
  ['ot', { 'ot-tracer-traceid': 'g'.repeat(32), 'ot-tracer-spanid': S }],
  ['datadog', { 'x-datadog-trace-id': '-1' }],
  ['datadog', { 'x-datadog-trace-id': '0' }],
  ['datadog', { 'x-datadog-trace-id': '99999999999999999999999' }],
  ['datadog', { 'x-datadog-trace-id': '12', 'x-datadog-parent-id': 'abc' }],
  ['datadog', { 'x-datadog-trace-id': '1e3' }],
  ['aws', { 'x-amzn-trace-id': 'Root=garbage' }],
  ['aws', { 'x-amzn-trace-id': `Root=1-${T.slice(0, 8)}-${T.slice(8)}` }],
  ['aws', { 'x-amzn-trace-id': `Root=1-${T.slice(0, 8)}-${T.slice(8)};Parent=xyz` }],
  ['aws', { 'x-amzn-trace-id': `Root=2-${T.slice(0, 8)}-${T.slice(8)};Parent=${S}` }],
  ['aws', { 'x-amzn-trace-id': LONG }],
  ['gcp', { 'x-cloud-trace-context': `${T}` }],
  ['gcp', { 'x-cloud-trace-context': `${T}/abc;o=1` }],
  ['gcp', { 'x-cloud-trace-context': `${T}/0;o=1` }],
  ['gcp', { 'x-cloud-trace-context': `${Z32}/1;o=1` }],
  ['gcp', { 'x-cloud-trace-context': `${T}/99999999999999999999;o=1` }],
  ['gcp', { 'x-cloud-trace-context': `${T}/1;o=7` }],
]

const getter = (h: Record<string, string>) => (n: string) => (Object.hasOwn(h, n) ? h[n] : undefined)

describe('malformed trace headers are ignored', () => {
  it.each(MALFORMED)('%s #%#', (format, headers) => {
    expect(extract([format], getter(headers))).toBeNull()
    expect(extract(EXTRACTORS, getter(headers))).toBeNull()
  })

  it('prototype keys among the headers are not trace context', () => {
    const h = JSON.parse('{"__proto__": {"traceparent": "x"}, "constructor": "y", "prototype": "z"}') as Record<string, string>
    expect(extract(EXTRACTORS, getter(h))).toBeNull()
    expect(({} as Record<string, unknown>).traceparent).toBeUndefined()
  })
})

describe('through the gateway', () => {
  let gw: TestGateway
  let up: FakeUpstream
  beforeAll(async () => {
    ;({ gw, up } = await startPropagationGateway())
  })
  afterAll(async () => { await gw?.close(); await up?.close() })

  it.each(MALFORMED)('%s #%#: served, a new trace goes upstream', async (_f, headers) => {
    const res = await request(`${gw.proxy}/x`, { headers })
    await res.body.text()
    expect(res.statusCode).toBe(200)
    const tp = String(up.received.at(-1)!.headers.traceparent)
    expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/)
    expect(tp).not.toContain(T)
  })
})
