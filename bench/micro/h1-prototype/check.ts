/**
 * Behaviour check of the PROTOTYPE client against undici's Pool, same cases, same handler, local servers on
 * 127.0.0.1: what upstream-client-ab.ts measures must be a client that does the job. Prints one row per case and
 * client and exits 1 when the prototype and undici disagree. Not a substitute for the gateway's test suite: a
 * client that replaced undici would have to pass spec/ (chunked, keep-alive reuse, half-close, errors, timeouts,
 * backpressure) as the gateway's own tests.
 *
 *   node --import tsx bench/micro/h1-prototype/check.ts
 */
import { createServer as createHttp, type Server as HttpServer } from 'node:http'
import { createServer as createNet, type Server as NetServer, type AddressInfo } from 'node:net'
import diagnostics from 'node:diagnostics_channel'
import { Pool } from 'undici'
import { H1Pool } from './h1-pool.ts'

interface Outcome { status: number; body: string; error: string | null; paused: boolean }
interface Client { dispatch(req: object, h: object): void; close(): unknown }

let undiciOpened = 0
diagnostics.subscribe('undici:client:connected', () => { undiciOpened++ })

function call(client: Client, path: string, opts: { headers?: string[]; pauseFirst?: boolean; headersTimeout?: number; host: string }): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { status: 0, body: '', error: null, paused: false }
    let resumeFn: (() => void) | null = null
    client.dispatch({ method: 'GET', path, headers: ['host', opts.host, ...(opts.headers ?? [])], body: null, headersTimeout: opts.headersTimeout ?? 10_000, bodyTimeout: 10_000 }, {
      onConnect() {},
      onHeaders(status: number, _raw: unknown[], resume: () => void) { out.status = status; resumeFn = resume; return true },
      onData(chunk: Buffer) {
        out.body += chunk.toString()
        if (opts.pauseFirst && !out.paused) { out.paused = true; setTimeout(() => resumeFn!(), 20); return false }
        return true
      },
      onComplete() { resolve(out) },
      onError(err: Error & { code?: string }) { out.error = err.code ?? err.message; resolve(out) },
    })
  })
}

const listen = <T extends HttpServer | NetServer>(s: T): Promise<number> => new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)))

const http = createHttp((req, res) => {
  if (req.url === '/cl') { res.setHeader('content-length', '5'); res.end('hello') }
  else if (req.url === '/chunked') { res.write('a'.repeat(10)); res.write('b'.repeat(20)); res.end('c') }
  else if (req.url === '/close') { res.setHeader('connection', 'close'); res.end('bye') }
  else if (req.url === '/big') { res.end('x'.repeat(256 * 1024)) }
  else if (req.url === '/silent') { /* never answers: headers timeout */ }
  else { res.statusCode = 404; res.end() }
})
http.keepAliveTimeout = 60_000
// raw answers node:http will not produce
const raw = createNet((s) => {
  s.on('data', (d) => {
    const path = d.toString().split(' ')[1]
    if (path === '/until-close') s.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil-close body')
    else if (path === '/cut') { s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b'); setTimeout(() => s.destroy(), 10) }
    else if (path === '/garbage') s.end('HTTP/1.1 2x0 what\r\n\r\n')
    else if (path === '/stray') { s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'); setTimeout(() => s.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nSTRAY'), 5) }
    else s.destroy()
  })
})
const [hp, rp] = [await listen(http), await listen(raw)]
const closed = createNet(); const cp = await listen(closed); await new Promise((r) => closed.close(r)) // a port nobody listens on

type Case = [string, (mk: (port: number) => Client, opened: () => number) => Promise<string>]
const CASES: Case[] = [
  ['content-length body', async (mk) => { const c = mk(hp); const o = await call(c, '/cl', { host: 'x' }); await c.close(); return `${o.status} ${o.body}` }],
  ['chunked body', async (mk) => { const c = mk(hp); const o = await call(c, '/chunked', { host: 'x' }); await c.close(); return `${o.status} ${o.body.length} B` }],
  ['keep-alive reuse (20 sequential)', async (mk, opened) => {
    const c = mk(hp); const before = opened()
    for (let i = 0; i < 20; i++) await call(c, '/cl', { host: 'x' })
    await c.close(); return opened() - before < 20 ? 'reused' : 'not reused' // undici 7 keeps 2 warm at c=1 (idle validation)
  }],
  ['connection: close, then next request', async (mk, opened) => {
    const c = mk(hp); const before = opened()
    const a = await call(c, '/close', { host: 'x' }); const b = await call(c, '/cl', { host: 'x' })
    await c.close(); return `${a.body} ${b.body}, ${opened() - before} sockets`
  }],
  ['stray response on an idle socket', async (mk) => {
    const c = mk(rp); const a = await call(c, '/stray', { host: 'x' })
    await new Promise((r) => setTimeout(r, 30)) // the stray bytes arrive while the socket is idle
    const b = await call(c, '/stray', { host: 'x' }); await c.close(); return `${a.body} ${b.body}`
  }],
  ['close-delimited body', async (mk) => { const c = mk(rp); const o = await call(c, '/until-close', { host: 'x' }); await c.close(); return `${o.status} ${o.body} ${o.error ?? ''}`.trim() }],
  ['server cuts the body', async (mk) => { const c = mk(rp); const o = await call(c, '/cut', { host: 'x' }); await c.close(); return o.error ? 'error' : 'no error' }],
  ['malformed status line', async (mk) => { const c = mk(rp); const o = await call(c, '/garbage', { host: 'x' }); await c.close(); return o.error ? 'error' : 'no error' }],
  ['connection refused', async (mk) => { const c = mk(cp); const o = await call(c, '/', { host: 'x' }); await c.close(); return o.error ?? 'no error' }],
  ['headers timeout', async (mk) => { const c = mk(hp); const o = await call(c, '/silent', { host: 'x', headersTimeout: 300 }); await c.close(); return o.error ?? 'no error' }],
  ['backpressure: onData false, resume()', async (mk) => { const c = mk(hp); const o = await call(c, '/big', { host: 'x', pauseFirst: true }); await c.close(); return `${o.paused ? 'paused' : 'not paused'}, ${o.body.length} B` }],
  ['CR LF in a header value', async (mk) => { const c = mk(hp); const o = await call(c, '/cl', { host: 'x', headers: ['x-bad', 'a\r\nx-injected: 1'] }); await c.close(); return o.error ?? 'sent' }],
]

const clients: [string, (port: number) => Client, () => number][] = [
  ['undici', (port) => new Pool(`http://127.0.0.1:${port}`, { pipelining: 1, keepAliveTimeout: 60_000 }) as unknown as Client, () => undiciOpened],
]
let protoOpened = 0
clients.push(['h1-prototype', (port) => {
  const p = new H1Pool('127.0.0.1', port, 50)
  return { dispatch: (r: object, h: object) => { const b = p.opened; p.dispatch(r as never, h as never); protoOpened += p.opened - b }, close: () => p.close() }
}, () => protoOpened])

let disagree = 0
console.log('| case | undici | h1-prototype |\n| --- | --- | --- |')
for (const [name, run] of CASES) {
  const res: string[] = []
  for (const [, mk, opened] of clients) res.push(await run(mk, opened))
  if (res[0] !== res[1]) disagree++
  console.log(`| ${name} | ${res[0]} | ${res[1]}${res[0] !== res[1] ? ' (differs)' : ''} |`)
}
http.closeAllConnections(); http.close(); raw.close()
console.log(disagree ? `${disagree} case(s) differ` : 'all cases agree')
process.exit(disagree ? 1 : 0)
