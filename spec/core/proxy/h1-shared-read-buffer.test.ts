// The H1 client's sockets all read into one buffer per thread (net's onread, h1-pool.ts). That is
// only safe while nothing keeps a view of it past a read: a body chunk kept by a handler (an open
// stream's carry, a buffered answer) must still hold its own bytes after other sockets' reads
// reused the buffer. Many streams interleaved on a real server, 127.0.0.1; the chunks are read
// only after every exchange ended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { H1Pool } from '../../../core/proxy/h1-pool.ts'
import { h1Request } from '../../../core/proxy/h1-request.ts'

let server: Server
let port = 0
const open = new Map<number, ServerResponse>()
let opened: (() => void) | null = null

/** the bytes stream `i` sends in round `r`: distinct per stream and round */
const piece = (i: number, r: number, size: number) => String.fromCharCode(65 + (i % 26)).repeat(size - 4) + `${r}`.padStart(4, '0')

beforeAll(async () => {
  server = createServer((req, res) => {
    const i = Number(req.url!.slice(1))
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.flushHeaders()
    open.set(i, res)
    opened?.()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

describe('H1 client: sockets sharing one read buffer', () => {
  it.each([
    [30, 10, 100],
    [8, 6, 20_000],
    [4, 3, 70_000],
  ])('%i streams × %i rounds of %i bytes, interleaved: every kept chunk keeps its bytes', async (streams, rounds, size) => {
    open.clear()
    const pool = new H1Pool('127.0.0.1', port, { connectTimeout: 5000 })
    const kept: Buffer[][] = Array.from({ length: streams }, () => [])
    const done: Promise<void>[] = []
    const all = new Promise<void>((r) => { opened = () => { if (open.size === streams) r() } })
    for (let i = 0; i < streams; i++) {
      done.push(new Promise((resolve, reject) => {
        pool.dispatch(h1Request('GET', `/${i}`, ['host', `127.0.0.1:${port}`], null, 5000, 5000)!, {
          onConnect() {},
          onHeaders: () => true,
          onData: (chunk) => { kept[i]!.push(chunk); return true },
          onComplete: () => resolve(),
          onError: reject,
        })
      }))
    }
    await all
    for (let r = 0; r < rounds; r++) {
      // one round: every stream writes, so their reads interleave on the client
      await Promise.all([...open].map(([i, res]) => new Promise<void>((w) => res.write(piece(i, r, size), () => w()))))
    }
    for (const res of open.values()) res.end()
    await Promise.all(done)
    await pool.destroy()
    for (let i = 0; i < streams; i++) {
      let expected = ''
      for (let r = 0; r < rounds; r++) expected += piece(i, r, size)
      expect(Buffer.concat(kept[i]!).toString('latin1')).toBe(expected)
    }
  })
})
