// The H1 client (core/proxy/h1-pool.ts) against undici's Pool on the same exchanges, real servers
// on 127.0.0.1: each case's outcome is asserted, and must be undici's. Then a property over
// response framings, the request head it writes, and its pool registry (bound, LRU, graceful close).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { closedPort } from '../../../public/testing/upstream.ts'
import { h1Client, pathOf, rawUpstream, undiciClient, type Client, type RawServer } from '../../helpers/upstream-clients.ts'
import { h1Request } from '../../../core/proxy/h1-request.ts'
import { H1PoolCache } from '../../../core/proxy/h1-pools.ts'
import { H1Pool } from '../../../core/proxy/h1-pool.ts'

let http: Server
let hp = 0
let raw: RawServer
let refused = 0
/** the server side of the last /stray exchange closed (the client dropped the socket) */
let strayClosed: Promise<void> = Promise.resolve()

beforeAll(async () => {
  http = createServer((req, res) => {
    if (req.url === '/cl') { res.setHeader('content-length', '5'); res.end('hello') }
    else if (req.url === '/chunked') { res.write('a'.repeat(10)); res.write('b'.repeat(20)); res.end('c') }
    else if (req.url === '/close') { res.setHeader('connection', 'close'); res.end('bye') }
    else if (req.url === '/big') res.end('x'.repeat(256 * 1024))
    else if (req.url === '/echo') { const c: Buffer[] = []; req.on('data', (d: Buffer) => c.push(d)); req.on('end', () => res.end(`${req.method} ${req.headers['content-length'] ?? '-'} ${Buffer.concat(c).toString()}`)) }
    else if (req.url === '/silent') { /* never answers: headers timeout */ }
    else { res.statusCode = 404; res.end() }
  })
  http.keepAliveTimeout = 60_000
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  hp = (http.address() as AddressInfo).port
  raw = await rawUpstream((s: Socket, req: string) => {
    const path = pathOf(req)
    if (path === '/until-close') s.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil-close body')
    else if (path === '/cut') s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b', () => s.destroy())
    else if (path === '/garbage') s.end('HTTP/1.1 2x0 what\r\n\r\n')
    else if (path === '/stray') {
      strayClosed = new Promise((r) => s.once('close', () => r()))
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', () => setImmediate(() => s.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nSTRAY')))
    } else if (path === '/ok') s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
    else s.destroy()
  })
  refused = await closedPort()
})
afterAll(async () => {
  http.closeAllConnections()
  await new Promise<void>((r) => http.close(() => r()))
  await raw.close()
})

type Make = (port: number) => Client
const CLIENTS: [string, Make][] = [['undici', (p) => undiciClient(p)], ['h1', (p) => h1Client(p)]]

/** [case, what it returns (for both clients)] */
const CASES: [string, (mk: Make) => Promise<string>, string][] = [
  ['content-length body', async (mk) => { const c = mk(hp); const o = await c.call('/cl'); await c.close(); return `${o.status} ${o.body}` }, '200 hello'],
  ['chunked body', async (mk) => { const c = mk(hp); const o = await c.call('/chunked'); await c.close(); return `${o.status} ${o.body}` }, `200 ${'a'.repeat(10)}${'b'.repeat(20)}c`],
  ['keep-alive reuse (20 sequential on one socket or two)', async (mk) => {
    const before = raw.connections
    const c = mk(raw.port)
    for (let i = 0; i < 20; i++) expect((await c.call('/ok')).body).toBe('ok')
    await c.close()
    return raw.connections - before <= 2 ? 'reused' : `${raw.connections - before} sockets` // undici 7 keeps 2 warm at c=1
  }, 'reused'],
  ['connection: close, then the next request on a new socket', async (mk) => {
    const c = mk(hp); const a = await c.call('/close'); const b = await c.call('/cl'); await c.close(); return `${a.body} ${b.body}`
  }, 'bye hello'],
  ['a stray response on an idle socket drops it: the next request gets its own answer', async (mk) => {
    const c = mk(raw.port); const a = await c.call('/stray')
    await strayClosed // the client closed the socket the stray bytes came on
    const b = await c.call('/ok'); await c.close(); return `${a.body} ${b.body}`
  }, 'ok ok'],
  ['close-delimited body', async (mk) => { const c = mk(raw.port); const o = await c.call('/until-close'); await c.close(); return `${o.status} ${o.body} ${o.error}` }, '200 until-close body null'],
  ['the server cuts a content-length body', async (mk) => { const c = mk(raw.port); const o = await c.call('/cut'); await c.close(); return `${o.body} ${o.error}` }, 'only ten b UND_ERR_SOCKET'],
  ['malformed status line', async (mk) => { const c = mk(raw.port); const o = await c.call('/garbage'); await c.close(); return `${o.error}` }, 'Response does not match the HTTP/1.1 protocol (Invalid status code)'],
  ['connection refused', async (mk) => { const c = mk(refused); const o = await c.call('/'); await c.close(); return `${o.error}` }, 'ECONNREFUSED'],
  ['headers timeout (own timer, < 1 s)', async (mk) => { const c = mk(hp); const o = await c.call('/silent', { headersTimeout: 150 }); await c.close(); return `${o.error}` }, 'UND_ERR_HEADERS_TIMEOUT'],
  ['headers timeout (pool tick, >= 1 s)', async (mk) => { const c = mk(hp); const o = await c.call('/silent', { headersTimeout: 1000 }); await c.close(); return `${o.error}` }, 'UND_ERR_HEADERS_TIMEOUT'],
  ['backpressure: onData false, then resume()', async (mk) => { const c = mk(hp); const o = await c.call('/big', { pauseFirst: true }); await c.close(); return `${o.paused} ${o.body.length}` }, `true ${256 * 1024}`],
  ['the client leaves mid-body: abort() fails the exchange with its error, the next request is served', async (mk) => {
    const c = mk(hp); const a = await c.call('/big', { abortOnData: true }); const b = await c.call('/cl'); await c.close()
    return `${a.error} ${a.body.length < 256 * 1024} ${b.body}`
  }, 'client aborted true hello'],
  ['a POST body goes out with its content-length', async (mk) => { const c = mk(hp); const o = await c.call('/echo', { method: 'POST', body: 'héllo' }); await c.close(); return Buffer.from(o.body, 'latin1').toString() }, 'POST 6 héllo'],
  ['an empty POST says content-length: 0', async (mk) => { const c = mk(hp); const o = await c.call('/echo', { method: 'POST' }); await c.close(); return o.body }, 'POST 0 '],
  ['a GET without body has no content-length', async (mk) => { const c = mk(hp); const o = await c.call('/echo'); await c.close(); return o.body }, 'GET - '],
]

