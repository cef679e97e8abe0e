// Once the upstream's answer streams to the client, the gateway lets go of the request body (the
// client's bytes and a plugin's replacement): no retry sends it again and no phase left may read
// it, so a stream that stays open does not keep it alive. What still needs the body keeps it: a
// retry before any head, a buffered answer's `response` phase, the log record's request.size.
// Real uWS gateway, real upstream sockets on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import v8 from 'node:v8'
import vm from 'node:vm'
import { Type } from 'typebox'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { definePlugin } from '../../../core/plugins/contract.ts'
import { logCapture, type LogRecord } from '../../plugins/llm/helpers/log-capture.ts'

v8.setFlagsFromString('--expose-gc')
/** this isolate's full GC, without --expose-gc on the command line */
const gc = vm.runInNewContext('gc') as () => void

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()
/** per x-test-id: the held upstream answer, and who waits for it */
const held = new Map<string, ServerResponse>()
const heldWaiters = new Map<string, () => void>()
/** per x-test-id: weak references to the body the request had in access */
const refs = new Map<string, WeakRef<Buffer>>()
/** per x-test-id: the body the response phase read */
const seenInResponse = new Map<string, string>()
let flakyCalls = 0

const probe = definePlugin({
  name: 'body-probe',
  version: '1.0.0',
  priority: 1,
  schema: Type.Object({ replace: Type.Boolean({ default: false }) }),
  access(kong, conf) {
    const id = kong.request.getHeader('x-test-id')
    if (id === undefined) return
    let body = kong.request.getRawBody()!
    if (conf.replace) {
      body = Buffer.from(`replaced:${body.toString()}`)
      kong.service.request.setRawBody(body)
    }
    refs.set(id, new WeakRef(body))
  },
})

/** A `response` handler: its routes' answers are buffered, and it reads the client body there. */
const responseReader = definePlugin({
  name: 'response-body-reader',
  version: '1.0.0',
  priority: 2,
  schema: Type.Object({}),
  response(kong) {
    const id = kong.request.getHeader('x-test-id')
    if (id !== undefined) seenInResponse.set(id, kong.request.getRawBody()!.toString())
  },
})

beforeAll(async () => {
  up = await startUpstream((req, res, body) => {
    const id = String(req.headers['x-test-id'])
    if (req.url === '/flaky' && flakyCalls++ === 0) return void req.socket.destroy() // the first try dies before any head
    if (req.url === '/flaky' || req.url === '/buffered') return void res.end(`got:${body.toString()}`)
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: first\n\n')
    held.set(id, res)
    heldWaiters.get(id)?.()
  })
  const route = (name: string, config: Record<string, boolean> = {}, more: object[] = []) =>
    ({ name, paths: [`/${name}`], strip_path: false, plugins: [{ name: 'body-probe', config }, ...more] })
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 'up', url: up.url, retries: 2, routes: [route('stream'), route('replaced', { replace: true }), route('buffered', {}, [{ name: 'response-body-reader', config: {} }]), route('flaky')] }],
    plugins: [{ name: 'log-capture', config: {} }],
  }), { plugins: [logs.plugin, probe, responseReader] })
})

afterAll(async () => {
  for (const res of held.values()) res.end()
  await gw?.close()
  await up?.close()
})

function upstreamHolds(id: string): Promise<void> {
  return held.has(id) ? Promise.resolve() : new Promise((r) => heldWaiters.set(id, r))
}

/** A request whose body is sent with a Content-Length or chunked; resolves at the answer's first bytes. */
function open(path: string, id: string, body: string, chunked: boolean): Promise<{ all: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'text/plain', 'x-test-id': id }
    if (!chunked) headers['content-length'] = String(Buffer.byteLength(body))
    const req = httpRequest(`${gw.proxy}${path}`, { method: 'PUT', headers }, (res) => {
      res.setEncoding('utf8')
      // the whole answer, read from its first byte (it may end in the same tick as it starts)
      const all = text(res)
      res.once('data', () => resolve({ all }))
    })
    req.on('error', reject)
    if (chunked) { req.write(body.slice(0, 5)); req.end(body.slice(5)) } else req.end(body)
  })
}

function text(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => { let t = ''; res.on('data', (c: string) => { t += c }); res.on('end', () => resolve(t)) })
}

async function collected(ref: WeakRef<object>, rounds = 5): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setImmediate(r))
    gc()
    if (ref.deref() === undefined) return true
  }
  return false
}

describe('a streamed answer lets go of the request body', () => {
  it.each([
    ['content-length body', '/stream', false],
    ['chunked body', '/stream', true],
    ['body replaced by a plugin', '/replaced', false],
  ] as const)('%s: collectable while the stream is open, request.size still logged', async (_name, path, chunked) => {
    const id = `${path}-${chunked}`
    const body = 'x'.repeat(3000)
    const { all } = await open(path, id, body, chunked)
    await upstreamHolds(id)
    expect(await collected(refs.get(id)!)).toBe(true)
    held.get(id)!.end('data: last\n\n')
    expect(await all).toBe('data: first\n\ndata: last\n\n')
    const log: LogRecord = await logs.waitFor(id)
    expect(log.request.size).toBe(3000)
    expect(log.response.status).toBe(200)
  })

  it('a buffered answer keeps it: the response phase reads the client body', async () => {
    const { all } = await open('/buffered', 'buffered', 'hello body', false)
    expect(await all).toBe('got:hello body')
    expect(seenInResponse.get('buffered')).toBe('hello body')
    expect((await logs.waitFor('buffered')).request.size).toBe(10)
  })

  it('a retry before any head sends the body again', async () => {
    const { all } = await open('/flaky', 'flaky', 'again', false)
    expect(await all).toBe('got:again')
    const log: LogRecord = await logs.waitFor('flaky')
    expect(log.response.status).toBe(200)
    expect(flakyCalls).toBe(2)
    expect(up.received.filter((r) => r.url === '/flaky').map((r) => r.body.toString())).toEqual(['again', 'again'])
  })
})
