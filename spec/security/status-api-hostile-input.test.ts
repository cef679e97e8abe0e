// The Status API against hostile requests: it reads no body, answers only GET and HEAD on its three
// paths, refuses foreign Host and any browser Origin as the Admin API does (DNS rebinding, CSRF),
// survives oversized heads, and no answer carries a secret of the config or the node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

const CONSUMER_KEY = 'status-api-consumer-key-41c7'
const UPSTREAM_KEY = 'sk-status-api-upstream-8e02'
const ADMIN_TOKEN = 'status-api-admin-token-77aa'

interface Raw { status: number; headers: string; body: string }

/** One request written byte for byte; status 0 = the server closed without an answer. */
function raw(port: number, head: string, body: Buffer | string = ''): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    const got: Buffer[] = []
    s.on('data', (d) => got.push(d))
    s.on('error', () => { /* the server may close while we still write: read what it answered */ })
    s.on('close', () => {
      const text = Buffer.concat(got).toString('latin1')
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text)
      if (!m) return text === '' ? resolve({ status: 0, headers: '', body: '' }) : reject(new Error(`not HTTP: ${JSON.stringify(text.slice(0, 200))}`))
      const split = text.indexOf('\r\n\r\n')
      resolve({ status: Number(m[1]), headers: text.slice(0, split), body: text.slice(split + 4) })
    })
    s.write(head)
    s.end(body)
  })
}

let up: FakeUpstream
let gw: TestGateway
let port: number
const host = () => `127.0.0.1:${port}`

beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    consumers: [{ username: 'alice', keyauth_credentials: [{ key: CONSUMER_KEY }] }],
    services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/r'] }] }],
    plugins: [
      { name: 'prometheus', config: { status_code_metrics: true, per_consumer: true, bandwidth_metrics: true, latency_metrics: true } },
      { name: 'key-auth', config: {} },
      { name: 'request-transformer', config: { add: { headers: [`authorization:Bearer ${UPSTREAM_KEY}`] } } },
    ],
  }), { env: { KONG_STATUS_LISTEN: '127.0.0.1:0', KONG_ADMIN_TOKEN: ADMIN_TOKEN } })
  port = gw.node.statusPort!
})
afterAll(async () => {
  await gw?.close()
  await up?.close()
})

async function stillServing(): Promise<void> {
  const r = await raw(port, `GET /status/ready HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n`)
  expect(r.status).toBe(200)
  expect(JSON.parse(r.body)).toEqual({ message: 'ready' })
}

describe('Status API: methods and paths', () => {
  const methods = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']
  const paths = ['/status', '/status/ready', '/metrics']
  it.each(methods.flatMap((m) => paths.map((p) => [m, p])))('%s %s → 405, no body read', async (method, path) => {
    const r = await raw(port, `${method} ${path} HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n`, '{"status":"draining"')
    expect(r.status).toBe(405)
    expect(JSON.parse(r.body)).toEqual({ message: 'Method not allowed' })
    await stillServing()
  })

  it.each(['PROPFIND', 'X-CUSTOM', 'G ET', 'GET\t'])('%s: refused (405) or the connection closed by the HTTP parser', async (method) => {
    const r = await raw(port, `${method} /status HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n`)
    expect([0, 400, 405]).toContain(r.status)
    await stillServing()
  })

  it.each([
    '/', '/status/', '/STATUS', '/status/ready/', '/status/../metrics', '/status%2Fready', '//status', '/metrics/x', '/config', '/status/dns',
    '/%00', '/%ZZ', '/' + 'a'.repeat(4000), '/status/ready?' + 'q'.repeat(4000),
  ].map((p) => [p.length > 60 ? `${p.slice(0, 20)}… (${p.length} bytes)` : p, p]))('GET %s → 404 (a query is ignored), never a crash', async (_, path) => {
    const r = await raw(port, `GET ${path} HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n`)
    if (path.startsWith('/status/ready?')) expect(r.status).toBe(200) // a query is ignored
    else {
      expect(r.status).toBe(404)
      expect(JSON.parse(r.body)).toEqual({ message: 'Not found' })
    }
    await stillServing()
  })

  it.each([
    ['10 MiB', 10 * 1024 * 1024 + 1, [405]],
    ['1 GiB (uWS may close at once)', 1024 ** 3, [0, 405]],
  ])('a POST announcing a %s body is answered at once without reading it', async (_, length, allowed) => {
    // the head only: the 405 comes before any body byte (a client still writing would see a reset)
    const r = await raw(port, `POST /status/ready HTTP/1.1\r\nHost: ${host()}\r\nContent-Length: ${length}\r\n\r\n`)
    expect(allowed).toContain(r.status)
    await stillServing()
  })
})

