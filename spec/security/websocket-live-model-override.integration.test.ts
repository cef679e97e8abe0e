// Threat: a Gemini Live client on a route that fixes its model (model.name) picks another model
// (or another Vertex project) through its in-band `setup` message, which the gateway cannot see
// before the upgrade. Every first message below must end the session with 1008 before anything
// reaches the upstream; the setup that is accepted goes upstream re-serialized (no duplicate key
// or escape left for Google's parser to read differently); a second setup later is refused; the
// worker serves the next session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startFakeGeminiLive, type FakeGeminiLive } from '../plugins/llm/helpers/fake-gemini-live.ts'

let gw: TestGateway
let fake: FakeGeminiLive
let gwPort: number
const MODEL = 'gemini-live-2.5-flash'
const VERTEX_NAME = `projects/fake-project/locations/us-central1/publishers/google/models/${MODEL}`

beforeAll(async () => {
  fake = await startFakeGeminiLive()
  const live = (route: string, options: Record<string, unknown>) => ({
    name: 'ai-proxy', route, config: { route_type: 'realtime/v1/realtime', auth: { header_name: 'x-goog-api-key', header_value: 'g-up' }, model: { provider: 'gemini', name: MODEL, options } },
  })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'studio', paths: ['/studio'] }, { name: 'vertex', paths: ['/vertex'] }] }],
    plugins: [
      live('studio', { upstream_url: fake.url }),
      // header auth on Vertex too: the point here is the setup's resource name, not the token
      live('vertex', { gemini: { api_endpoint: `http://127.0.0.1:${fake.port}`, project_id: 'fake-project', location_id: 'us-central1' } }),
    ],
  }
  gw = await startGateway(JSON.stringify(config))
  gwPort = Number(new URL(gw.proxy).port)
})

afterAll(async () => {
  await gw?.close()
  await fake?.close()
})

