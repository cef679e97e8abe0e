// A client (or a plugin before the tracing plugin) sending a header the tracing plugin sets or
// clears must not get it upstream beside, or instead of, the gateway's: whatever the client sends
// under a trace header's name (any case, repeated, long, prototype-named), the upstream receives
// that name once with the gateway's value, or not at all when the config clears it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { upstreamHeaders } from '../../core/proxy/upstream-request.ts'
import { endTrace, startTrace } from '../../core/runloop/tracing-hook.ts'
import { makeKong } from '../pdk/context-factory.ts'
import WebSocket, { WebSocketServer } from 'ws'
import type { IncomingMessage } from 'node:http'

const T = '4bf92f3577b34da6a3ce929d0e0e4736'
const S = '00f067aa0ba902b7'
/** cleared by the config: prototype names among them */
const CLEARED = ['x-b3-sampled', 'uber-trace-id', '__proto__', 'constructor', 'prototype']

/** client headers, each request one set (names of the traced and cleared headers, in any case and form) */
const HOSTILE: [string, Record<string, string | string[]>][] = [
  ['own traceparent', { traceparent: `00-${T}-${S}-01` }],
  ['two traceparents', { traceparent: [`00-${T}-${S}-01`, `00-${T}-${S}-00`] }],
  ['capitalised', { TraceParent: 'evil', 'X-B3-Sampled': '1' }],
  ['long', { traceparent: 'x'.repeat(4000) }],
  ['not a traceparent', { traceparent: 'evil, 00-evil' }],
  ['cleared ones', { 'x-b3-sampled': '1', 'uber-trace-id': `${T}:${S}:0:1` }],
  ['prototype names', { __proto__: 'p', constructor: 'c', prototype: 'q' } as Record<string, string>],
  ['everything at once', { traceparent: 'a', 'x-b3-sampled': 'b', 'uber-trace-id': 'c', constructor: 'd' }],
]

const count = (raw: string[], name: string): string[] => {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!)
  return out
}

describe('client headers named like trace headers, through the gateway', () => {
  let gw: TestGateway
  let up: FakeUpstream
  beforeAll(async () => {
    up = await startUpstream()
    gw = await startGateway(JSON.stringify({
      _format_version: '3.0',
      services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/'] }] }],
      plugins: [
        // a plugin before opentelemetry sets the names opentelemetry sets and clears
        { name: 'request-transformer', config: { add: { headers: ['traceparent:from-plugin', 'x-b3-sampled:from-plugin'] } } },
        { name: 'opentelemetry', config: { traces_endpoint: 'http://127.0.0.1:9/v1/traces', sampling_rate: 0, propagation: { extract: ['w3c'], inject: ['w3c'], clear: CLEARED, default_format: 'w3c' } } },
      ],
    }))
  })
  afterAll(async () => { await gw?.close(); await up?.close() })

  it.each(HOSTILE)('%s: one traceparent, the gateway\'s; cleared names absent', async (_, headers) => {
    const res = await request(`${gw.proxy}/x`, { headers })
    await res.body.text()
    expect(res.statusCode).toBe(200)
    const raw = up.received.at(-1)!.rawHeaders
    const tp = count(raw, 'traceparent')
    expect(tp).toHaveLength(1)
    expect(tp[0]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
    for (const name of CLEARED) expect([name, count(raw, name)]).toEqual([name, []])
  })
})

describe('trace header names the config or a plugin gives, against the client\'s', () => {
  // names an object may inherit, set and cleared (lowercase, as the listener gives client names):
  // compared as names, an inherited property never taken for a client's header
  const NAMES = ['__proto__', 'constructor', 'prototype', '__definegetter__', 'tostring', 'valueof']
  it.each(NAMES)('%s', (name) => {
    for (const clientSends of [true, false]) {
      const client: Record<string, string> = Object.create(null)
      if (clientSends) client[name] = 'client'
      client['x-other'] = 'o'
      const { kong, ctx, enter } = makeKong({ headers: client })
      enter('access')
      ctx.trace = startTrace()
      for (const set of [[name, 'trace'], []]) {
        kong.tracing.propagate(set, set.length === 0 ? [name] : [])
        const flat = upstreamHeaders(ctx, ctx.upstream!, false)
        const sent: string[] = []
        for (let i = 0; i < flat.length; i += 2) if (flat[i] === name) sent.push(flat[i + 1]!)
        expect(sent).toEqual(set.length === 0 ? [] : ['trace'])
        expect(flat).toContain('x-other')
      }
      endTrace(ctx)
    }
    expect(({} as Record<string, unknown>).trace).toBeUndefined()
  })
})

describe('a WebSocket upgrade carries the trace like an HTTP request', () => {
  let gw: TestGateway
  let wss: WebSocketServer
  /** the upgrade requests the upstream received */
  const upgrades: IncomingMessage[] = []
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    wss.on('connection', (ws, req) => { upgrades.push(req); ws.on('message', (d) => ws.send(d)) })
    await new Promise((resolve) => wss.on('listening', resolve))
    const port = (wss.address() as { port: number }).port
    gw = await startGateway(JSON.stringify({
      _format_version: '3.0',
      services: [{ name: 'ws', url: `http://127.0.0.1:${port}`, routes: [{ name: 'r', paths: ['/'] }] }],
      plugins: [{ name: 'opentelemetry', config: { traces_endpoint: 'http://127.0.0.1:9/v1/traces', sampling_rate: 0, propagation: { extract: ['w3c'], inject: ['w3c'], clear: CLEARED, default_format: 'w3c' } } }],
    }))
  })
  afterAll(async () => {
    await gw?.close()
    await new Promise((resolve) => wss?.close(resolve))
  })

  it.each(HOSTILE)('%s', async (_, headers) => {
    const ws = new WebSocket(`${gw.proxy.replace('http', 'ws')}/x`, { headers })
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
    ws.close()
    const raw = upgrades.at(-1)!.rawHeaders
    const tp = count(raw, 'traceparent')
    expect(tp).toHaveLength(1)
    expect(tp[0]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
    for (const name of CLEARED) expect([name, count(raw, name)]).toEqual([name, []])
  })
})
