// The span the upstream is told is its parent, for each KONG_TRACING_INSTRUMENTATIONS value and
// each injected format, through a real gateway: always a span the gateway exports (the last
// `kong.balancer` try, or `kong` when balancer spans are off), its parent field right (b3,
// b3-single, jaeger), every format naming the same ids; with `off` (Kong's default) an unexported
// span whose parent is the client's, marked not sampled. HTTP requests and WebSocket upgrades.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import WebSocket, { WebSocketServer } from 'ws'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { INJECTORS, EXTRACTORS } from '../../../plugins/opentelemetry/schema.ts'
import { startReceiver, type Receiver, type ReceivedSpan } from './otlp-receiver.ts'
import { closeOtelPools } from '../../../plugins/opentelemetry/span-exporter.ts'

const CLIENT_SPAN = '00f067aa0ba902b7'

let up: FakeUpstream
let rx: Receiver
let wss: WebSocketServer
const upgrades: IncomingMessage[] = []

function config(upstreamUrl: string): string {
  return JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 's', url: upstreamUrl, routes: [{ name: 'r', paths: ['/'] }] }],
    plugins: [{ name: 'opentelemetry', config: {
      traces_endpoint: rx.url, batch_flush_delay: 0, sampling_rate: 1,
      propagation: { extract: [...EXTRACTORS], inject: [...INJECTORS], default_format: 'w3c' },
    } }],
  })
}

interface Ctx { traceId: string; spanId: string; parentId: string | null | undefined; sampled: boolean }
const hex = (dec: string): string => BigInt(dec).toString(16).padStart(16, '0')
const one = (h: IncomingHttpHeaders, name: string): string => {
  const v = h[name]
  expect(typeof v, name).toBe('string')
  return v as string
}

/** each injected format's context as the upstream reads it (parentId undefined: the format has no such field) */
function contexts(h: IncomingHttpHeaders): Record<string, Ctx> {
  const tp = one(h, 'traceparent').split('-')
  const single = one(h, 'b3').split('-')
  const jaeger = one(h, 'uber-trace-id').split(':')
  const aws = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])$/.exec(one(h, 'x-amzn-trace-id'))!
  const gcp = /^([0-9a-f]{32})\/([0-9]+);o=([01])$/.exec(one(h, 'x-cloud-trace-context'))!
  return {
    w3c: { traceId: tp[1]!, spanId: tp[2]!, parentId: undefined, sampled: tp[3] === '01' },
    b3: { traceId: one(h, 'x-b3-traceid'), spanId: one(h, 'x-b3-spanid'), parentId: (h['x-b3-parentspanid'] as string | undefined) ?? null, sampled: one(h, 'x-b3-sampled') === '1' },
    'b3-single': { traceId: single[0]!, spanId: single[1]!, parentId: single[3] ?? null, sampled: single[2] === '1' },
    jaeger: { traceId: jaeger[0]!, spanId: jaeger[1]!, parentId: jaeger[2] === '0' ? null : jaeger[2]!, sampled: jaeger[3] === '01' },
    ot: { traceId: one(h, 'ot-tracer-traceid'), spanId: one(h, 'ot-tracer-spanid'), parentId: undefined, sampled: one(h, 'ot-tracer-sampled') === '1' },
    // datadog: the low 64 bits of the trace
    datadog: { traceId: hex(one(h, 'x-datadog-trace-id')), spanId: hex(one(h, 'x-datadog-parent-id')), parentId: undefined, sampled: one(h, 'x-datadog-sampling-priority') === '1' },
    aws: { traceId: aws[1]! + aws[2]!, spanId: aws[3]!, parentId: undefined, sampled: aws[4] === '1' },
    gcp: { traceId: gcp[1]!, spanId: hex(gcp[2]!), parentId: undefined, sampled: gcp[3] === '1' },
  }
}

/** every format names `span` (child of `parent`) in `trace`, sampled as `sampled` */
function expectContexts(h: IncomingHttpHeaders, trace: string, span: string, parent: string | null, sampled: boolean): void {
  const got = contexts(h)
  expect(Object.keys(got).sort()).toEqual([...INJECTORS].sort())
  for (const [format, c] of Object.entries(got)) {
    const want = format === 'datadog' ? trace.slice(16) : trace
    expect([format, c.traceId, c.spanId, c.sampled]).toEqual([format, want, span, sampled])
    if (c.parentId !== undefined) expect([format, c.parentId]).toEqual([format, parent])
  }
}

