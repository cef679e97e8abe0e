// Once a streamed answer begins, ai-proxy lets go of the client's request (its bytes, their parse,
// the body sent; the core lets go of the body too), so a stream that stays open does not keep it
// alive into the old generation. What the end of the stream reads still works: usage and models in
// the log record (log_statistics), the request payload (log_payloads keeps the bytes), a stream
// aborted by the client, a stream the upstream breaks. A real gateway, a fake provider on 127.0.0.1
// that holds each stream open after its first events until the test lets it go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import v8 from 'node:v8'
import vm from 'node:vm'
import { Type } from 'typebox'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { definePlugin } from '../../../core/plugins/contract.ts'
import { chatStream } from '../llm/helpers/fake-openai.ts'
import { logCapture, type LogRecord } from '../llm/helpers/log-capture.ts'
import { sharedExchange } from '../../../plugins/llm/pipeline/shared-exchange.ts'
import { onLlmOutcome } from '../../../plugins/llm/outcome/outcome-bus.ts'
import type { LlmOutcome } from '../../../plugins/llm/outcome/llm-outcome.ts'

v8.setFlagsFromString('--expose-gc')
/** this isolate's full GC, without --expose-gc on the command line */
const gc = vm.runInNewContext('gc') as () => void

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()
/** per x-test-id: the upstream's rest of the stream, sent when the test says */
const held = new Map<string, () => void>()
const heldWaiters = new Map<string, () => void>()
/** per x-test-id: weak references to what the request held in access */
const refs = new Map<string, { body: WeakRef<object>; raw: WeakRef<Buffer> }>()
const outcomes: LlmOutcome[] = []
const unsubscribe = onLlmOutcome((o) => { outcomes.push(o) })

const messages = [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: 'What is 1 + 1? '.repeat(40) }]
const STREAM = chatStream('gpt-4o-mini-2024-07-18', true)
const SPLIT = STREAM.indexOf('\n\n', STREAM.indexOf('\n\n') + 2) + 2 // after the first two events

/** Runs after ai-proxy's access (priority 1): takes weak references to the parsed request and its bytes. */
const probe = definePlugin({
  name: 'request-probe',
  version: '1.0.0',
  priority: 1,
  schema: Type.Object({}),
  access(kong) {
    const id = kong.request.getHeader('x-test-id')
    const x = sharedExchange(kong)
    if (id === undefined || x === null || x.parsed.body === null || x.parsed.raw === null) return
    refs.set(id, { body: new WeakRef(x.parsed.body), raw: new WeakRef(x.parsed.raw) })
  },
})

