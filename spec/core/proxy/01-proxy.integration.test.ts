import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { Readable } from 'node:stream'
import { connect } from 'node:net'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

let up: FakeUpstream
let gw: TestGateway

beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway(`
_format_version: "3.0"
services:
  - name: backend
    url: ${up.url}/base
    routes:
      - name: stripped
        paths: ["/api"]
      - name: kept
        paths: ["/keep"]
        strip_path: false
      - name: preserved
        paths: ["/host"]
        preserve_host: true
      - name: regex
        paths: ["~/items/(?<id>\\\\d+)$"]
`)
})
afterAll(async () => { await gw.close(); await up.close() })

describe('proxying through real sockets', () => {
  it('joins the service path and the stripped request path, keeps the query', async () => {
    const res = await request(`${gw.proxy}/api/users?x=1&y=%20`)
    expect(res.statusCode).toBe(200)
    const seen = (await res.body.json()) as { url: string }
    expect(seen.url).toBe('/base/users?x=1&y=%20')
  })

  it('does not strip when strip_path is false', async () => {
    const res = await request(`${gw.proxy}/keep/me`)
    expect(((await res.body.json()) as { url: string }).url).toBe('/base/keep/me')
  })

  it("adds Kong's headers downstream", async () => {
    const res = await request(`${gw.proxy}/api`)
    await res.body.dump()
    expect(res.headers.via).toMatch(/^1\.1 tollgate\//)
    expect(res.headers['x-kong-upstream-latency']).toMatch(/^\d+$/)
    expect(res.headers['x-kong-proxy-latency']).toMatch(/^\d+$/)
    expect(res.headers['x-kong-request-id']).toMatch(/^[0-9a-f]{32}$/)
  })

  it('sends X-Forwarded-*, X-Real-IP, Via and the target Host upstream', async () => {
    const res = await request(`${gw.proxy}/api/x`, { headers: { 'x-forwarded-for': '10.1.1.1', host: 'client.example:8000' } })
    await res.body.dump()
    const h = up.received.at(-1)!.headers
    expect(h['x-forwarded-for']).toBe('10.1.1.1, 127.0.0.1')
    expect(h['x-real-ip']).toBe('127.0.0.1')
    expect(h['x-forwarded-proto']).toBe('http')
    expect(h['x-forwarded-host']).toBe('client.example')
    expect(h['x-forwarded-path']).toBe('/api/x')
    expect(h['x-forwarded-prefix']).toBe('/api')
    expect(h.via).toMatch(/1\.1 tollgate\//)
    expect(h.host).toBe(`127.0.0.1:${up.port}`)
    expect(h['x-kong-request-id']).toBe(res.headers['x-kong-request-id'])
  })

  it('keeps the client Host with preserve_host', async () => {
    const res = await request(`${gw.proxy}/host`, { headers: { host: 'client.example' } })
    await res.body.dump()
    expect(up.received.at(-1)!.headers.host).toBe('client.example')
  })

  it('removes hop-by-hop request headers, including ones named in Connection', async () => {
    // a raw request: HTTP clients rewrite Connection themselves
    const sock = connect(gw.node.proxyPort, '127.0.0.1')
    sock.write('GET /api/hop HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, x-hop\r\nx-hop: secret\r\nx-end: kept\r\nProxy-Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n')
    await new Promise<void>((r) => sock.once('data', () => r()))
    sock.destroy()
    const h = up.received.at(-1)!.headers
    expect(up.received.at(-1)!.url).toBe('/base/hop')
    expect(h['x-hop']).toBeUndefined()
    expect(h['keep-alive']).toBeUndefined()
    expect(h['proxy-connection']).toBeUndefined()
    expect(h['x-end']).toBe('kept')
  })

  it('forwards a POST body byte for byte', async () => {
    const body = Buffer.from(JSON.stringify({ hello: 'wörld', n: [1, 2, 3] }))
    const res = await request(`${gw.proxy}/api/post`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    const got = up.received.at(-1)!
    expect(got.method).toBe('POST')
    expect(got.body.equals(body)).toBe(true)
    expect(got.headers['content-length']).toBe(String(body.length))
  })

  it('forwards a chunked request body', async () => {
    async function* gen() { yield Buffer.from('part one, '); yield Buffer.from('part two') }
    const res = await request(`${gw.proxy}/api/chunked`, { method: 'POST', body: Readable.from(gen()) })
    await res.body.dump()
    expect(up.received.at(-1)!.body.toString()).toBe('part one, part two')
  })

  it('passes regex captures through and matches only the regex route', async () => {
    const ok = await request(`${gw.proxy}/items/42`)
    expect(ok.statusCode).toBe(200)
    await ok.body.dump()
    const miss = await request(`${gw.proxy}/items/abc`)
    expect(miss.statusCode).toBe(404)
    await miss.body.dump()
  })

  it("answers Kong's 404 body when no route matches", async () => {
    const res = await request(`${gw.proxy}/nowhere`)
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    const body = (await res.body.json()) as { message: string; request_id: string }
    expect(body.message).toBe('no Route matched with those values')
    expect(body.request_id).toBe(res.headers['x-kong-request-id'])
    expect(res.headers.server).toMatch(/^tollgate\//)
  })

  it('renders errors as text or HTML per Accept', async () => {
    const text = await request(`${gw.proxy}/nowhere`, { headers: { accept: 'text/plain' } })
    expect(await text.body.text()).toMatch(/^no Route matched with those values\nrequest_id: [0-9a-f]{32}\n$/)
    const html = await request(`${gw.proxy}/nowhere`, { headers: { accept: 'text/html' } })
    expect(await html.body.text()).toContain('<p>no Route matched with those values.</p>')
  })

  it('passes HEAD through without a body', async () => {
    const res = await request(`${gw.proxy}/api`, { method: 'HEAD' })
    expect(res.statusCode).toBe(200)
    expect((await res.body.arrayBuffer()).byteLength).toBe(0)
  })
})
