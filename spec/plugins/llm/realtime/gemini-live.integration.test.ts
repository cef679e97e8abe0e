// Gemini Live on route type realtime/v1/realtime: the official @google/genai SDK's live client
// (AI Studio) and a `ws` client speaking the documented messages (Vertex) through a real gateway
// to a fake BidiGenerateContent server on 127.0.0.1 that records the credential, path and
// messages it receives. Frames go both ways unchanged; usageMetadata is summed into the outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GoogleGenAI, Modality, type LiveServerMessage } from '@google/genai'
import WebSocket from 'ws'
import { startGateway, type TestGateway } from '../../../../public/testing/gateway.ts'
import { logCapture, type LogRecord } from '../helpers/log-capture.ts'
import { LIVE_USAGE, startFakeGeminiLive, type FakeGeminiLive } from '../helpers/fake-gemini-live.ts'
import { startFakeGcpIdp, type FakeGcpIdp } from '../../../helpers/fake-idp/gcp.ts'
import { onLlmOutcome } from '../../../../plugins/llm/outcome/outcome-bus.ts'
import type { LlmOutcome } from '../../../../plugins/llm/outcome/llm-outcome.ts'

let gw: TestGateway
let fake: FakeGeminiLive
let idp: FakeGcpIdp
let gwPort: number
const logs = logCapture()
const outcomes: LlmOutcome[] = []
const unsubscribe = onLlmOutcome((o) => { outcomes.push(o) })

const MODEL = 'gemini-live-2.5-flash'
const STATS = { log_statistics: true, log_payloads: false }
const AI_STUDIO_PATH = '/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent'
const VERTEX_PATH = '/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent'

beforeAll(async () => {
  ;[fake, idp] = await Promise.all([startFakeGeminiLive(), startFakeGcpIdp()])
  const live = (route: string, model: Record<string, unknown>, auth: Record<string, unknown>) => ({
    name: 'ai-proxy', route, config: { route_type: 'realtime/v1/realtime', auth, logging: STATS, model },
  })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: ['studio', 'studio-header', 'vertex', 'advanced'].map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      { name: 'log-capture', config: {} },
      live('studio', { provider: 'gemini', name: MODEL, options: { upstream_url: fake.url, input_cost: 2, output_cost: 8 } },
        { param_name: 'key', param_value: 'g-up', param_location: 'query' }),
      // no model fixed: the client's setup names it
      live('studio-header', { provider: 'gemini', options: { upstream_url: fake.url } }, { header_name: 'x-goog-api-key', header_value: 'g-up' }),
      live('vertex', { provider: 'gemini', name: MODEL, options: { gemini: { api_endpoint: `http://127.0.0.1:${fake.port}`, project_id: 'fake-project', location_id: 'us-central1' } } },
        { gcp_use_service_account: true, gcp_service_account_json: idp.serviceAccountJson, gcp_oauth_token_url: idp.tokenUrl }),
      // Kong 3.13's placement: ai-proxy-advanced; the first target's port is closed (discard)
      { name: 'ai-proxy-advanced', route: 'advanced', config: {
        balancer: { algorithm: 'priority' },
        targets: [['http://127.0.0.1:9', 'gemini-live-dead', 100], [fake.url, MODEL, 10]].map(([url, name, weight]) => ({
          route_type: 'realtime/v1/realtime', weight, logging: STATS, auth: { param_name: 'key', param_value: 'g-up', param_location: 'query' },
          model: { provider: 'gemini', name, options: { upstream_url: url } },
        })),
      } },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
  gwPort = Number(new URL(gw.proxy).port)
})

afterAll(async () => {
  unsubscribe()
  await gw?.close()
  await Promise.all([fake?.close(), idp?.close()])
})

async function outcomeOf(id: string): Promise<{ o: LlmOutcome; log: LogRecord }> {
  const log = await logs.waitFor(id)
  const mine = outcomes.filter((o) => o.requestId === log.request.id)
  expect(mine).toHaveLength(1)
  return { o: mine[0]!, log }
}