/** the spans of `trace`, once its `kong` span arrived (a request's spans are exported in one batch) */
async function spansOf(trace: string): Promise<ReceivedSpan[]> {
  for (let i = 0; i < 100 && !rx.spans.some((s) => s.traceId === trace && s.name === 'kong'); i++) await rx.waitForSpans(rx.spans.length + 1)
  return rx.spans.filter((s) => s.traceId === trace)
}

let n = 0
const nextTrace = (): string => (++n).toString(16).padStart(32, 'c')

/** client contexts in three formats (each extracted by the config) */
const CLIENT: [string, (trace: string) => Record<string, string>][] = [
  ['w3c', (t) => ({ traceparent: `00-${t}-${CLIENT_SPAN}-01` })],
  ['b3-single', (t) => ({ b3: `${t}-${CLIENT_SPAN}-1` })],
  ['jaeger', (t) => ({ 'uber-trace-id': `${t}:${CLIENT_SPAN}:0:1` })],
]

/** value → whether balancer spans are made (then the upstream's parent is the last try's) */
const VALUES: [string, boolean][] = [
  ['request', false], ['router', false], ['plugin_access', false], ['balancer', true], ['router,balancer', true], ['all', true],
]

beforeAll(async () => {
  rx = await startReceiver()
  up = await startUpstream()
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  wss.on('connection', (ws, req) => { upgrades.push(req); ws.on('message', (d) => ws.send(d)) })
  await new Promise((resolve) => wss.on('listening', resolve))
})

afterAll(async () => {
  await closeOtelPools()
  await Promise.all([up?.close(), rx?.close(), new Promise((resolve) => wss?.close(resolve))])
})

describe('the upstream is called from an exported span, in every injected format', () => {
  for (const [value, balancer] of VALUES) {
    it(`${value}: ${balancer ? 'the last kong.balancer try' : 'the kong span'}, for a client context in each format`, async () => {
      const gw = await startGateway(config(up.url), { env: { KONG_TRACING_INSTRUMENTATIONS: value } })
      try {
        for (const [, headers] of CLIENT) {
          const trace = nextTrace()
          const res = await request(`${gw.proxy}/x`, { headers: headers(trace) })
          await res.body.dump()
          expect(res.statusCode).toBe(200)
          const spans = await spansOf(trace)
          const root = spans.find((s) => s.name === 'kong')!
          expect(root.parentSpanId).toBe(CLIENT_SPAN)
          const via = balancer ? spans.find((s) => s.name === 'kong.balancer') : root
          expect(via, 'the span the upstream is told about is exported').toBeDefined()
          expectContexts(up.received.at(-1)!.headers, trace, via!.spanId, balancer ? root.spanId : CLIENT_SPAN, true)
        }
      } finally {
        await gw.close()
      }
    })
  }

  it("off (Kong's default): a span of the gateway's own, child of the client's, not sampled, in every format", async () => {
    const gw = await startGateway(config(up.url), { env: { KONG_TRACING_INSTRUMENTATIONS: 'off' } })
    try {
      for (const [, headers] of CLIENT) {
        const trace = nextTrace()
        const res = await request(`${gw.proxy}/x`, { headers: headers(trace) })
        await res.body.dump()
        const h = up.received.at(-1)!.headers
        const span = contexts(h).w3c.spanId
        expect(span).toMatch(/^[0-9a-f]{16}$/)
        expect(span).not.toBe(CLIENT_SPAN)
        expectContexts(h, trace, span, CLIENT_SPAN, false)
      }
    } finally {
      await gw.close()
    }
  })
})

describe('a WebSocket upgrade is called from an exported span too', () => {
  for (const [value, balancer] of VALUES) {
    it(`${value}: the upgrade's trace parent is ${balancer ? 'its kong.balancer span' : 'the kong span'}`, async () => {
      const port = (wss.address() as { port: number }).port
      const gw = await startGateway(config(`http://127.0.0.1:${port}`), { env: { KONG_TRACING_INSTRUMENTATIONS: value } })
      try {
        const trace = nextTrace()
        const ws = new WebSocket(`${gw.proxy.replace('http', 'ws')}/x`, { headers: { traceparent: `00-${trace}-${CLIENT_SPAN}-01` } })
        await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
        const closed = new Promise((resolve) => ws.once('close', resolve))
        ws.close()
        await closed
        const spans = await spansOf(trace)
        const root = spans.find((s) => s.name === 'kong')!
        const via = balancer ? spans.find((s) => s.name === 'kong.balancer') : root
        expect(via, 'a balancer span for the upgrade').toBeDefined()
        const tp = String(upgrades.at(-1)!.headers.traceparent)
        expect(tp).toBe(`00-${trace}-${via!.spanId}-01`)
        expectContexts(upgrades.at(-1)!.headers, trace, via!.spanId, balancer ? root.spanId : CLIENT_SPAN, true)
      } finally {
        await gw.close()
      }
    })
  }
})

