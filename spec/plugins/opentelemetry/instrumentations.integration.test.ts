// Kong's tracing_instrumentations and tracing_sampling_rate (KONG_TRACING_INSTRUMENTATIONS,
// KONG_TRACING_SAMPLING_RATE) through a real gateway: which spans the opentelemetry plugin
// exports for each value, which span the upstream is told is its parent, and Kong's default, off,
// where the plugin only propagates and tells the upstream "not sampled".
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { Type } from 'typebox'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { definePlugin } from '../../../core/plugins/contract.ts'
import type { RequestTimings } from '../../../pdk/tracing.ts'
import { startFakeOpenAi } from '../llm/helpers/fake-openai.ts'
import { startReceiver, type Receiver } from './otlp-receiver.ts'
import { closeOtelPools } from '../../../plugins/opentelemetry/span-exporter.ts'

let up: FakeUpstream
let oai: FakeUpstream
let rx: Receiver
const CLIENT_SPAN = '00f067aa0ba902b7'

/** what the runloop recorded, read after opentelemetry's log phase (priority 1 logs after 14) */
const seen: { timings: RequestTimings | null; request: boolean; balancer: boolean }[] = []
const tap = definePlugin({
  name: 'timings-tap', version: '1.0.0', priority: 1, schema: Type.Object({}),
  log(kong) {
    seen.push({ timings: kong.tracing.timings(), request: kong.tracing.instrumented('request'), balancer: kong.tracing.instrumented('balancer') })
  },
})

function config(samplingRate: number | undefined) {
  return JSON.stringify({
    _format_version: '3.0',
    services: [
      { name: 'plain', url: up.url, routes: [{ name: 'plain', paths: ['/plain'] }] },
      { name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'llm', paths: ['/llm'] }] },
    ],
    plugins: [
      { name: 'opentelemetry', config: { traces_endpoint: rx.url, batch_flush_delay: 0, ...(samplingRate === undefined ? {} : { sampling_rate: samplingRate }) } },
      { name: 'timings-tap' },
      { name: 'ai-proxy', route: 'llm', config: {
        route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' },
        model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${oai.url}/v1/chat/completions` } },
      } },
    ],
  })
}

let n = 0
/** a new client trace id per request (the receiver keeps every gateway's spans) */
const nextTrace = (): string => (++n).toString(16).padStart(32, 'e')

async function send(gw: TestGateway, path: '/plain' | '/llm', trace: string, sampled = '01'): Promise<void> {
  const llm = path === '/llm'
  const res = await request(`${gw.proxy}${path}/x`, {
    method: llm ? 'POST' : 'GET',
    headers: { traceparent: `00-${trace}-${CLIENT_SPAN}-${sampled}`, ...(llm ? { 'content-type': 'application/json' } : {}) },
    body: llm ? JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) : undefined,
  })
  await res.body.dump()
  expect(res.statusCode).toBe(200)
}

/** the span names of `trace`, once `count` of them arrived */
async function spanNames(trace: string, count: number): Promise<string[]> {
  await rx.waitForSpans(rx.spans.length - rx.spans.filter((s) => s.traceId === trace).length + count)
  return rx.spans.filter((s) => s.traceId === trace).map((s) => s.name).sort()
}

beforeAll(async () => {
  rx = await startReceiver()
  up = await startUpstream()
  oai = await startFakeOpenAi()
})

afterAll(async () => {
  await closeOtelPools()
  await Promise.all([up?.close(), oai?.close(), rx?.close()])
})

// value → the spans of a plain request and of an LLM request (ai-proxy: its access span and the GenAI span)
const TABLE: [string, string[], string[]][] = [
  ['request', ['kong'], ['chat gpt-4o-mini', 'kong']],
  ['router', ['kong', 'kong.router'], ['chat gpt-4o-mini', 'kong', 'kong.router']],
  ['plugin_access', ['kong', 'kong.access.plugin.opentelemetry'], ['chat gpt-4o-mini', 'kong', 'kong.access.plugin.ai-proxy', 'kong.access.plugin.opentelemetry']],
  ['balancer', ['kong', 'kong.balancer'], ['chat gpt-4o-mini', 'kong', 'kong.balancer']],
  ['router,balancer', ['kong', 'kong.balancer', 'kong.router'], ['chat gpt-4o-mini', 'kong', 'kong.balancer', 'kong.router']],
  // Kong's types this runtime has nothing to record for: the request alone
  ['db_query,dns_query,http_client,plugin_rewrite,plugin_header_filter', ['kong'], ['chat gpt-4o-mini', 'kong']],
  ['all', ['kong', 'kong.access.plugin.opentelemetry', 'kong.balancer', 'kong.router'],
    ['chat gpt-4o-mini', 'kong', 'kong.access.plugin.ai-proxy', 'kong.access.plugin.opentelemetry', 'kong.balancer', 'kong.router']],
]

describe('KONG_TRACING_INSTRUMENTATIONS: the spans exported', () => {
  for (const [value, plain, llm] of TABLE) {
    it(`${value}: ${plain.length} spans for a proxied request, ${llm.length} for an LLM request; the upstream's parent is an exported span`, async () => {
      const gw = await startGateway(config(1), { env: { KONG_TRACING_INSTRUMENTATIONS: value }, plugins: [tap] })
      try {
        const t1 = nextTrace()
        await send(gw, '/plain', t1)
        expect(await spanNames(t1, plain.length)).toEqual(plain)
        const spans = rx.spans.filter((s) => s.traceId === t1)
        const root = spans.find((s) => s.name === 'kong')!
        expect(root.parentSpanId).toBe(CLIENT_SPAN)
        // the balancer span when there is one (Kong's), else the request's own span
        const parent = spans.find((s) => s.name === 'kong.balancer') ?? root
        expect(up.received.at(-1)!.headers.traceparent).toBe(`00-${t1}-${parent.spanId}-01`)
        const t2 = nextTrace()
        await send(gw, '/llm', t2)
        expect(await spanNames(t2, llm.length)).toEqual(llm)
        const llmSpans = rx.spans.filter((s) => s.traceId === t2)
        const llmParent = llmSpans.find((s) => s.name === 'kong.balancer') ?? llmSpans.find((s) => s.name === 'kong')!
        expect(oai.received.at(-1)!.headers.traceparent).toBe(`00-${t2}-${llmParent.spanId}-01`)
      } finally {
        await gw.close()
      }
    })
  }
})