/** A `ws` client on `path`, open. */
async function client(path: string, id: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${gwPort}${path}`, { headers: { 'x-test-id': id, ...headers } })
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  return ws
}

/** The next `n` messages, parsed (text or binary). */
function next(ws: WebSocket, n: number): Promise<{ msg: Record<string, any>; binary: boolean }[]> {
  const got: { msg: Record<string, any>; binary: boolean }[] = []
  return new Promise((resolve) => {
    const on = (d: Buffer, binary: boolean) => {
      got.push({ msg: JSON.parse(String(d)), binary })
      if (got.length === n) { ws.off('message', on); resolve(got) }
    }
    ws.on('message', on)
  })
}

describe('Gemini Live through ai-proxy (realtime/v1/realtime, provider gemini)', () => {
  it('the @google/genai live client: the gateway key replaces the client\'s, frames go both ways, usage reaches the log and the outcome', async () => {
    const before = fake.handshakes.length
    const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: `${gw.proxy}/studio`, headers: { 'x-test-id': 'live-sdk' } } })
    const messages: LiveServerMessage[] = []
    let turnDone: () => void = () => {}
    const turns = [new Promise<void>((r) => { turnDone = r })]
    const session = await ai.live.connect({
      model: MODEL,
      config: { responseModalities: [Modality.TEXT] },
      callbacks: {
        onmessage: (m) => { messages.push(m); if (m.serverContent?.turnComplete) turnDone() },
      },
    })
    const h = fake.handshakes[before]!
    expect(h.path).toBe(AI_STUDIO_PATH)
    expect(h.query.getAll('key')).toEqual(['g-up']) // the client's own key never reaches Google
    expect(h.messages[0]!.setup.model).toBe(`models/${MODEL}`)
    session.sendClientContent({ turns: 'Hi', turnComplete: true })
    await turns[0]
    // a second turn of the same session is summed into the one outcome
    const second = new Promise<void>((r) => { turnDone = r })
    session.sendClientContent({ turns: 'Again', turnComplete: true })
    await second
    expect(h.messages.slice(1).map((m) => m.clientContent.turns[0].parts[0].text)).toEqual(['Hi', 'Again'])
    expect(messages.map((m) => m.text).filter(Boolean)).toEqual(['Hello', 'Hello'])
    expect(messages.find((m) => m.usageMetadata)!.usageMetadata).toEqual(LIVE_USAGE)
    session.close()
    const { o, log } = await outcomeOf('live-sdk')
    expect(o).toMatchObject({ ending: 'complete', response: 'realtime', status: 101, provider: 'gemini', requestModel: MODEL, responseModel: MODEL })
    expect(o.usage).toEqual({ prompt_tokens: 14, completion_tokens: 10, total_tokens: 24 })
    expect(o.cost).toBeCloseTo((14 * 2 + 10 * 8) / 1e6)
    expect(log.ai.proxy.meta.request_mode).toBe('realtime')
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 10, total_tokens: 24 })
    expect(JSON.stringify(log)).not.toContain('g-up')
    expect(JSON.stringify(log)).not.toContain('client-key')
  })

  it('header auth and no fixed model: x-goog-api-key from the gateway, the setup\'s model is the request\'s, the client\'s bytes go as they came', async () => {
    const before = fake.handshakes.length
    const ws = await client(`/studio-header${AI_STUDIO_PATH}?key=client-key&alt=x`, 'live-header', { 'x-goog-api-key': 'client-key' })
    const h = fake.handshakes[before]!
    expect(h.headers['x-goog-api-key']).toBe('g-up')
    expect(h.query.has('key')).toBe(false)
    expect(h.query.get('alt')).toBe('x')
    const setup = '{"setup":{"model":"models/gemini-2.0-flash-live-001" , "generationConfig":{"responseModalities":["TEXT"]}}}'
    const complete = next(ws, 1)
    ws.send(setup)
    const [first] = await complete
    expect(first).toEqual({ msg: { setupComplete: {} }, binary: true })
    expect(h.raw[0]).toBe(setup)
    const answer = next(ws, 2)
    ws.send(JSON.stringify({ clientContent: { turns: [{ role: 'user', parts: [{ text: 'Hi' }] }], turnComplete: true } }))
    const [, done] = await answer
    expect(done).toEqual({ msg: { serverContent: { turnComplete: true }, usageMetadata: LIVE_USAGE }, binary: false })
    ws.close()
    const { o } = await outcomeOf('live-header')
    expect(o).toMatchObject({ requestModel: 'gemini-2.0-flash-live-001', responseModel: 'gemini-2.0-flash-live-001' })
    expect(o.usage.total_tokens).toBe(12)
  })

  it('Vertex: the LlmBidiService endpoint with the service account\'s bearer token', async () => {
    const before = fake.handshakes.length
    const ws = await client(`/vertex${VERTEX_PATH}`, 'live-vertex')
    const h = fake.handshakes[before]!
    expect(h.path).toBe(VERTEX_PATH)
    expect(idp.accepts(h.headers.authorization as string)).toBe(true)
    const complete = next(ws, 1)
    ws.send(JSON.stringify({ setup: { model: `projects/fake-project/locations/us-central1/publishers/google/models/${MODEL}` } }))
    await complete
    const answer = next(ws, 2)
    ws.send(JSON.stringify({ clientContent: { turns: [{ role: 'user', parts: [{ text: 'Hi' }] }], turnComplete: true } }))
    await answer
    ws.close()
    const { o, log } = await outcomeOf('live-vertex')
    expect(o).toMatchObject({ provider: 'gemini', requestModel: MODEL, usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 } })
    expect(JSON.stringify(log)).not.toMatch(/Bearer /)
  })

  it('ai-proxy-advanced: the SDK\'s session fails over from a closed port to the next Gemini target, whose model its setup must name', async () => {
    const before = fake.handshakes.length
    const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: `${gw.proxy}/advanced`, headers: { 'x-test-id': 'live-adv' } } })
    let turnDone: () => void = () => {}
    const turn = new Promise<void>((r) => { turnDone = r })
    const session = await ai.live.connect({
      model: MODEL,
      config: { responseModalities: [Modality.TEXT] },
      callbacks: { onmessage: (m) => { if (m.serverContent?.turnComplete) turnDone() } },
    })
    expect(fake.handshakes[before]!.query.get('key')).toBe('g-up')
    session.sendClientContent({ turns: 'Hi', turnComplete: true })
    await turn
    session.close()
    const { o, log } = await outcomeOf('live-adv')
    expect(o).toMatchObject({ provider: 'gemini', requestModel: MODEL, tried: [0, 1], usage: { total_tokens: 12 } })
    expect((log.ai.proxy.tried_targets as { model: string }[]).map((t) => t.model)).toEqual(['gemini-live-dead', MODEL])
  })

  it('a fixed model: a setup naming another one closes the session with 1008 and Kong\'s message, nothing reaches Google', async () => {
    const before = fake.handshakes.length
    const ws = await client(`/studio${AI_STUDIO_PATH}`, 'live-other-model')
    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, String(reason)])))
    ws.send(JSON.stringify({ setup: { model: 'models/gemini-2.5-pro' } }))
    expect(await closed).toEqual([1008, `cannot use own model - must be: ${MODEL}`])
    expect(fake.handshakes[before]!.messages).toEqual([])
    const { o } = await outcomeOf('live-other-model')
    expect(o.usage.total_tokens).toBe(0)
  })
})
