// ai-proxy-advanced's failover for realtime sessions: an upstream WebSocket that cannot be
// connected (port closed) or refuses its upgrade with a status failover_criteria lists, before the
// client got its 101, sends the session to the next target as the balancer's retries allow; the
// log's tried_targets names each. All targets failing ends in Kong's 502; once the 101 went out,
// nothing is retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import WebSocket from 'ws'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { logCapture, type LogRecord } from '../llm/helpers/log-capture.ts'
import { startFakeRealtime, type FakeRealtime } from '../llm/helpers/fake-realtime.ts'
import { onLlmOutcome } from '../../../plugins/llm/outcome/outcome-bus.ts'
import type { LlmOutcome } from '../../../plugins/llm/outcome/llm-outcome.ts'

let gw: TestGateway
let fake: FakeRealtime
let busy: Server
let busyPort: number
let gwPort: number
const logs = logCapture()
const outcomes: LlmOutcome[] = []
const unsubscribe = onLlmOutcome((o) => { outcomes.push(o) })
const CLOSED = 'http://127.0.0.1:9/v1/realtime' // discard: nothing listens

/** An upstream refusing every upgrade with 503 and a JSON body. */
function refuseUpgrades(server: Server): void {
  server.on('upgrade', (_req, socket: Duplex) => {
    const body = '{"error":"overloaded"}'
    socket.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
  })
}

beforeAll(async () => {
  fake = await startFakeRealtime()
  busy = createServer()
  refuseUpgrades(busy)
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  busyPort = (busy.address() as { port: number }).port
  const target = (url: string, name: string, weight: number) => ({
    route_type: 'realtime/v1/realtime', weight, logging: { log_statistics: true },
    auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' },
    model: { provider: 'openai', name, options: { upstream_url: url } },
  })
  const good = () => target(`${fake.url}/v1/realtime`, 'good', 10)
  const adv = (route: string, targets: unknown[], balancer: Record<string, unknown> = {}) => ({
    name: 'ai-proxy-advanced', route, config: { balancer: { algorithm: 'priority', ...balancer }, targets },
  })
  const routes = ['closed-first', 'all-closed', 'no-retries', 'busy-listed', 'busy-unlisted', 'breaker']
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      { name: 'log-capture', config: {} },
      adv('closed-first', [target(CLOSED, 'dead', 100), good()]),
      adv('all-closed', [target(CLOSED, 'dead-1', 100), target('http://127.0.0.1:9/other', 'dead-2', 10)]),
      adv('no-retries', [target(CLOSED, 'dead', 100), good()], { retries: 0 }),
      adv('busy-listed', [target(`http://127.0.0.1:${busyPort}/v1/realtime`, 'busy', 100), good()], { failover_criteria: ['error', 'timeout', 'http_503'] }),
      adv('busy-unlisted', [target(`http://127.0.0.1:${busyPort}/v1/realtime`, 'busy', 100), good()]),
      adv('breaker', [target(CLOSED, 'dead', 100), good()], { max_fails: 1, fail_timeout: 60000 }),
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
  gwPort = Number(new URL(gw.proxy).port)
})

afterAll(async () => {
  unsubscribe()
  await gw?.close()
  await fake?.close()
  await new Promise((resolve) => busy?.close(resolve))
})

async function outcomeOf(id: string): Promise<{ o: LlmOutcome; log: LogRecord }> {
  const log = await logs.waitFor(id)
  const mine = outcomes.filter((o) => o.requestId === log.request.id)
  expect(mine).toHaveLength(1)
  return { o: mine[0]!, log }
}

