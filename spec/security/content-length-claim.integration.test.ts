// A request's Content-Length is a claim: memory for its body follows the bytes that arrive.
// Before, a request announcing 8 MB (the default client_body_buffer_size) had an 8 MB buffer
// allocated as soon as its headers arrived; a few thousand such requests that send 10 bytes and
// stall held gigabytes.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { connect, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream
let port: number

beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/'] }] }],
  }))
  port = gw.node.proxyPort
})
afterAll(async () => {
  await gw?.close()
  await up?.close()
})
afterEach(() => { vi.restoreAllMocks() })

/** Opens a connection, sends `head` then `body`, ends it from the client side, and resolves once it is closed. */
function sendAndAbort(head: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1', () => {
      s.write(head)
      s.write(body, () => s.destroy())
    })
    s.on('close', () => resolve())
    s.on('error', reject)
  })
}

const MB = 1024 * 1024

describe('a Content-Length claim', () => {
  it.each([
    ['8 MB claimed, 10 bytes sent', 8 * MB, 10],
    ['8 MB claimed, 0 bytes sent', 8 * MB, 0],
    ['1 MB claimed, 1000 bytes sent', 1 * MB, 1000],
    ['8 MB - 1 claimed, 1 byte sent', 8 * MB - 1, 1],
  ])('%s: no buffer of the claimed size is allocated', async (_label, claimed, sent) => {
    const sizes: number[] = []
    for (const fn of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
      const real = Buffer[fn].bind(Buffer) as (n: number) => Buffer
      vi.spyOn(Buffer, fn).mockImplementation(((n: number, ...rest: unknown[]) => { sizes.push(n); return (real as (...a: unknown[]) => Buffer)(n, ...rest) }) as never)
    }
    await sendAndAbort(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${claimed}\r\n\r\n`, 'x'.repeat(sent))
    // a request after the aborted one has been answered: the gateway has processed the first
    const res = await request(`${gw.proxy}/after`)
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    expect(sizes.filter((n) => n >= claimed / 2)).toEqual([])
  })

  it('a body sent in several chunks arrives whole and in order', async () => {
    const parts = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'.'.repeat(5000)}`)
    const body = parts.join('')
    const res = await request(`${gw.proxy}/chunks`, {
      method: 'POST', headers: { 'content-length': String(body.length) },
      body: Readable.from(parts.map((p) => Buffer.from(p))),
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    expect(up.received.at(-1)!.body.toString()).toBe(body)
  })

  it('an empty body with Content-Length: 0 is proxied', async () => {
    const res = await request(`${gw.proxy}/empty`, { method: 'POST', headers: { 'content-length': '0' }, body: '' })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    expect(up.received.at(-1)!.body.length).toBe(0)
  })
})