function proxy(route: string, logging: Record<string, boolean>) {
  return { name: 'ai-proxy', route, config: {
    route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' }, logging,
    model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${up.url}/v1/chat/completions`, input_cost: 2, output_cost: 8 } },
  } }
}

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    const id = String(req.headers['x-test-id'])
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    if (id.startsWith('break')) return void res.write(STREAM.slice(0, SPLIT), () => res.socket?.destroy())
    res.write(STREAM.slice(0, SPLIT))
    held.set(id, () => res.end(STREAM.slice(SPLIT)))
    heldWaiters.get(id)?.()
  })
  const routes = ['stats', 'payloads']
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      { name: 'log-capture', config: {} },
      { name: 'request-probe', config: {} },
      proxy('stats', { log_statistics: true, log_payloads: false }),
      proxy('payloads', { log_statistics: true, log_payloads: true }),
    ],
  }), { plugins: [logs.plugin, probe] })
})

afterAll(async () => {
  unsubscribe()
  for (const end of held.values()) end()
  await gw?.close()
  await up?.close()
})

/** The upstream has answered the first events of `id`'s stream and holds the rest. */
function upstreamHolds(id: string): Promise<void> {
  return held.has(id) ? Promise.resolve() : new Promise((r) => heldWaiters.set(id, r))
}

/** A streamed chat call; resolves with the response once its first bytes came. */
function openStream(path: string, id: string, body: string): Promise<{ res: IncomingMessage; first: string; abort(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gw.proxy}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': id } }, (res) => {
      res.setEncoding('utf8')
      res.once('data', (first: string) => resolve({ res, first, abort: () => req.destroy() }))
    })
    req.on('error', (e) => { if (!req.destroyed) reject(e) })
    req.end(body)
  })
}

function rest(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    res.on('data', (c: string) => { text += c })
    res.on('end', () => resolve(text))
    res.on('error', () => resolve(text))
  })
}

/** Full GCs until `ref` is collected, at most `rounds` (a WeakRef's target lives to the end of the task that made it). */
async function collected(ref: WeakRef<object>, rounds = 5): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setImmediate(r))
    gc()
    if (ref.deref() === undefined) return true
  }
  return false
}

const clientBody = (stream = true) => JSON.stringify({ model: 'gpt-4o-mini', messages, stream, stream_options: { include_usage: true } })

describe('ai-proxy: an open stream does not hold the client request', () => {
  it('the parsed request and its bytes are collectable while the stream is open; usage and models still logged', async () => {
    const s = await openStream('/stats', 'stats-1', clientBody())
    await upstreamHolds('stats-1')
    expect(s.first).toContain('data: ')
    const r = refs.get('stats-1')!
    expect(await collected(r.body)).toBe(true)
    expect(await collected(r.raw)).toBe(true)
    const text = rest(s.res)
    held.get('stats-1')!()
    expect(await text).toContain('data: [DONE]')
    const log: LogRecord = await logs.waitFor('stats-1')
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 })
    expect(log.ai.proxy.meta).toMatchObject({ request_model: 'gpt-4o-mini', response_model: 'gpt-4o-mini-2024-07-18', request_mode: 'stream' })
    expect(log.ai.proxy.payload).toBeUndefined()
    // the core's request size survives the body it let go of
    expect(log.request.size).toBe(Buffer.byteLength(clientBody()))
  })

  it('log_payloads keeps the bytes: the payload log has the client request', async () => {
    const s = await openStream('/payloads', 'payloads-1', clientBody())
    await upstreamHolds('payloads-1')
    const r = refs.get('payloads-1')!
    expect(await collected(r.body)).toBe(true)
    expect(r.raw.deref()).toBeDefined()
    const text = rest(s.res)
    held.get('payloads-1')!()
    await text
    const log: LogRecord = await logs.waitFor('payloads-1')
    expect(log.ai.proxy.payload.request).toBe(clientBody())
    expect(log.ai.proxy.payload.response).toContain('The answer is 2.')
    expect(log.ai.proxy.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 5 })
  })

  it.each([
    ['stats', 'abort-stats'],
    ['payloads', 'abort-payloads'],
  ])('a stream the client aborts (%s) ends logged, its outcome with the request model and prompt tokens', async (route, id) => {
    const s = await openStream(`/${route}`, id, clientBody())
    await upstreamHolds(id)
    s.abort()
    const log: LogRecord = await logs.waitFor(id)
    expect(log.response.status).toBe(200)
    expect(log.request.size).toBe(Buffer.byteLength(clientBody()))
    // not a complete answer: no analytics, as before
    expect(log.ai).toBeUndefined()
    const o = outcomes.filter((x) => x.requestId === log.request.id)
    expect(o).toHaveLength(1)
    expect(o[0]).toMatchObject({ ending: 'client_aborted', response: 'stream', requestModel: 'gpt-4o-mini', stream: true })
    expect(o[0]!.usage.prompt_tokens).toBeGreaterThan(0)
  })

  it.each([
    ['stats', 'break-stats'],
    ['payloads', 'break-payloads'],
  ])('a stream the upstream breaks (%s) ends logged, its outcome with the request model', async (route, id) => {
    const s = await openStream(`/${route}`, id, clientBody())
    const text = await rest(s.res)
    expect(s.first + text).toContain('data: ')
    const log: LogRecord = await logs.waitFor(id)
    expect(log.response.status).toBe(200)
    expect(log.ai).toBeUndefined()
    const o = outcomes.filter((x) => x.requestId === log.request.id)
    expect(o).toHaveLength(1)
    expect(o[0]).toMatchObject({ ending: 'upstream_failed', response: 'stream', requestModel: 'gpt-4o-mini', stream: true })
  })
})