async function open(route: string): Promise<{ ws: WebSocket; upstream: FakeGeminiLive['handshakes'][number]; closed: Promise<[number, string]> }> {
  const before = fake.handshakes.length
  const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/${route}/ws`)
  const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, String(reason)])))
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  return { ws, upstream: fake.handshakes[before]!, closed }
}

const OTHER = 'cannot use own model - must be: gemini-live-2.5-flash'
const NO_SETUP = 'the first message must be a setup naming the model'

const REFUSED: [string, string, string | Buffer, string][] = [
  ['another model', 'studio', JSON.stringify({ setup: { model: 'models/gemini-2.5-pro' } }), OTHER],
  ['another model, short form', 'studio', JSON.stringify({ setup: { model: 'gemini-2.5-pro' } }), OTHER],
  ['the model under another prefix', 'studio', JSON.stringify({ setup: { model: `models/other/models/${MODEL}` } }), OTHER],
  ['a dot-segment path to it', 'studio', JSON.stringify({ setup: { model: `models/../models/${MODEL}` } }), OTHER],
  ['no model', 'studio', JSON.stringify({ setup: {} }), OTHER],
  ['model as an array', 'studio', JSON.stringify({ setup: { model: [`models/${MODEL}`] } }), OTHER],
  ['model as an object', 'studio', JSON.stringify({ setup: { model: { name: `models/${MODEL}` } } }), OTHER],
  ['model as a number', 'studio', JSON.stringify({ setup: { model: 1 } }), OTHER],
  ['model inherited from __proto__', 'studio', `{"setup":{"__proto__":{"model":"models/${MODEL}"}}}`, OTHER],
  ['setup inherited from __proto__', 'studio', `{"__proto__":{"setup":{"model":"models/${MODEL}"}}}`, NO_SETUP],
  ['setup through constructor.prototype', 'studio', `{"constructor":{"prototype":{"setup":{"model":"models/${MODEL}"}}}}`, NO_SETUP],
  ['an escaped setup key naming another model', 'studio', '{"s\\u0065tup":{"model":"models/gemini-2.5-pro"}}', OTHER],
  ['an escaped model key naming another model', 'studio', '{"setup":{"mod\\u0065l":"models/gemini-2.5-pro"}}', OTHER],
  ['duplicate model keys, ours first', 'studio', `{"setup":{"model":"models/${MODEL}","model":"models/gemini-2.5-pro"}}`, OTHER],
  ['clientContent before any setup', 'studio', JSON.stringify({ clientContent: { turns: [{ role: 'user', parts: [{ text: 'hi' }] }], turnComplete: true } }), NO_SETUP],
  ['not JSON', 'studio', 'setup please', NO_SETUP],
  ['JSON null', 'studio', 'null', NO_SETUP],
  ['a JSON array', 'studio', JSON.stringify([{ setup: { model: `models/${MODEL}` } }]), NO_SETUP],
  ['setup as a string', 'studio', JSON.stringify({ setup: `models/${MODEL}` }), NO_SETUP],
  ['binary garbage', 'studio', Buffer.from([0xff, 0xfe, 0x00, 0x7b]), NO_SETUP],
  ['Vertex: another project', 'vertex', JSON.stringify({ setup: { model: `projects/someone-else/locations/us-central1/publishers/google/models/${MODEL}` } }), OTHER],
  ['Vertex: another publisher', 'vertex', JSON.stringify({ setup: { model: `projects/fake-project/locations/us-central1/publishers/anthropic/models/${MODEL}` } }), OTHER],
  ['Vertex: the AI Studio form', 'vertex', JSON.stringify({ setup: { model: `models/${MODEL}` } }), OTHER],
]

describe('Gemini Live: the route\'s model holds whatever the setup says', () => {
  it.each(REFUSED)('%s: closed with 1008, nothing reaches the upstream', async (_name, route, first, reason) => {
    const { ws, upstream, closed } = await open(route)
    ws.send(first, { binary: Buffer.isBuffer(first) })
    expect(await closed).toEqual([1008, reason])
    expect(upstream.raw).toEqual([])
  })

  it.each([
    ['the short name', 'studio', MODEL],
    ['models/ form', 'studio', `models/${MODEL}`],
    ['Vertex resource name', 'vertex', VERTEX_NAME],
  ])('%s is accepted', async (_name, route, model) => {
    const { ws, upstream } = await open(route)
    const complete = new Promise((resolve) => ws.once('message', resolve))
    ws.send(JSON.stringify({ setup: { model } }))
    await complete
    expect(upstream.messages[0]).toEqual({ setup: { model } })
    ws.close()
  })

  it('duplicate keys with ours last: the upstream gets the setup as read, with one model key', async () => {
    const { ws, upstream } = await open('studio')
    const complete = new Promise((resolve) => ws.once('message', resolve))
    ws.send(`{"setup":{"model":"models/gemini-2.5-pro","model":"models/${MODEL}"}}`)
    await complete
    expect(upstream.raw[0]).toBe(JSON.stringify({ setup: { model: `models/${MODEL}` } }))
    ws.close()
  })

  it.each([
    ['a plain second setup', JSON.stringify({ setup: { model: 'models/gemini-2.5-pro' } })],
    ['an escaped second setup', '{"s\\u0065tup":{"model":"models/gemini-2.5-pro"}}'],
    ['a second setup naming our model', JSON.stringify({ setup: { model: `models/${MODEL}` } })],
  ])('%s later in the session closes it with 1008', async (_name, second) => {
    const { ws, upstream, closed } = await open('studio')
    const complete = new Promise((resolve) => ws.once('message', resolve))
    ws.send(JSON.stringify({ setup: { model: MODEL } }))
    await complete
    ws.send(second)
    expect(await closed).toEqual([1008, 'setup is sent once, as the first message'])
    expect(upstream.raw).toHaveLength(1)
  })

  it('later messages that merely mention setup go through unchanged', async () => {
    const { ws, upstream } = await open('studio')
    const complete = new Promise((resolve) => ws.once('message', resolve))
    ws.send(JSON.stringify({ setup: { model: MODEL } }))
    await complete
    const turn = JSON.stringify({ clientContent: { turns: [{ role: 'user', parts: [{ text: '"setup" \u00e9 \\u0041' }] }], turnComplete: true } })
    const answered = new Promise((resolve) => ws.once('message', resolve))
    ws.send(turn)
    await answered
    expect(upstream.raw[1]).toBe(turn)
    ws.close()
  })
})