describe('the H1 client answers as undici does', () => {
  it.each(CASES)('%s', async (_name, run, expected) => {
    const got: string[] = []
    for (const [, mk] of CLIENTS) got.push(await run(mk))
    expect(got).toEqual([expected, expected])
  })

  it('a connect that does not complete in connectTimeout fails with UND_ERR_CONNECT_TIMEOUT', async () => {
    // the connect timer runs out (fake time) before the connect event can arrive (the next I/O turn)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const c = h1Client(hp, 50)
      const o = c.call('/cl')
      vi.advanceTimersByTime(50)
      expect((await o).error).toBe('UND_ERR_CONNECT_TIMEOUT')
      await c.close()
    } finally { vi.useRealTimers() }
  })
})

describe('a socket whose exchange went wrong is not reused', () => {
  it('an answer that comes before the request body is all written', async () => {
    // the server answers on the first bytes and reads no more: the rest of the body stays in the client's buffer
    const open = new Set<Socket>()
    const srv = createNetServer((s) => {
      open.add(s)
      s.on('error', () => {})
      s.once('data', () => { s.pause(); s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok') })
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const c = h1Client((srv.address() as AddressInfo).port)
    expect((await c.call('/', { method: 'POST', body: Buffer.alloc(32 * 1024 * 1024) })).body).toBe('ok')
    expect((await c.call('/')).body).toBe('ok') // on a new socket: the old one still owes the server 32 MB
    expect(c.pool.opened).toBe(2)
    await c.close()
    for (const s of open) s.destroy() // paused, it would not notice the client left
    await new Promise<void>((r) => srv.close(() => r()))
  })
})

describe('a large request body the server reads before answering', () => {
  // Bodies past the loopback socket's buffer are written in parts (libuv queues the rest and
  // completes the write later): the answer may only come once the server read every byte, and by
  // then the write has completed, so the socket goes back to the pool. An OTLP batch (~40 KB per
  // post to a collector) is the everyday case; a socket dropped per post costs a connect each time.
  let srv: Server
  let port = 0
  let sockets = 0
  beforeAll(async () => {
    srv = createServer((req, res) => {
      let n = 0
      req.on('data', (d: Buffer) => { n += d.length })
      req.on('end', () => res.end(`${req.url} ${n}`))
    })
    srv.on('connection', () => { sockets++ })
    srv.keepAliveTimeout = 60_000
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    port = (srv.address() as AddressInfo).port
  })
  afterAll(async () => {
    srv.closeAllConnections()
    await new Promise<void>((r) => srv.close(() => r()))
  })

  it.each([1, 16 * 1024, 40 * 1024, 256 * 1024, 4 * 1024 * 1024])('%i bytes, 20 posts in a row: one socket, each answer its own', async (size) => {
    const before = sockets
    const c = h1Client(port)
    const body = Buffer.alloc(size, 0x61)
    const got: string[] = []
    for (let i = 0; i < 20; i++) got.push((await c.call(`/p${i}`, { method: 'POST', body })).body)
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `/p${i} ${size}`))
    expect([c.pool.opened, sockets - before]).toEqual([1, 1])
    await c.close()
  })
})

describe('keep-alive', () => {
  it('an idle socket is closed after keepAliveMs, or the server\'s keep-alive hint less 2 s', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const hinted = createServer((_req, res) => res.end('ok'))
    hinted.keepAliveTimeout = 3000 // Node says `keep-alive: timeout=3`: the client keeps the socket 1 s
    await new Promise<void>((r) => hinted.listen(0, '127.0.0.1', r))
    try {
      for (const [port, keepAliveMs, closesAt] of [[hp, 500, 500], [(hinted.address() as AddressInfo).port, 60_000, 1000]] as const) {
        const c = h1Client(port, 1000, new H1Pool('127.0.0.1', port, { connectTimeout: 1000, keepAliveMs }))
        expect((await c.call('/cl')).status).toBe(200)
        expect(c.pool.size).toBe(1)
        vi.advanceTimersByTime(closesAt - 250)
        expect(c.pool.size).toBe(1)
        vi.advanceTimersByTime(250)
        expect(c.pool.size).toBe(0)
        await c.close()
      }
    } finally {
      vi.useRealTimers()
      hinted.closeAllConnections()
      await new Promise<void>((r) => hinted.close(() => r()))
    }
  })
})

describe('a socket paused by the last chunk of its answer', () => {
  it('reads again once the answer completes: the next request on it is answered', async () => {
    const pool = new H1Pool('127.0.0.1', hp, { connectTimeout: 10_000 })
    try {
      const first = await new Promise<string>((resolve, reject) => {
        let body = ''
        pool.dispatch(h1Request('GET', '/cl', ['host', '127.0.0.1'], null, 10_000, 10_000)!, {
          onConnect() {},
          onHeaders: () => true,
          onData(c) { body += c.toString(); return false }, // downstream backpressure, never resumed
          onComplete: () => resolve(body),
          onError: reject,
        })
      })
      const second = await h1Client(hp, 10_000, pool).call('/cl', { headersTimeout: 500 })
      expect([first, second.body, second.error, pool.opened]).toEqual(['hello', 'hello', null, 1])
    } finally { await pool.destroy() }
  })
})

describe('requests the H1 client leaves to undici', () => {
  const base = ['host', 'x']
  it.each([
    ['HEAD', '/', base],
    ['CONNECT', '/', base],
    ['PROPFIND', '/', base],
    ['GET', 'relative', base],
    ['GET', '/a b', base],
    ['GET', '/', ['host', 'x', 'host', 'y']],
    ['GET', '/', []],
    ['GET', '/', [...base, 'bad name', 'v']],
    ['GET', '/', [...base, 'x-a', 'v\r\nx-injected: 1']],
    ['GET', '/', [...base, 'x-a', 'v\0']],
    // the head is written as latin1: a character past U+00FF would lose its high byte (U+010A → LF)
    ['GET', '/', [...base, 'x-a', 'v\u010ax-injected: 1']],
    ['GET', '/a\u010a', base],
    ['GET', '/', [...base, 'x\r', 'v']],
    ['GET', '/', [...base, 'Expect', '100-continue']],
    ['GET', '/', [...base, 'upgrade', 'websocket']],
    ['GET', '/', [...base, 'Connection', 'close']],
    ['GET', '/', [...base, 'keep-alive', 'timeout=5']],
    ['POST', '/', [...base, 'content-length', '3']],
    ['POST', '/', [...base, 'Transfer-Encoding', 'chunked']],
  ])('%s %s %j', (method, path, headers) => {
    expect(h1Request(method, path, headers, null, 1000, 1000)).toBeNull()
  })

  it('a request it sends has undici\'s head', () => {
    expect(h1Request('POST', '/p?q=1', ['x-a', '1', 'host', 'up:8080'], Buffer.from('abc'), 1, 2)).toEqual({
      head: 'POST /p?q=1 HTTP/1.1\r\nhost: up:8080\r\nconnection: keep-alive\r\nx-a: 1\r\ncontent-length: 3\r\n\r\n',
      body: Buffer.from('abc'), headersTimeout: 1, bodyTimeout: 2, closeAfter: false,
    })
    expect(h1Request('GET', '/', ['host', 'h'], 'body', 1, 1)?.closeAfter).toBe(true) // a body on GET: the socket is not reused
  })
})

describe('response framings', () => {
  it('deliver the exact body bytes, however the response is framed and split into writes', async () => {
    let current: { wire: Buffer; splits: number[] } = { wire: Buffer.alloc(0), splits: [] }
    const srv = await rawUpstream((s) => {
      const { wire, splits } = current
      let at = 0
      const parts: Buffer[] = []
      for (const n of splits) { if (at >= wire.length) break; parts.push(wire.subarray(at, Math.min(wire.length, at + n))); at += n }
      if (at < wire.length) parts.push(wire.subarray(at))
      // each part its own write on its own turn: the client reads it as a separate chunk (or a few together)
      const next = (): void => {
        const p = parts.shift()
        if (p === undefined) { if (closeAfter) s.end(); return }
        s.write(p, () => setImmediate(next))
      }
      const closeAfter = frame === 'close'
      next()
    })
    let frame: 'length' | 'chunked' | 'close' = 'length'
    const pool = new H1Pool('127.0.0.1', srv.port, { connectTimeout: 1000 })
    const c = h1Client(srv.port, 1000, pool)
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ maxLength: 3000 }),
      fc.constantFrom('length' as const, 'chunked' as const, 'close' as const),
      fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 8 }),
      async (bytes, how, chunkSizes, splits) => {
        const body = Buffer.from(bytes)
        frame = how
        let head: string
        let payload: Buffer
        if (how === 'length') { head = `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`; payload = body }
        else if (how === 'close') { head = 'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n'; payload = body }
        else {
          head = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'
          const out: Buffer[] = []
          let at = 0
          for (const n of [...chunkSizes, body.length]) {
            if (at >= body.length) break
            const part = body.subarray(at, at + n)
            at += part.length
            out.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'))
          }
          out.push(Buffer.from('0\r\n\r\n'))
          payload = Buffer.concat(out)
        }
        current = { wire: Buffer.concat([Buffer.from(head), payload]), splits }
        const o = await c.call('/')
        expect(o.error).toBeNull()
        expect(Buffer.from(o.body, 'latin1').equals(body)).toBe(true)
      },
    ), { numRuns: 60 })
    await c.close()
    await srv.close()
  })
})