describe('Status API: Host and Origin (DNS rebinding, CSRF)', () => {
  it.each([
    ['a foreign name', 'evil.example', 'Host not allowed'],
    ['a foreign name with our port', () => `evil.example:${port}`, 'Host not allowed'],
    ['our address, another port', '127.0.0.1:1', 'Host not allowed'],
    ['an empty Host', '', 'Host not allowed'],
    ['garbage', 'a b c', 'Host not allowed'],
  ])('Host: %s → 403', async (_, h, message) => {
    const value = typeof h === 'function' ? h() : h
    const r = await raw(port, `GET /metrics HTTP/1.1\r\nHost: ${value}\r\nConnection: close\r\n\r\n`)
    expect(r.status).toBe(403)
    expect(JSON.parse(r.body)).toEqual({ message })
  })

  it.each(['https://evil.example', 'null', 'http://127.0.0.1', `http://${'localhost'}:1`])('Origin: %s → 403', async (origin) => {
    const r = await raw(port, `GET /status HTTP/1.1\r\nHost: ${host()}\r\nOrigin: ${origin}\r\nConnection: close\r\n\r\n`)
    expect(r.status).toBe(403)
    expect(JSON.parse(r.body)).toEqual({ message: 'Origin not allowed' })
    expect(r.headers.toLowerCase()).not.toContain('access-control-allow-origin')
  })

  it.each(['localhost', '127.0.0.1'])('Host %s with the listener\'s port is served', async (name) => {
    const r = await raw(port, `GET /status/ready HTTP/1.1\r\nHost: ${name}:${port}\r\nConnection: close\r\n\r\n`)
    expect(r.status).toBe(200)
  })
})

describe('Status API: oversized heads', () => {
  it.each([
    ['one 64 KiB header', `X-Big: ${'b'.repeat(64 * 1024)}\r\n`],
    ['one 1 MiB header', `X-Big: ${'b'.repeat(1024 * 1024)}\r\n`],
    ['2000 headers', Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('')],
    ['a 256 KiB path', null],
  ])('%s: served, refused or closed by uWS\'s bounded parser; the listener keeps serving', async (_, extra) => {
    const line = extra === null ? `GET /${'p'.repeat(256 * 1024)} HTTP/1.1` : 'GET /status HTTP/1.1'
    const r = await raw(port, `${line}\r\nHost: ${host()}\r\n${extra ?? ''}Connection: close\r\n\r\n`)
    expect([0, 200, 400, 404, 414, 431]).toContain(r.status)
    await stillServing()
  })
})

describe('Status API: no secrets', () => {
  it('neither /status nor /metrics carries a credential, a configured secret or the admin token', async () => {
    const res = await request(`${gw.proxy}/r`, { headers: { apikey: CONSUMER_KEY } })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    // the Status API needs no admin token (as Kong's) and never echoes one
    for (const path of ['/status', '/status/ready', '/metrics']) {
      const r = await raw(port, `GET ${path} HTTP/1.1\r\nHost: ${host()}\r\nKong-Admin-Token: ${ADMIN_TOKEN}\r\nConnection: close\r\n\r\n`)
      expect(r.status).toBe(200)
      for (const secret of [CONSUMER_KEY, UPSTREAM_KEY, ADMIN_TOKEN]) expect(r.headers + r.body).not.toContain(secret)
    }
  })
})