describe("KONG_TRACING_INSTRUMENTATIONS=off (Kong's default): propagation only", () => {
  for (const env of [{}, { KONG_TRACING_INSTRUMENTATIONS: 'off' }] as Record<string, string>[]) {
    it(`${JSON.stringify(env)}: the upstream gets the client's trace marked not sampled; nothing is recorded`, async () => {
      const gw = await startGateway(config(1), { env, plugins: [tap] })
      try {
        for (const path of ['/plain', '/llm'] as const) {
          const trace = nextTrace()
          seen.length = 0
          await send(gw, path, trace)
          const target = path === '/plain' ? up : oai
          // Kong: the trace is not sampled, whatever the client decided; the parent is the request's (unexported) span
          expect(target.received.at(-1)!.headers.traceparent).toMatch(new RegExp(`^00-${trace}-(?!${CLIENT_SPAN})[0-9a-f]{16}-00$`))
          // opentelemetry's log phase ran before the tap's: it found no timings, so it wrote no span
          expect(seen).toEqual([{ timings: null, request: false, balancer: false }])
        }
      } finally {
        await gw.close()
      }
    })
  }
})

describe('KONG_TRACING_SAMPLING_RATE: the rate of a config that sets none', () => {
  it('1: every request sampled; 0: none, the upstream told so', async () => {
    const all = { KONG_TRACING_INSTRUMENTATIONS: 'request' }
    const on = await startGateway(config(undefined), { env: { ...all, KONG_TRACING_SAMPLING_RATE: '1' }, plugins: [tap] })
    try {
      // no client context: the gateway's own sampling decision
      const res = await request(`${on.proxy}/plain/x`)
      await res.body.dump()
      const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(up.received.at(-1)!.headers.traceparent))
      expect(m).not.toBeNull()
      expect(await spanNames(m![1]!, 1)).toEqual(['kong'])
    } finally {
      await on.close()
    }
    const off = await startGateway(config(undefined), { env: { ...all, KONG_TRACING_SAMPLING_RATE: '0' }, plugins: [tap] })
    try {
      for (let i = 0; i < 5; i++) {
        seen.length = 0
        const res = await request(`${off.proxy}/plain/x`)
        await res.body.dump()
        expect(String(up.received.at(-1)!.headers.traceparent)).toMatch(/-00$/)
        // sampled out: the plugin stopped the recording in access
        expect(seen).toEqual([{ timings: null, request: true, balancer: false }])
      }
    } finally {
      await off.close()
    }
  })

  it("the config's sampling_rate wins over the node's", async () => {
    const gw = await startGateway(config(0), { env: { KONG_TRACING_INSTRUMENTATIONS: 'all', KONG_TRACING_SAMPLING_RATE: '1' }, plugins: [tap] })
    try {
      const res = await request(`${gw.proxy}/plain/x`)
      await res.body.dump()
      expect(String(up.received.at(-1)!.headers.traceparent)).toMatch(/-00$/)
    } finally {
      await gw.close()
    }
  })
})

