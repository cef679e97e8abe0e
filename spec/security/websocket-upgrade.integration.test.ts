// Hostile WebSocket clients and upstreams against the realtime route: refused upgrades (key-auth,
// bad handshakes) never reach the upstream, oversized messages close the session without taking
// the worker down, a slow reader holds the upstream instead of filling the gateway's memory, a
// plugin sees no frame it did not ask for, and the number of sessions a worker holds is capped.
// Every case ends with a normal session through the same worker: it must still be serving.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { connect } from 'node:net'
import { Type } from 'typebox'
import WebSocket, { WebSocketServer } from 'ws'
import { definePlugin } from '../../core/plugins/contract.ts'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startFakeRealtime, type FakeRealtime } from '../plugins/llm/helpers/fake-realtime.ts'
import { websocketCounters } from '../../core/server/websocket-session.ts'
import { WEBSOCKET_LIMITS } from '../../core/server/websocket-proxy.ts'

const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='
const MiB = 1024 * 1024
const FLOOD_FRAMES = 512
const FLOOD_FRAME = 64 * 1024

let gw: TestGateway
let fake: FakeRealtime
let flood: WebSocketServer
/** an upstream that accepts the session and never reads from it */
let deaf: WebSocketServer
let gwPort: number
/** frames the tap plugin saw, and body_filter calls the filter plugin got, per route */
const tapped: number[] = []
let bodyFilterCalls = 0

// reads frames, and throws on every one: the session must outlive it
const tap = definePlugin({
  name: 'frame-tap', version: '1.0.0', priority: 2000, schema: Type.Object({}),
  ws_upstream_frame(_kong, _conf, frame) { tapped.push(frame.data.length); throw new Error('tap bug') },
})
// has a body_filter but no ws_upstream_frame: it must never be handed a frame
const filter = definePlugin({
  name: 'body-peek', version: '1.0.0', priority: 1500, schema: Type.Object({}),
  body_filter(_kong, _conf, chunk) { bodyFilterCalls++; chunk.data = Buffer.from('changed') },
})

// fails the request in access, synchronously or later: the upgrade gets Kong's 500
const thrower = definePlugin({
  name: 'access-thrower', version: '1.0.0', priority: 3000, schema: Type.Object({ later: Type.Boolean({ default: false }) }),
  access(_kong, conf) {
    if (conf.later) return Promise.reject(new Error('async access bug'))
    throw new Error('access bug')
  },
})

beforeAll(async () => {
  fake = await startFakeRealtime((h) => h.headers.authorization === 'Bearer sk-up')
  // sends FLOOD_FRAMES binary frames as soon as a session opens, and big ones on request
  flood = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  flood.on('connection', (ws) => {
    const frame = Buffer.alloc(FLOOD_FRAME, 7)
    for (let i = 0; i < FLOOD_FRAMES; i++) { frame.writeUInt32BE(i, 0); ws.send(Buffer.from(frame), { binary: true }) }
    ws.on('message', (d) => { if (String(d) === 'huge') ws.send(Buffer.alloc(WEBSOCKET_LIMITS.maxFrame + 1)) })
  })
  await new Promise((resolve) => flood.on('listening', resolve))
  deaf = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  deaf.on('connection', (ws) => { (ws as unknown as { _socket: { pause(): void } })._socket.pause() })
  await new Promise((resolve) => deaf.on('listening', resolve))
  const deafUrl = `http://127.0.0.1:${(deaf.address() as { port: number }).port}/v1/realtime`
  const floodUrl = `http://127.0.0.1:${(flood.address() as { port: number }).port}/v1/realtime`
  const realtime = (route: string, url: string) => ({
    name: 'ai-proxy', route,
    config: { route_type: 'realtime/v1/realtime', auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' }, model: { provider: 'openai', name: 'gpt-4o-realtime-preview', options: { upstream_url: url } } },
  })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [
      { name: 'open', paths: ['/open'] }, { name: 'locked', paths: ['/locked'] }, { name: 'flood', paths: ['/flood'] },
      { name: 'throws', paths: ['/throws'] }, { name: 'deaf', paths: ['/deaf'] }, { name: 'throws-later', paths: ['/throws-later'] },
    ] }],
    consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'alice-key' }] }],
    plugins: [
      realtime('open', `${fake.url}/v1/realtime`),
      realtime('locked', `${fake.url}/v1/realtime`),
      { name: 'key-auth', route: 'locked', config: {} },
      realtime('flood', floodUrl),
      { name: 'frame-tap', route: 'flood', config: {} },
      { name: 'body-peek', route: 'flood', config: {} },
      { name: 'body-peek', route: 'open', config: {} },
      realtime('deaf', deafUrl),
      realtime('throws', `${fake.url}/v1/realtime`),
      { name: 'access-thrower', route: 'throws', config: {} },
      realtime('throws-later', `${fake.url}/v1/realtime`),
      { name: 'access-thrower', route: 'throws-later', config: { later: true } },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [tap, filter, thrower], settings: { workerConnections: 4 } })
  gwPort = Number(new URL(gw.proxy).port)
})

