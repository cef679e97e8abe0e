// A tracing config that writes the same header twice (header_type 'w3c' is inject ['preserve',
// 'w3c']: with no client context, or a w3c one, both write traceparent) must still send that name
// once upstream, the last value written, as Kong's ngx.req.set_header replaces: two traceparents
// make the upstream's tracer drop the context (W3C Trace Context) and a WebSocket handshake
// joined them into one "a, b" value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import WebSocket, { WebSocketServer } from 'ws'
import type { IncomingMessage } from 'node:http'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

const T = '4bf92f3577b34da6a3ce929d0e0e4736'
const S = '00f067aa0ba902b7'
const ENDPOINT = 'http://127.0.0.1:9/v1/traces'

/** [what, opentelemetry config, client headers, names that must arrive exactly once] */
const CASES: [string, Record<string, unknown>, Record<string, string>, string[]][] = [
  ['header_type w3c, no client context', { header_type: 'w3c' }, {}, ['traceparent']],
  ['header_type w3c, client traceparent', { header_type: 'w3c' }, { traceparent: `00-${T}-${S}-01` }, ['traceparent']],
  ['header_type w3c, client traceparent in capitals', { header_type: 'w3c' }, { TraceParent: `00-${T}-${S}-01` }, ['traceparent']],
  ['header_type b3, client b3 headers', { header_type: 'b3' }, { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-sampled': '1' }, ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled']],
  ['header_type jaeger, client uber-trace-id', { header_type: 'jaeger' }, { 'uber-trace-id': `${T}:${S}:0:1` }, ['uber-trace-id']],
  ['header_type datadog, client datadog', { header_type: 'datadog' }, { 'x-datadog-trace-id': '1', 'x-datadog-parent-id': '2' }, ['x-datadog-trace-id', 'x-datadog-parent-id', 'x-datadog-sampling-priority']],
  ['header_type aws, client aws', { header_type: 'aws' }, { 'x-amzn-trace-id': `Root=1-${T.slice(0, 8)}-${T.slice(8)};Parent=${S};Sampled=1` }, ['x-amzn-trace-id']],
  ['header_type gcp, client gcp', { header_type: 'gcp' }, { 'x-cloud-trace-context': `${T}/1;o=1` }, ['x-cloud-trace-context']],
  ['header_type ot, client ot', { header_type: 'ot' }, { 'ot-tracer-traceid': T, 'ot-tracer-spanid': S, 'ot-tracer-sampled': '1' }, ['ot-tracer-traceid', 'ot-tracer-spanid', 'ot-tracer-sampled']],
  ['inject the same format twice', { propagation: { extract: ['w3c'], inject: ['w3c', 'w3c'], default_format: 'w3c' } }, {}, ['traceparent']],
  ['inject b3 and preserve from b3', { propagation: { extract: ['b3'], inject: ['preserve', 'b3'], default_format: 'b3' } }, { 'x-b3-traceid': T, 'x-b3-spanid': S }, ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled']],
  ['cleared and injected twice', { propagation: { extract: [], inject: ['w3c', 'w3c'], clear: ['traceparent', 'TRACEPARENT'], default_format: 'w3c' } }, { traceparent: 'evil' }, ['traceparent']],
]

const valuesOf = (raw: string[], name: string): string[] => {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!)
  return out
}

/** one route per case, each with its own opentelemetry config */
const config = (url: string): string => JSON.stringify({
  _format_version: '3.0',
  services: [{
    name: 's', url,
    routes: CASES.map((_, i) => ({
      name: `r${i}`, paths: [`/c${i}`],
      plugins: [{ name: 'opentelemetry', config: { traces_endpoint: ENDPOINT, sampling_rate: 1, ...CASES[i]![1] } }],
    })),
  }],
})

describe('a trace header written twice by the config reaches the upstream once', () => {
  let gw: TestGateway
  let up: FakeUpstream
  beforeAll(async () => {
    up = await startUpstream()
    gw = await startGateway(config(up.url))
  })
  afterAll(async () => { await gw?.close(); await up?.close() })

  it.each(CASES.map((c, i) => [c[0], i] as const))('HTTP: %s', async (_, i) => {
    const [, , headers, once] = CASES[i]!
    const res = await request(`${gw.proxy}/c${i}`, { headers })
    await res.body.text()
    expect(res.statusCode).toBe(200)
    const raw = up.received.at(-1)!.rawHeaders
    for (const name of once) {
      const v = valuesOf(raw, name)
      expect([name, v.length]).toEqual([name, 1])
      expect(v[0]).not.toContain(',')
    }
  })
})

describe('a trace header written twice by the config reaches a WebSocket upstream once', () => {
  let gw: TestGateway
  let wss: WebSocketServer
  const upgrades: IncomingMessage[] = []
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    wss.on('connection', (_ws, req) => { upgrades.push(req) })
    await new Promise((resolve) => wss.on('listening', resolve))
    gw = await startGateway(config(`http://127.0.0.1:${(wss.address() as { port: number }).port}`))
  })
  afterAll(async () => {
    await gw?.close()
    await new Promise((resolve) => wss?.close(resolve))
  })

  it.each(CASES.map((c, i) => [c[0], i] as const))('WebSocket: %s', async (_, i) => {
    const [, , headers, once] = CASES[i]!
    const ws = new WebSocket(`${gw.proxy.replace('http', 'ws')}/c${i}`, { headers })
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
    ws.close()
    const raw = upgrades.at(-1)!.rawHeaders
    for (const name of once) {
      const v = valuesOf(raw, name)
      expect([name, v.length]).toEqual([name, 1])
      expect(v[0]).not.toContain(',')
    }
  })
})
