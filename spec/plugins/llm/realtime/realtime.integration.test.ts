// Route type realtime/v1/realtime end to end: the OpenAI SDK's realtime client (OpenAIRealtimeWS)
// through a real gateway to a fake Realtime server on 127.0.0.1 that checks the credential and
// model it receives. One LlmOutcome per session, with the usage of its response.done events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import OpenAI, { AzureOpenAI } from 'openai'
import { OpenAIRealtimeWS } from 'openai/realtime/ws'
import WebSocket from 'ws'
import { startGateway, type TestGateway } from '../../../../public/testing/gateway.ts'
import { logCapture, type LogRecord } from '../helpers/log-capture.ts'
import { REALTIME_USAGE, startFakeRealtime, type FakeRealtime } from '../helpers/fake-realtime.ts'
import { onLlmOutcome } from '../../../../plugins/llm/outcome/outcome-bus.ts'
import type { LlmOutcome } from '../../../../plugins/llm/outcome/llm-outcome.ts'

let gw: TestGateway
let fake: FakeRealtime
let gwPort: number
const logs = logCapture()
const outcomes: LlmOutcome[] = []
const unsubscribe = onLlmOutcome((o) => { outcomes.push(o) })

const STATS = { log_statistics: true, log_payloads: false }
const MODEL = 'gpt-4o-realtime-preview'

beforeAll(async () => {
  fake = await startFakeRealtime((h) => h.headers.authorization === 'Bearer sk-up' || h.headers['api-key'] === 'az-up')
  const realtime = (route: string, model: Record<string, unknown>, auth: Record<string, unknown>) => ({
    name: 'ai-proxy', route, config: { route_type: 'realtime/v1/realtime', auth, logging: STATS, model },
  })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [
      { name: 'openai', paths: ['/openai'] },
      { name: 'azure', paths: ['/azure'] },
      { name: 'wsonly', paths: ['/wsonly'], protocols: ['ws', 'wss'] },
      { name: 'badkey', paths: ['/badkey'] },
      { name: 'down', paths: ['/down'] },
      { name: 'advanced', paths: ['/advanced'] },
    ] }],
    plugins: [
      { name: 'log-capture', config: {} },
      realtime('openai', { provider: 'openai', name: MODEL, options: { upstream_url: `${fake.url}/v1/realtime`, input_cost: 5, output_cost: 20 } }, { header_name: 'Authorization', header_value: 'Bearer sk-up' }),
      realtime('wsonly', { provider: 'openai', name: MODEL, options: { upstream_url: `${fake.url}/v1/realtime` } }, { header_name: 'Authorization', header_value: 'Bearer sk-up' }),
      realtime('azure', { provider: 'azure', name: MODEL, options: { upstream_url: fake.url, azure_instance: 'inst', azure_deployment_id: 'rt-deploy', azure_api_version: '2024-10-01-preview' } }, { header_name: 'api-key', header_value: 'az-up' }),
      realtime('badkey', { provider: 'openai', name: MODEL, options: { upstream_url: `${fake.url}/v1/realtime` } }, { header_name: 'Authorization', header_value: 'Bearer wrong' }),
      // a closed port: nothing listens on 127.0.0.1:9 (discard)
      { name: 'ai-proxy-advanced', route: 'advanced', config: {
        balancer: { algorithm: 'round-robin' },
        targets: [1, 2].map((n) => ({
          route_type: 'realtime/v1/realtime', weight: 100, logging: STATS, auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' },
          model: { provider: 'openai', name: `${MODEL}-${n}`, options: { upstream_url: `${fake.url}/v1/realtime` } },
        })),
      } },
      realtime('down', { provider: 'openai', name: MODEL, options: { upstream_url: 'http://127.0.0.1:9/v1/realtime' } }, { header_name: 'Authorization', header_value: 'Bearer sk-up' }),
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
  gwPort = Number(new URL(gw.proxy).port)
})

afterAll(async () => {
  unsubscribe()
  await gw?.close()
  await fake?.close()
})

/** The SDK always dials wss://: its socket is a plain TCP connection to the gateway instead. */
function plain() {
  return { createConnection: () => connect(gwPort, '127.0.0.1') }
}