afterAll(async () => {
  await gw?.close()
  await fake?.close()
  for (const server of [flood, deaf]) await new Promise<void>((resolve) => { for (const c of server.clients) c.terminate(); server.close(() => resolve()) })
})

/** Sends raw bytes, returns the status line and body of the gateway's answer (connection closed or head complete). */
function raw(bytes: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(gwPort, '127.0.0.1')
    let got = ''
    s.on('data', (d) => {
      got += d.toString('latin1')
      const end = got.indexOf('\r\n\r\n')
      const len = /content-length: (\d+)/i.exec(got)
      if (end >= 0 && (got.startsWith('HTTP/1.1 101') || (len && got.length >= end + 4 + Number(len[1])))) { s.destroy(); done() }
    })
    const done = () => resolve({ status: Number(got.slice(9, 12)), text: got })
    s.on('end', done)
    s.on('error', reject)
    s.write(bytes)
  })
}

function upgradeRequest(path: string, headers: Record<string, string>, method = 'GET'): string {
  const h = { host: '127.0.0.1', upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': KEY, ...headers }
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(h).filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`
}

/** A normal session through the gateway: it still serves. */
async function stillServing(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/open/v1/realtime`)
  const first = await new Promise<string>((resolve, reject) => { ws.once('message', (d) => resolve(String(d))); ws.once('error', reject) })
  expect(JSON.parse(first).type).toBe('session.created')
  const closed = new Promise((resolve) => ws.once('close', resolve))
  ws.close()
  await closed
}

describe('refused upgrades never reach the upstream', () => {
  it.each([
    ['no key', {}, 401, 'No API key found in request'],
    ['a wrong key', { apikey: 'mallory' }, 401, 'Unauthorized'],
    ['a key in the wrong header', { 'x-api-key': 'alice-key' }, 401, 'No API key found in request'],
  ])('key-auth with %s: %s and Kong\'s message', async (_name, headers, status, message) => {
    const before = fake.handshakes.length
    const r = await raw(upgradeRequest('/locked/v1/realtime', headers))
    expect(r.status).toBe(status)
    expect(r.text).toContain(message)
    expect(fake.handshakes.length).toBe(before)
    await stillServing()
  })

  it('key-auth with the right key: 101 and the gateway credential upstream, not the client key', async () => {
    const before = fake.handshakes.length
    const r = await raw(upgradeRequest('/locked/v1/realtime', { apikey: 'alice-key' }))
    expect(r.status).toBe(101)
    expect(fake.handshakes[before]!.headers.authorization).toBe('Bearer sk-up')
  })

  it.each([
    ['version 8', { 'sec-websocket-version': '8' }, 426],
    ['no version', { 'sec-websocket-version': '' }, 426],
    // uWS itself drops a handshake whose key is not 24 characters: no answer (0), no upstream
    ['no key', { 'sec-websocket-key': '' }, 0],
    ['a short key', { 'sec-websocket-key': 'abc' }, 0],
    ['a key that is not base64', { 'sec-websocket-key': '!!!!!!!!!!!!!!!!!!!!!!==' }, 400],
    ['a subprotocol with a space', { 'sec-websocket-protocol': 'realtime, a b' }, 400],
    ['a repeated subprotocol', { 'sec-websocket-protocol': 'realtime, realtime' }, 400],
    ['an empty subprotocol', { 'sec-websocket-protocol': 'realtime,,x' }, 400],
    ['too many subprotocols', { 'sec-websocket-protocol': Array.from({ length: 40 }, (_, i) => `p${i}`).join(', ') }, 400],
    ['a prototype-key subprotocol list', { 'sec-websocket-protocol': '__proto__, constructor' }, 101],
    ['a huge header', { 'x-junk': 'x'.repeat(6000) }, 101],
  ])('%s: %s', async (_name, headers, status) => {
    const before = fake.handshakes.length
    const r = await raw(upgradeRequest('/open/v1/realtime', headers as Record<string, string>))
    if (r.status !== 101) {
      expect(r.status).toBe(status)
      expect(fake.handshakes.length).toBe(before)
    } else expect(status).toBe(101)
    await stillServing()
  })

  it.each(['POST', 'PUT', 'DELETE'])('method %s: refused', async (method) => {
    const before = fake.handshakes.length
    const r = await raw(upgradeRequest('/open/v1/realtime', {}, method))
    expect(r.status).not.toBe(101)
    expect(fake.handshakes.length).toBe(before)
    await stillServing()
  })

  it.each(['/throws', '/throws-later'])('a plugin throwing in access on %s: Kong\'s 500, no upstream, the worker serves on', async (path) => {
    const before = fake.handshakes.length
    const r = await raw(upgradeRequest(`${path}/v1/realtime`, {}))
    expect(r.status).toBe(500)
    expect(r.text).toContain('An unexpected error occurred')
    expect(fake.handshakes.length).toBe(before)
    await stillServing()
  })

  it('frames sent before the 101 on a refused upgrade reach no upstream', async () => {
    const before = fake.handshakes.length
    const frame = Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x69, 0x67, 0x6f, 0x68, 0x6e]) // masked text "hello"
    const r = await raw(Buffer.concat([Buffer.from(upgradeRequest('/locked/v1/realtime', {})), frame, frame]))
    expect(r.status).toBe(401)
    expect(fake.handshakes.length).toBe(before)
    await stillServing()
  })
})

