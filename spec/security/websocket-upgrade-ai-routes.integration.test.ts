// A WebSocket upgrade on an AI route that is not realtime/v1/realtime (preserve, chat, the OpenAI
// API routes) would open a session with the gateway's credential that nothing reads for usage: an
// unmetered tunnel past token limits and metrics. It is refused with ai-proxy's 400 before any
// upstream connection; the realtime route still upgrades.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'

let gw: TestGateway
let upstream: WebSocketServer
let sessions = 0

const ROUTES = ['preserve', 'llm/v1/chat', 'llm/v1/files', 'llm/v1/responses'] as const

function aiRoute(name: string, routeType: string, port: number): Record<string, unknown> {
  return {
    name: 's-' + name, url: 'http://127.0.0.1:9',
    routes: [{ name, paths: ['/' + name] }],
    plugins: [{
      name: 'ai-proxy',
      config: {
        route_type: routeType,
        auth: { header_name: 'Authorization', header_value: 'Bearer sk-gateway' },
        model: { provider: 'openai', name: 'gpt-realtime', options: { upstream_url: `http://127.0.0.1:${port}` } },
      },
    }],
  }
}

beforeAll(async () => {
  upstream = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  upstream.on('connection', (ws) => { sessions++; ws.send(JSON.stringify({ type: 'session.created', session: { model: 'gpt-realtime' } })) })
  await new Promise((resolve) => upstream.on('listening', resolve))
  const port = (upstream.address() as { port: number }).port
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [
      ...ROUTES.map((r, i) => aiRoute(`r${i}`, r, port)),
      aiRoute('rt', 'realtime/v1/realtime', port),
    ],
  }))
})

afterAll(async () => {
  await gw?.close()
  await new Promise((resolve) => upstream?.close(resolve))
})

/** the status and body the gateway answered the upgrade with, or 101 */
function upgrade(path: string): Promise<{ status: number; body: string; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${gw.proxy.replace('http', 'ws')}${path}`)
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => { body += d.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.on('open', () => resolve({ status: 101, body: '', ws }))
    ws.on('error', (e) => { if (ws.readyState !== WebSocket.CLOSED) reject(e) })
  })
}

describe('WebSocket upgrades on AI routes', () => {
  it.each(ROUTES.map((r, i) => [r, `/r${i}`]))('%s: refused with 400, no upstream session', async (_type, path) => {
    const before = sessions
    const got = await upgrade(`${path}?model=gpt-realtime`)
    expect(got.status).toBe(400)
    expect(JSON.parse(got.body)).toEqual({ error: { message: 'WebSocket upgrades are accepted on realtime/v1/realtime routes only' } })
    expect(sessions).toBe(before)
  })

  it('the realtime route still upgrades', async () => {
    const before = sessions
    const got = await upgrade('/rt?model=gpt-realtime')
    expect(got.status).toBe(101)
    expect(sessions).toBe(before + 1)
    got.ws!.close()
  })
})