function sdkClient(prefix: string, id: string): OpenAIRealtimeWS {
  const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${gw.proxy}${prefix}/v1` })
  return new OpenAIRealtimeWS({ model: MODEL, options: { ...plain(), headers: { 'x-test-id': id } } as never }, client)
}

function opened(rt: OpenAIRealtimeWS): Promise<void> {
  return new Promise((resolve, reject) => {
    rt.socket.once('open', () => resolve())
    rt.socket.once('error', reject)
  })
}

function closedWith(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
}

async function outcomeOf(id: string): Promise<{ o: LlmOutcome; log: LogRecord }> {
  const log = await logs.waitFor(id)
  const mine = outcomes.filter((o) => o.requestId === log.request.id)
  expect(mine).toHaveLength(1)
  return { o: mine[0]!, log }
}

/** session.update → response.create → response.done, as the SDK sends and reads them. */
async function converse(rt: OpenAIRealtimeWS): Promise<{ text: string; usage: unknown }> {
  const updated = new Promise((resolve) => rt.once('session.updated', resolve))
  rt.send({ type: 'session.update', session: { instructions: 'be brief' } } as never)
  await updated
  let text = ''
  const on = rt.on.bind(rt) as unknown as (event: string, fn: (e: { delta: string }) => void) => void
  on('response.output_text.delta', (e) => { text += e.delta })
  const done = new Promise<{ response: { usage: unknown } }>((resolve) => rt.once('response.done', resolve as never))
  rt.send({ type: 'response.create' } as never)
  const usage = (await done).response.usage
  return { text, usage }
}

describe('realtime/v1/realtime through ai-proxy', () => {
  it('openai: the SDK talks to the provider with the gateway credential and model; usage feeds the log and the outcome', async () => {
    const before = fake.handshakes.length
    const rt = sdkClient('/openai', 'rt-openai')
    await opened(rt)
    const h = fake.handshakes[before]!
    expect(h.path).toBe('/v1/realtime')
    expect(h.query.get('model')).toBe(MODEL)
    expect(h.headers.authorization).toBe('Bearer sk-up') // the client's own key never reaches the provider
    const { text, usage } = await converse(rt)
    expect(text).toBe('Hello')
    expect(usage).toEqual(REALTIME_USAGE)
    // the second response of the same session is summed into the one outcome
    await converse(rt)
    const serverClosed = fake.closed(fake.sockets.length - 1)
    rt.close()
    expect(await serverClosed).toBe(1000)
    const { o, log } = await outcomeOf('rt-openai')
    expect(o).toMatchObject({ ending: 'complete', response: 'realtime', status: 101, provider: 'openai', requestModel: MODEL, responseModel: 'gpt-4o-realtime-preview-2024-12-17', stream: false })
    expect(o.usage).toEqual({ prompt_tokens: 20, completion_tokens: 40, total_tokens: 60 })
    expect(o.cost).toBeCloseTo((20 * 5 + 40 * 20) / 1e6)
    expect(log.ai.proxy.meta.request_mode).toBe('realtime')
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 40, total_tokens: 60 })
    expect(log.response.status).toBe(101)
    expect(JSON.stringify(log)).not.toContain('sk-up')
  })

  it('azure: /openai/realtime with api-version and the configured deployment, api-key from the gateway', async () => {
    const before = fake.handshakes.length
    const client = new AzureOpenAI({ apiKey: 'az-client', apiVersion: '2024-10-01-preview', deployment: 'client-deploy', baseURL: `${gw.proxy}/azure/openai` })
    const rt = await OpenAIRealtimeWS.azure(client, { options: { ...plain(), headers: { 'x-test-id': 'rt-azure' } } as never })
    await opened(rt)
    const h = fake.handshakes[before]!
    expect(h.path).toBe('/openai/realtime')
    expect(h.query.get('api-version')).toBe('2024-10-01-preview')
    expect(h.query.getAll('deployment')).toEqual(['rt-deploy'])
    expect(h.headers['api-key']).toBe('az-up')
    await converse(rt)
    rt.close()
    const { o, log } = await outcomeOf('rt-azure')
    expect(o).toMatchObject({ ending: 'complete', response: 'realtime', provider: 'azure' })
    expect(o.usage.total_tokens).toBe(30)
    expect(log.ai.proxy.meta.azure_deployment_id).toBe('rt-deploy')
  })

  it('ai-proxy-advanced: the session\'s model picks the target, each session one outcome with its usage', async () => {
    const before = fake.handshakes.length
    const models: string[] = []
    for (const n of [2, 1]) {
      const id = `rt-adv-${n}`
      const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${gw.proxy}/advanced/v1` })
      const rt = new OpenAIRealtimeWS({ model: `${MODEL}-${n}`, options: { ...plain(), headers: { 'x-test-id': id } } as never }, client)
      await opened(rt)
      await converse(rt)
      rt.close()
      const { o, log } = await outcomeOf(id)
      expect(o).toMatchObject({ ending: 'complete', response: 'realtime', provider: 'openai' })
      expect(o.usage.total_tokens).toBe(30)
      expect(log.ai.proxy.meta.request_mode).toBe('realtime')
      models.push(o.requestModel!)
    }
    expect(fake.handshakes.slice(before).map((h) => h.query.get('model'))).toEqual([`${MODEL}-2`, `${MODEL}-1`])
    expect(models).toEqual([`${MODEL}-2`, `${MODEL}-1`])
  })

  it('a route of protocols ws/wss takes the upgrade', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/wsonly/v1/realtime`, { headers: { 'x-test-id': 'rt-wsonly' } })
    const first = await new Promise<string>((resolve, reject) => { ws.once('message', (d) => resolve(String(d))); ws.once('error', reject) })
    expect(JSON.parse(first).type).toBe('session.created')
    ws.close()
    expect((await outcomeOf('rt-wsonly')).o.ending).toBe('complete')
  })

  it('text stays text and binary stays binary, both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/openai/v1/realtime`)
    const got: [string, boolean][] = []
    const three = new Promise<void>((resolve) => ws.on('message', (d, isBinary) => { got.push([isBinary ? Buffer.from(d as Buffer).toString('hex') : String(d), isBinary]); if (got.length === 3) resolve() }))
    await new Promise((resolve) => ws.once('open', resolve))
    ws.send(Buffer.from([0, 1, 2, 255]), { binary: true })
    ws.send(JSON.stringify({ type: 'test.echo' }))
    await three
    expect(got[1]).toEqual(['000102ff', true])
    expect(got[2]).toEqual([JSON.stringify({ type: 'test.echo' }), false])
    ws.close()
  })

  it.each([
    ['client closes normally', 'client', 1000, 1000],
    ['client closes with an application code', 'client', 4001, 4001],
    ['upstream closes with an application code', 'upstream', 4002, 4002],
    ['upstream closes normally', 'upstream', 1000, 1000],
  ] as const)('%s: the other side is closed with the same code', async (_name, who, code, expected) => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/openai/v1/realtime`)
    await new Promise((resolve) => ws.once('open', resolve))
    const i = fake.sockets.length - 1
    if (who === 'client') {
      const server = fake.closed(i)
      ws.close(code)
      expect(await server).toBe(expected)
    } else {
      const client = closedWith(ws)
      ws.send(JSON.stringify({ type: 'test.close', code }))
      expect(await client).toBe(expected)
    }
  })

  it('an upstream lost without a close frame closes the client with 1011 and ends as upstream_failed', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/openai/v1/realtime`, { headers: { 'x-test-id': 'rt-drop' } })
    await new Promise((resolve) => ws.once('open', resolve))
    const client = closedWith(ws)
    ws.send(JSON.stringify({ type: 'test.drop' }))
    expect(await client).toBe(1011)
    expect((await outcomeOf('rt-drop')).o.ending).toBe('upstream_failed')
  })

  it('a client lost without a close frame closes the upstream and ends as client_aborted', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/openai/v1/realtime`, { headers: { 'x-test-id': 'rt-gone' } })
    await new Promise((resolve) => ws.once('open', resolve))
    const server = fake.closed(fake.sockets.length - 1)
    ws.terminate()
    expect(await server).toBe(1001)
    expect((await outcomeOf('rt-gone')).o.ending).toBe('client_aborted')
  })

  it('an upstream that is not listening: the upgrade is refused with Kong\'s 502 and the SDK sees an error', async () => {
    const rt = sdkClient('/down', 'rt-down')
    const err = await new Promise<Error>((resolve) => rt.on('error', resolve))
    expect(err.message).toMatch(/502/)
    const { o, log } = await outcomeOf('rt-down')
    expect(log.response.status).toBe(502)
    expect(o).toMatchObject({ ending: 'complete', status: 502 })
  })

  it('an upstream refusing the handshake: its status and body go to the client', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/badkey/v1/realtime`)
      ws.on('unexpected-response', (_req, r) => {
        let body = ''
        r.on('data', (c) => { body += c })
        r.on('end', () => resolve({ status: r.statusCode!, body }))
      })
      ws.on('error', reject)
    })
    expect(res.status).toBe(401)
  })
})