describe('bad settings: the node does not start, with Kong’s message', () => {
  const BAD: [Record<string, string>, string][] = [
    [{ KONG_TRACING_INSTRUMENTATIONS: 'everything' }, 'invalid tracing type: everything'],
    [{ KONG_TRACING_INSTRUMENTATIONS: 'off,router' }, 'invalid tracing types: off, other types are mutually exclusive'],
    [{ KONG_TRACING_INSTRUMENTATIONS: '__proto__' }, 'invalid tracing type: __proto__'],
    [{ KONG_TRACING_SAMPLING_RATE: '1.5' }, 'tracing_sampling_rate must be between 0 and 1'],
    [{ KONG_TRACING_SAMPLING_RATE: 'NaN' }, 'tracing_sampling_rate must be between 0 and 1'],
  ]
  for (const [env, message] of BAD) {
    it(`${JSON.stringify(env)} → ${message}`, async () => {
      await expect(startGateway(config(1), { env })).rejects.toThrow(message)
    })
  }
})

describe("the Admin API's GET / shows the node's tracing settings, as Kong's does", () => {
  const ROWS: [Record<string, string>, string[], number][] = [
    [{}, ['off'], 0.01],
    [{ KONG_TRACING_INSTRUMENTATIONS: 'router, balancer', KONG_TRACING_SAMPLING_RATE: '0.5' }, ['router', 'balancer'], 0.5],
  ]
  for (const [env, instrumentations, rate] of ROWS) {
    it(`${JSON.stringify(env)}`, async () => {
      const gw = await startGateway(config(1), { env, plugins: [tap] })
      try {
        const res = await request(`${gw.admin}/`)
        const body = await res.body.json() as { configuration: Record<string, unknown> }
        expect(body.configuration.tracing_instrumentations).toEqual(instrumentations)
        expect(body.configuration.tracing_sampling_rate).toBe(rate)
      } finally {
        await gw.close()
      }
    })
  }
})

describe('two gateways in one process (tests, public/testing)', () => {
  it("a second gateway without opentelemetry does not turn the first one's tracing off", async () => {
    const a = await startGateway(config(1), { env: { KONG_TRACING_INSTRUMENTATIONS: 'all' }, plugins: [tap] })
    try {
      const b = await startGateway(JSON.stringify({ _format_version: '3.0', services: [{ name: 'plain', url: up.url, routes: [{ name: 'plain', paths: ['/plain'] }] }] }))
      try {
        const res = await request(`${b.proxy}/plain/x`)
        await res.body.dump()
        expect(b.node.gateway.state.timing).toBe(false)
        const trace = nextTrace()
        await send(a, '/plain', trace)
        expect(await spanNames(trace, 4)).toEqual(['kong', 'kong.access.plugin.opentelemetry', 'kong.balancer', 'kong.router'])
        expect(String(up.received.at(-1)!.headers.traceparent)).toMatch(/-01$/)
      } finally {
        await b.close()
      }
    } finally {
      await a.close()
    }
  })
})