describe('H1 pools per origin', () => {
  it.each([1, 2, 3])('a cache of %i keeps at most that many pools over many distinct origins', async (max) => {
    const cache = new H1PoolCache(max)
    const seen = new Set<unknown>()
    for (let i = 0; i < 50; i++) seen.add(cache.get('127.0.0.1', 10_000 + i, 1000))
    expect(seen.size).toBe(50)
    expect(cache.size).toBe(max)
    await cache.closeAll()
  })

  it('the least recently used pool is the one evicted, and closed', async () => {
    const cache = new H1PoolCache(2)
    const a = cache.get('127.0.0.1', 1, 1000)
    const b = cache.get('127.0.0.1', 2, 1000)
    expect(cache.get('127.0.0.1', 1, 1000)).toBe(a) // a is now the most recent
    cache.get('127.0.0.1', 3, 1000) // evicts b
    expect(b.closed).toBe(true)
    expect(a.closed).toBe(false)
    expect(cache.get('127.0.0.1', 1, 1000)).toBe(a)
    expect(cache.get('127.0.0.1', 1, 2000)).not.toBe(a) // another connect timeout: another pool
    await cache.closeAll()
  })

  it('prune keeps the pools a config refers to and closes the others', async () => {
    const cache = new H1PoolCache(8)
    const a = cache.get('127.0.0.1', 1, 1000)
    const b = cache.get('127.0.0.1', 2, 1000)
    cache.prune([{ scheme: 'http', host: '127.0.0.1', port: 1, connectTimeout: 1000 }, { scheme: 'https', host: '127.0.0.1', port: 2, connectTimeout: 1000 }])
    expect([a.closed, b.closed]).toEqual([false, true])
    const b2 = cache.get('127.0.0.1', 2, 1000)
    expect(b2).not.toBe(b) // the origin asked for again gets a fresh pool
    expect(b2.closed).toBe(false)
    await cache.closeAll()
  })

  it('an evicted pool finishes the request it carries, then closes its socket', async () => {
    let release: () => void = () => {}
    let arrivedNow: () => void = () => {}
    const arrived = new Promise<void>((r) => { arrivedNow = r })
    const slow = await rawUpstream((s) => { release = () => s.write('HTTP/1.1 200 OK\r\ncontent-length: 14\r\n\r\nlate but whole'); arrivedNow() })
    const cache = new H1PoolCache(1)
    const first = cache.get('127.0.0.1', slow.port, 1000)
    const c = h1Client(slow.port, 1000, first)
    const inFlight = c.call('/slow')
    await arrived // on the wire, the answer held back
    cache.get('127.0.0.1', 1, 1000) // a second origin: the first pool is evicted
    expect(first.closed).toBe(true)
    const closed = first.close()
    release()
    expect(await inFlight).toEqual({ status: 200, body: 'late but whole', error: null, paused: false })
    await closed // its socket closes once the answer is done
    expect(first.size).toBe(0)
    await cache.closeAll()
    await slow.close()
  })
})