describe("the sampled flag as Kong decides it: a client's 'not sampled' is kept, its 'sampled' still goes through the rate", () => {
  // [config sampling_rate (undefined: the node's), KONG_TRACING_SAMPLING_RATE, the client's flag, sampled upstream]
  const ROWS: [number | undefined, string, boolean, boolean][] = [
    [0, '1', true, false],
    [0, '1', false, false],
    [1, '0', true, true],
    [1, '0', false, false],
    [undefined, '0', true, false],
    [undefined, '1', true, true],
    [undefined, '1', false, false],
  ]
  for (const [rate, nodeRate, clientSampled, want] of ROWS) {
    it(`sampling_rate ${rate ?? 'unset'}, node ${nodeRate}, client ${clientSampled ? 'sampled' : 'not sampled'} → ${want ? 'sampled' : 'not sampled'}`, async () => {
      const conf = JSON.parse(config(up.url)) as { plugins: { config: Record<string, unknown> }[] }
      if (rate === undefined) delete conf.plugins[0]!.config.sampling_rate
      else conf.plugins[0]!.config.sampling_rate = rate
      const gw = await startGateway(JSON.stringify(conf), { env: { KONG_TRACING_INSTRUMENTATIONS: 'all', KONG_TRACING_SAMPLING_RATE: nodeRate } })
      try {
        for (const [format, headers] of [
          ['w3c', (t: string) => ({ traceparent: `00-${t}-${CLIENT_SPAN}-${clientSampled ? '01' : '00'}` })],
          ['b3-single', (t: string) => ({ b3: `${t}-${CLIENT_SPAN}-${clientSampled ? '1' : '0'}` })],
          ['jaeger', (t: string) => ({ 'uber-trace-id': `${t}:${CLIENT_SPAN}:0:${clientSampled ? '1' : '0'}` })],
        ] as const) {
          const trace = nextTrace()
          const res = await request(`${gw.proxy}/x`, { headers: headers(trace) })
          await res.body.dump()
          const got = contexts(up.received.at(-1)!.headers)
          for (const [injected, c] of Object.entries(got)) expect([format, injected, c.sampled]).toEqual([format, injected, want])
        }
      } finally {
        await gw.close()
      }
    })
  }
})

describe('two gateways in one process, each with its own settings (records are reused between them)', () => {
  it('all and off, requests interleaved: each keeps its own spans and sampled flag', async () => {
    const a = await startGateway(config(up.url), { env: { KONG_TRACING_INSTRUMENTATIONS: 'all' } })
    const b = await startGateway(config(up.url), { env: { KONG_TRACING_INSTRUMENTATIONS: 'request', KONG_TRACING_SAMPLING_RATE: '1' } })
    const c = await startGateway(config(up.url), { env: { KONG_TRACING_INSTRUMENTATIONS: 'off' } })
    try {
      for (let i = 0; i < 4; i++) {
        for (const [gw, names] of [[a, ['kong', 'kong.access.plugin.opentelemetry', 'kong.balancer', 'kong.router']], [b, ['kong']], [c, null]] as const) {
          const trace = nextTrace()
          const res = await request(`${gw.proxy}/x`, { headers: { traceparent: `00-${trace}-${CLIENT_SPAN}-01` } })
          await res.body.dump()
          const w3c = contexts(up.received.at(-1)!.headers).w3c
          if (names === null) {
            expect(w3c.sampled).toBe(false)
            continue
          }
          expect(w3c.sampled).toBe(true)
          const spans = await spansOf(trace)
          expect(spans.map((s) => s.name).sort()).toEqual(names)
          expect(spans.some((s) => s.spanId === w3c.spanId)).toBe(true)
        }
      }
    } finally {
      await Promise.all([a.close(), b.close(), c.close()])
    }
  })
})
