import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { createHash } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import type { ServerResponse } from 'node:http'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

const MB = 1024 * 1024
let up: FakeUpstream
let gw: TestGateway
// the test drives the upstream's chunked response step by step
let streamRes: ServerResponse | null = null
let streamReady: (() => void) | null = null
let bigWriter: { written: number; blocked: boolean; finished: boolean } | null = null as { written: number; blocked: boolean; finished: boolean } | null
let abortSeen: (() => void) | null = null

function pattern(size: number): Buffer {
  const b = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) b[i] = (i * 7 + 3) & 0xff
  return b
}

beforeAll(async () => {
  up = await startUpstream((req, res, body) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.flushHeaders()
      streamRes = res
      streamReady?.()
    } else if (req.url === '/upload') {
      res.end(JSON.stringify({ size: body.length, sha: createHash('sha256').update(body).digest('hex') }))
    } else if (req.url === '/big') {
      const chunk = pattern(MB)
      const st: { written: number; blocked: boolean; finished: boolean } = { written: 0, blocked: false, finished: false }
      bigWriter = st
      res.writeHead(200, { 'content-length': String(50 * MB) })
      const pump = () => {
        while (st.written < 50 * MB) {
          st.written += MB
          if (!res.write(chunk)) { st.blocked = true; res.once('drain', () => { st.blocked = false; pump() }); return }
        }
        res.end(() => { st.finished = true })
      }
      pump()
    } else if (req.url === '/hang') {
      res.on('close', () => abortSeen?.())
    }
  })
  gw = await startGateway(`
_format_version: "3.0"
services:
  - name: backend
    url: ${up.url}
    routes: [{ name: all, paths: ["/"] }]
`)
})
afterAll(async () => { await gw.close(); await up.close() })

describe('streaming', () => {
  it('forwards each chunk of a chunked response as it arrives', async () => {
    // uWS sends the response head with the first body bytes (it has no way to flush a bare head)
    const ready = new Promise<void>((r) => { streamReady = r })
    const pending = request(`${gw.proxy}/stream`)
    await ready
    streamRes!.write('data: one\n\n')
    const res = await pending
    expect(res.headers['content-type']).toBe('text/event-stream')
    const it = res.body[Symbol.asyncIterator]()
    expect(Buffer.from((await it.next()).value as Buffer).toString()).toBe('data: one\n\n')
    streamRes!.write('data: two\n\n')
    expect(Buffer.from((await it.next()).value as Buffer).toString()).toBe('data: two\n\n')
    streamRes!.end()
    expect((await it.next()).done).toBe(true)
  })

  it('streams a 50 MB upload with Content-Length byte for byte', async () => {
    const body = pattern(50 * MB)
    const res = await request(`${gw.proxy}/upload`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })
    const got = (await res.body.json()) as { size: number; sha: string }
    expect(got.size).toBe(body.length)
    expect(got.sha).toBe(createHash('sha256').update(body).digest('hex'))
  })

  it('applies backpressure to the upstream while the client reads slowly, then delivers all 50 MB', async () => {
    const sock: Socket = connect(gw.node.proxyPort, '127.0.0.1')
    await new Promise<void>((r) => sock.once('connect', () => r()))
    sock.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n')
    sock.pause() // the client reads nothing for now
    // wait (event-driven) until the upstream cannot write any more
    await new Promise<void>((r) => {
      const check = () => (bigWriter?.blocked ? r() : setImmediate(check))
      check()
    })
    // Give the event loop (the gateway and the upstream share it) many turns to move data: with
    // backpressure nothing moves, without it the upstream's drain fires and it writes on.
    // Kernel socket buffers on both hops absorb some MB first, so wait (bounded) until the
    // upstream stops making progress for 300 turns in a row.
    let stalledAt = -1
    for (let round = 0; round < 50 && bigWriter!.written !== stalledAt && !bigWriter!.finished; round++) {
      stalledAt = bigWriter!.written
      for (let i = 0; i < 300; i++) await new Promise<void>((r) => setImmediate(r))
    }
    expect(bigWriter!.finished).toBe(false)
    expect(bigWriter!.blocked).toBe(true)
    expect(bigWriter!.written).toBe(stalledAt)
    expect(bigWriter!.written).toBeLessThan(40 * MB)
    const hash = createHash('sha256')
    let seen = 0
    let headerDone = false
    let pending = Buffer.alloc(0)
    await new Promise<void>((resolve, reject) => {
      sock.on('data', (d: Buffer) => {
        if (!headerDone) {
          pending = Buffer.concat([pending, d])
          const i = pending.indexOf('\r\n\r\n')
          if (i < 0) return
          headerDone = true
          d = pending.subarray(i + 4)
        }
        hash.update(d)
        seen += d.length
        if (seen >= 50 * MB) resolve()
      })
      sock.on('error', reject)
      sock.resume()
    })
    sock.destroy()
    const chunk = pattern(MB)
    const expected = createHash('sha256')
    for (let i = 0; i < 50; i++) expected.update(chunk)
    expect(seen).toBe(50 * MB)
    expect(hash.digest('hex')).toBe(expected.digest('hex'))
  })

  it('cancels the upstream request when the client goes away', async () => {
    const seen = new Promise<void>((r) => { abortSeen = r })
    const arrived = up.received.length
    const sock = connect(gw.node.proxyPort, '127.0.0.1')
    sock.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n')
    await new Promise<void>((r) => { const c = () => (up.received.length > arrived ? r() : setImmediate(c)); c() })
    sock.destroy()
    await seen // resolves only if the upstream connection was closed
    expect(up.received.at(-1)!.url).toBe('/hang')
  })
})