/** Opens a session on `route`: the first server event, or the refusal's status and body. */
function session(route: string, id: string): Promise<{ ws: WebSocket; first: string } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/${route}/v1/realtime`, { headers: { 'x-test-id': id } })
    ws.once('message', (d) => resolve({ ws, first: String(d) }))
    ws.on('unexpected-response', (_req, r) => {
      let body = ''
      r.on('data', (c) => { body += c })
      r.on('end', () => resolve({ status: r.statusCode!, body }))
    })
    ws.on('error', reject)
  })
}

const ports = (log: LogRecord) => (log.ai.proxy.tried_targets as { port: number }[]).map((t) => t.port)

describe('ai-proxy-advanced: realtime sessions fail over before the 101', () => {
  it('first target\'s port closed: the second answers; tried_targets names both', async () => {
    const before = fake.handshakes.length
    const s = await session('closed-first', 'fo-closed')
    if (!('ws' in s)) throw new Error(`refused: ${s.status}`)
    expect(JSON.parse(s.first).type).toBe('session.created')
    expect(fake.handshakes.slice(before).map((h) => h.query.get('model'))).toEqual(['good'])
    expect(fake.handshakes[before]!.headers.authorization).toBe('Bearer sk-up')
    s.ws.close()
    const { o, log } = await outcomeOf('fo-closed')
    expect(o).toMatchObject({ status: 101, ending: 'complete', tried: [0, 1], requestModel: 'good' })
    expect(ports(log)).toEqual([9, fake.port])
    expect(log.response.status).toBe(101)
  })

  it('every target failing: Kong\'s 502, each tried once', async () => {
    const s = await session('all-closed', 'fo-all')
    if (!('status' in s)) throw new Error('upgraded')
    expect(s.status).toBe(502)
    expect(JSON.parse(s.body).message).toBe('An invalid response was received from the upstream server')
    const { o, log } = await outcomeOf('fo-all')
    expect(o.tried).toEqual([0, 1])
    expect((log.ai.proxy.tried_targets as { upstream_uri: string }[]).map((t) => t.upstream_uri)).toEqual(['/v1/realtime', '/other'])
    expect(log.response.status).toBe(502)
  })

  it('retries 0: no failover, Kong\'s 502', async () => {
    const before = fake.handshakes.length
    const s = await session('no-retries', 'fo-none')
    expect(s).toMatchObject({ status: 502 })
    expect(fake.handshakes.length).toBe(before)
    expect((await outcomeOf('fo-none')).o.tried).toEqual([0])
  })

  it('a 503 on the upgrade with http_503 listed: the next target answers', async () => {
    const s = await session('busy-listed', 'fo-busy')
    if (!('ws' in s)) throw new Error(`refused: ${s.status}`)
    s.ws.close()
    const { o, log } = await outcomeOf('fo-busy')
    expect(o.tried).toEqual([0, 1])
    expect(ports(log)).toEqual([busyPort, fake.port])
    // Kong's balancer tries: the refused one went to the next peer on its status
    expect(log.tries[0]).toMatchObject({ ip: '127.0.0.1', port: busyPort, state: 'next', code: 503 })
  })

  it('a 503 on the upgrade not listed: the client gets the upstream\'s refusal', async () => {
    const s = await session('busy-unlisted', 'fo-busy-unlisted')
    expect(s).toEqual({ status: 503, body: '{"error":"overloaded"}' })
    expect((await outcomeOf('fo-busy-unlisted')).o.tried).toEqual([0])
  })

  it('max_fails: a failed connect opens the target\'s circuit, the next session goes straight to the other', async () => {
    for (const [id, tried] of [['fo-breaker-1', [0, 1]], ['fo-breaker-2', [1]]] as const) {
      const s = await session('breaker', id)
      if (!('ws' in s)) throw new Error(`refused: ${s.status}`)
      s.ws.close()
      expect((await outcomeOf(id)).o.tried).toEqual(tried)
    }
  })

  it('after the 101 nothing is retried: an upstream lost mid-session closes the client (1011), one handshake', async () => {
    const before = fake.handshakes.length
    const s = await session('closed-first', 'fo-after')
    if (!('ws' in s)) throw new Error(`refused: ${s.status}`)
    const closed = new Promise<number>((resolve) => s.ws.once('close', resolve))
    s.ws.send(JSON.stringify({ type: 'test.drop' }))
    expect(await closed).toBe(1011)
    const { o } = await outcomeOf('fo-after')
    expect(o).toMatchObject({ ending: 'upstream_failed', tried: [0, 1] })
    expect(fake.handshakes.length).toBe(before + 1)
  })
})
