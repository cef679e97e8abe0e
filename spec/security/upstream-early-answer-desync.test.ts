// Request desync through an early answer: an upstream (or collector) that answers before reading
// the whole request body, then reads on, would take the body's tail for the next request on that
// connection if the client reused it. The H1 client (core/proxy/h1-pool.ts) drops a socket whose
// request was not all handed to the kernel when the answer ended. Real sockets on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { h1Client } from '../helpers/upstream-clients.ts'

describe('an answer before the request body was read (early answer)', () => {
  // The server answers on the request's head and reads nothing more until the client's next request
  // arrives (on any socket); then it reads on as HTTP, so if the client had reused the socket, the
  // body's tail would be parsed as a request and its answer taken for the next one's (desync,
  // smuggling). The client drops a socket whose request was not all written when the answer ended:
  // the next request goes on a new socket and gets its own answer.
  let srv: ReturnType<typeof createNetServer>
  let port = 0
  const open = new Set<Socket>()
  const paused = new Set<Socket>()
  /** request lines the server saw, on any socket (a test's leftovers may show up in the next one's) */
  const seen: string[] = []
  beforeAll(async () => {
    srv = createNetServer((s) => {
      open.add(s)
      s.on('error', () => {})
      let head = ''
      s.on('data', (d: Buffer) => {
        head += d.toString('latin1')
        const end = head.indexOf('\r\n\r\n')
        if (end < 0) return
        const line = head.slice(0, head.indexOf('\r\n'))
        seen.push(line)
        for (const p of paused) p.resume() // a request arrived: whatever a paused socket still holds is read as requests
        paused.clear()
        const path = line.split(' ')[1] ?? '?'
        head = head.slice(end + 4)
        s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${path.length}\r\n\r\n${path}`)
        if (path === '/early') { head = ''; s.pause(); paused.add(s) }
        else head = head.slice(Number(/content-length: (\d+)/i.exec(line)?.[1] ?? 1))
      })
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    port = (srv.address() as AddressInfo).port
  })
  afterAll(async () => {
    for (const s of open) s.destroy()
    await new Promise<void>((r) => srv.close(() => r()))
  })

  // bodies past what the kernel takes while the server reads nothing (send buffer up to 4 MiB here):
  // a reused socket would deliver their tails as the next requests. (A body the kernel took whole
  // before the answer came leaves the socket reusable, as undici does: the client cannot tell.)
  const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n'
  const MiB = 1024 * 1024
  it.each([
    ['a smuggled request after 16 MiB', Buffer.concat([Buffer.alloc(16 * MiB, 0x20), Buffer.from(SMUGGLED)])],
    ['16 MiB of smuggled requests', Buffer.from(SMUGGLED.repeat(Math.ceil(16 * MiB / SMUGGLED.length)))],
    ['a partial head after 16 MiB', Buffer.concat([Buffer.alloc(16 * MiB, 0x20), Buffer.from('GET /smuggled HTTP/1.1\r\nhost:')])],
    ['32 MiB of zeros', Buffer.alloc(32 * MiB)],
  ])('%s: the socket is dropped, the next request is answered as its own', async (_name, body) => {
    const c = h1Client(port)
    seen.length = 0
    const early = await c.call('/early', { method: 'POST', body })
    const next = await c.call('/next', { method: 'POST', body: Buffer.from('x'), headersTimeout: 5000 })
    expect([early.status, early.body, next.status, next.body, next.error]).toEqual([200, '/early', 200, '/next', null])
    expect(c.pool.opened).toBe(2)
    // the dropped socket's buffered tail may still be read as requests, whose answers nobody takes
    expect(seen.filter((l) => l.startsWith('POST /'))).toEqual(['POST /early HTTP/1.1', 'POST /next HTTP/1.1'])
    await c.close()
  })
})
