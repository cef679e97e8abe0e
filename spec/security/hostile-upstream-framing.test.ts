// A hostile or broken upstream answering the gateway's upstream clients: every framing below gets
// the same outcome from the H1 client (core/proxy/h1-pool.ts) as from undici, the head is capped
// at undici's limit (Node's maxHeaderSize, 16 KiB), and a socket that carried anything wrong is
// never used again: the next request gets its own answer on a fresh connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { h1Client, pathOf, rawUpstream, undiciClient, type Client, type RawServer } from '../helpers/upstream-clients.ts'

let up: RawServer

const ANSWERS: Record<string, string | ((s: Socket) => void)> = {
  '/ok': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
  '/huge-head': `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(20 * 1024)}\r\ncontent-length: 2\r\n\r\nok`,
  '/many-headers': `HTTP/1.1 200 OK\r\n${'x-h: v\r\n'.repeat(4000)}content-length: 2\r\n\r\nok`,
  '/bad-status': 'HTTP/1.1 2x0 what\r\n\r\n',
  '/no-status-line': 'hello there\r\n\r\n',
  '/bad-version': 'HTTP/9.9 200 OK\r\ncontent-length: 2\r\n\r\nok',
  '/bad-chunk-size': 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
  '/chunk-too-long': 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabcdef\r\n0\r\n\r\n',
  '/bad-header-name': 'HTTP/1.1 200 OK\r\nbad name: v\r\ncontent-length: 2\r\n\r\nok',
  '/cr-in-header': 'HTTP/1.1 200 OK\r\nx-a: a\rb\r\ncontent-length: 2\r\n\r\nok',
  '/two-lengths': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok!',
  '/length-and-chunked': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  '/negative-length': 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\nok',
  '/continue': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
  '/early-hints': 'HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
  '/switching': 'HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n',
  '/cut-length': (s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b', () => s.destroy()),
  '/cut-head': (s) => s.write('HTTP/1.1 200 OK\r\ncontent-le', () => s.destroy()),
  '/cut-chunked': (s) => s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab', () => s.destroy()),
  '/close-short-of-length': (s) => s.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 10\r\n\r\nabc'),
  '/close-past-length': (s) => s.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nokEXTRA'),
  '/cut-chunked-close': (s) => s.end('HTTP/1.1 200 OK\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab'),
  '/close-delimited': (s) => s.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nwhole body'),
  '/http10-close-delimited': (s) => s.end('HTTP/1.0 200 OK\r\n\r\nold style'),
  '/extra-after-length': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nSTRAY',
  '/garbage-after-length': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok\u0000\u0001garbage',
  '/reset-before-head': (s) => s.resetAndDestroy(),
  '/end-before-head': (s) => s.end(),
}

beforeAll(async () => {
  up = await rawUpstream((s, req) => {
    const a = ANSWERS[pathOf(req)]
    if (a === undefined) s.destroy()
    else if (typeof a === 'string') s.write(a, 'latin1')
    else a(s)
  })
})
afterAll(async () => { await up.close() })

async function outcome(c: Client, path: string): Promise<string> {
  const o = await c.call(path)
  // and the client still works afterwards: the next request gets its own answer
  const next = await c.call('/ok')
  return `${o.status} ${JSON.stringify(o.body)} ${o.error} | next: ${next.status} ${next.body} ${next.error}`
}

describe('hostile upstream framings: the H1 client answers as undici does', () => {
  it.each(Object.keys(ANSWERS).filter((p) => p !== '/ok'))('%s', async (path) => {
    const got: string[] = []
    for (const mk of [undiciClient, h1Client]) {
      const c = mk(up.port)
      try { got.push(await outcome(c, path)) } finally { await c.close() }
    }
    expect(got[1]).toBe(got[0])
    expect(got[0]).toMatch(/\| next: 200 ok null$/)
  })

  it('a head over 16 KiB is refused (UND_ERR_HEADERS_OVERFLOW), not buffered', async () => {
    for (const mk of [undiciClient, h1Client]) {
      const c = mk(up.port)
      try { expect((await c.call('/huge-head')).error).toBe('UND_ERR_HEADERS_OVERFLOW') } finally { await c.close() }
    }
  })
})