describe('oversized messages', () => {
  it('a client message over the cap closes that client (1009) and its upstream session', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/open/v1/realtime`)
    await new Promise((resolve) => ws.once('open', resolve))
    const server = fake.closed(fake.sockets.length - 1)
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    ws.on('error', () => { /* the gateway cuts the connection */ })
    ws.send(Buffer.alloc(WEBSOCKET_LIMITS.maxFrame + 1))
    expect([1006, 1009]).toContain(await closed)
    expect(await server).toBeGreaterThanOrEqual(1000)
    await stillServing()
  })

  it('an upstream message over the cap closes the session, the client with 1009', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/flood/v1/realtime`, { maxPayload: 0 })
    let frames = 0
    ws.on('message', () => { frames++; if (frames === FLOOD_FRAMES) ws.send('huge') })
    const code = await new Promise<number>((resolve) => ws.once('close', resolve))
    expect(frames).toBe(FLOOD_FRAMES)
    expect(code).toBe(1009)
    await stillServing()
  })
})

describe('backpressure', () => {
  it('a client that stops reading pauses the upstream: the gateway holds at most the high-water mark plus a read', async () => {
    const pausesBefore = websocketCounters.pauses
    bodyFilterCalls = 0
    websocketCounters.maxClientBuffered = 0
    tapped.length = 0
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/flood/v1/realtime`)
    await new Promise((resolve) => ws.once('open', resolve))
    ws.pause() // a slow reader: nothing more is read from the gateway
    await vi.waitFor(() => expect(websocketCounters.pauses).toBeGreaterThan(pausesBefore), { timeout: 10000, interval: 20 })
    // the gateway stopped reading the upstream before it had everything
    expect(tapped.length).toBeLessThan(FLOOD_FRAMES)
    const seen: number[] = []
    const all = new Promise<void>((resolve) => ws.on('message', (d: Buffer) => { seen.push(d.readUInt32BE(0)); if (seen.length === FLOOD_FRAMES) resolve() }))
    ws.resume()
    await all
    expect(seen).toEqual(Array.from({ length: FLOOD_FRAMES }, (_, i) => i)) // every frame, in order, unchanged in size
    expect(websocketCounters.maxClientBuffered).toBeLessThanOrEqual(WEBSOCKET_LIMITS.highWater + MiB)
    // the tap read every frame (and threw on each); the body_filter plugin was never handed one
    expect(tapped.length).toBe(FLOOD_FRAMES)
    expect(bodyFilterCalls).toBe(0)
    ws.close()
  })
})

describe('a client outrunning its upstream', () => {
  it('is closed with 1013 once the upstream holds more than the cap, instead of buffering without end', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/deaf/v1/realtime`)
    await new Promise((resolve) => ws.once('open', resolve))
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    let code = 0
    void closed.then((c) => { code = c })
    const chunk = Buffer.alloc(MiB)
    // at most 96 MiB: the cap (17 MiB) plus what the kernel's socket buffers absorb on the way
    for (let i = 0; i < 96 && code === 0; i++) {
      await new Promise<void>((resolve) => ws.send(chunk, { binary: true }, () => resolve()))
    }
    expect(await closed).toBe(1013)
    await stillServing()
  })
})

describe('sessions per worker are capped at nginx_events_worker_connections', () => {
  it('past the cap an upgrade gets 503; a closed session frees its slot', async () => {
    const open: WebSocket[] = []
    while (websocketCounters.open < 4 && open.length < 4) {
      const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/open/v1/realtime`)
      await new Promise((resolve) => ws.once('open', resolve))
      open.push(ws)
    }
    const before = fake.handshakes.length
    const r = await raw(upgradeRequest('/open/v1/realtime', {}))
    expect(r.status).toBe(503)
    expect(fake.handshakes.length).toBe(before)
    const closed = new Promise((resolve) => open[0]!.once('close', resolve))
    open[0]!.close()
    await closed
    await vi.waitFor(() => expect(websocketCounters.open).toBeLessThan(4), { timeout: 5000, interval: 10 })
    await stillServing()
    for (const ws of open.slice(1)) ws.close()
  })
})
