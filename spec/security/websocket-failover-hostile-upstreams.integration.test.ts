// Threat: an upstream that answers a realtime upgrade with something hostile or broken (garbage,
// a forged 101, an endless header, a huge refusal, silence) before the client got its 101. Each
// must end in a failover to the next target (ai-proxy-advanced, failover_criteria listing the
// kind) with the client none the wiser, never in a thrown callback or a stuck session; a client
// leaving while a target is being connected ends the session without trying the next one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server, type Socket } from 'node:net'
import WebSocket from 'ws'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { logCapture } from '../plugins/llm/helpers/log-capture.ts'
import { startFakeRealtime, type FakeRealtime } from '../plugins/llm/helpers/fake-realtime.ts'
import { onLlmOutcome } from '../../plugins/llm/outcome/outcome-bus.ts'
import type { LlmOutcome } from '../../plugins/llm/outcome/llm-outcome.ts'

const refusal = (status: string, size: number) => (s: Socket) => {
  s.write(`HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: ${size}\r\n\r\n`)
  s.end(Buffer.alloc(size, 0x61))
}
const forged101 = (extra: string) => (s: Socket) => {
  s.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}\r\n`)
}

/** name → what the upstream does with the gateway's upgrade request */
const HOSTILE: [string, (s: Socket) => void][] = [
  ['garbage instead of HTTP', (s) => s.end('SSH-2.0-OpenSSH_9.6\r\n')],
  ['connection dropped at once', (s) => s.destroy()],
  ['a 101 with a forged Sec-WebSocket-Accept', forged101('Sec-WebSocket-Accept: Zm9yZ2Vk\r\n')],
  ['a 101 without Sec-WebSocket-Accept', forged101('')],
  ['a header without end', (s) => { s.write('HTTP/1.1 101 Switching Protocols\r\nX-Pad: '); s.end(Buffer.alloc(200 * 1024, 0x61)) }],
  ['a 500 with a 1 MiB body', refusal('500 Internal Server Error', 1024 * 1024)],
  ['a 502', refusal('502 Bad Gateway', 10)],
  ['a 503 with a 1 MiB body', refusal('503 Service Unavailable', 1024 * 1024)],
  ['a 504', refusal('504 Gateway Timeout', 0)],
  ['silence until the connect timeout', () => { /* never answers */ }],
]

let gw: TestGateway
let fake: FakeRealtime
let gwPort: number
const servers: Server[] = []
const sockets = new Set<Socket>()
const connected: ((s: Socket) => void)[] = []
const logs = logCapture()
const outcomes: LlmOutcome[] = []
const unsubscribe = onLlmOutcome((o) => { outcomes.push(o) })

async function listen(behave: (s: Socket) => void): Promise<number> {
  const i = servers.length
  const server = createServer((s) => {
    s.on('error', () => { /* the gateway may reset */ })
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    connected[i]?.(s)
    // the request head first, then the hostile answer
    s.once('data', () => behave(s))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

beforeAll(async () => {
  fake = await startFakeRealtime()
  const ports = await Promise.all(HOSTILE.map(([, b]) => listen(b)))
  const target = (url: string, weight: number) => ({
    route_type: 'realtime/v1/realtime', weight, logging: { log_statistics: true },
    auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' },
    model: { provider: 'openai', name: 'rt', options: { upstream_url: url } },
  })
  const balancer = { algorithm: 'priority', connect_timeout: 300, failover_criteria: ['error', 'timeout', 'invalid_header', 'http_500', 'http_502', 'http_503', 'http_504'] }
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: HOSTILE.map((_, i) => ({ name: `h${i}`, paths: [`/h${i}`] })) }],
    plugins: [
      { name: 'log-capture', config: {} },
      ...ports.map((port, i) => ({ name: 'ai-proxy-advanced', route: `h${i}`, config: { balancer, targets: [target(`http://127.0.0.1:${port}/v1/realtime`, 100), target(`${fake.url}/v1/realtime`, 10)] } })),
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
  gwPort = Number(new URL(gw.proxy).port)
})

afterAll(async () => {
  unsubscribe()
  await gw?.close()
  await fake?.close()
  for (const s of sockets) s.destroy()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
})

async function triedOf(id: string): Promise<readonly number[]> {
  const log = await logs.waitFor(id)
  return outcomes.find((o) => o.requestId === log.request.id)!.tried
}

describe('realtime failover past hostile upstreams', () => {
  it.each(HOSTILE.map(([name], i) => [name, i] as const))('%s: the next target answers the session', async (_name, i) => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/h${i}/v1/realtime`, { headers: { 'x-test-id': `hostile-${i}` } })
    const first = await new Promise<string>((resolve, reject) => { ws.once('message', (d) => resolve(String(d))); ws.once('error', reject) })
    expect(JSON.parse(first).type).toBe('session.created')
    ws.close()
    expect(await triedOf(`hostile-${i}`)).toEqual([0, 1])
  })

  it('a client leaving while the first target is being connected: the session ends, the next target is not tried', async () => {
    const silent = HOSTILE.length - 1
    const before = fake.handshakes.length
    const reached = new Promise<void>((resolve) => { connected[silent] = () => resolve() })
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/h${silent}/v1/realtime`, { headers: { 'x-test-id': 'hostile-gone' } })
    ws.on('error', () => { /* terminated on purpose */ })
    await reached
    ws.terminate()
    expect(await triedOf('hostile-gone')).toEqual([0])
    expect(fake.handshakes.length).toBe(before)
    connected[silent] = undefined as never
  })
})
