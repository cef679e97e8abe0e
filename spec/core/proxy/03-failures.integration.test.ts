import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Type } from 'typebox'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { closedPort, startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { definePlugin, type AnyPlugin } from '../../../core/plugins/contract.ts'

/** Accepts connections and resets the first `fail` of them; later ones get a real answer. */
async function flakyServer(fail: number): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0
  const sockets = new Set<Socket>()
  const server: Server = createServer((s) => {
    sockets.add(s)
    n++
    if (n <= fail) { s.once('data', () => s.resetAndDestroy()); return }
    s.on('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => n,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()) }),
  }
}

const thrower = definePlugin({
  name: 'test-thrower',
  version: '1.0.0',
  priority: 1000,
  schema: Type.Object({ when: Type.String({ default: 'x-boom' }) }),
  access(kong, conf) {
    if (kong.request.getHeader(conf.when)) throw new Error('boom')
  },
}) as AnyPlugin

let slow: FakeUpstream
let gw: TestGateway
let flaky: Awaited<ReturnType<typeof flakyServer>>
let flakyPost: Awaited<ReturnType<typeof flakyServer>>

beforeAll(async () => {
  slow = await startUpstream((req, res) => { if (req.url !== '/never') res.end('fine') })
  flaky = await flakyServer(2)
  flakyPost = await flakyServer(1)
  const dead = await closedPort()
  gw = await startGateway(`
_format_version: "3.0"
services:
  - name: down
    url: http://127.0.0.1:${dead}
    retries: 2
    routes: [{ name: down, paths: ["/down"] }]
  - name: slow
    url: ${slow.url}
    read_timeout: 300
    retries: 0
    routes: [{ name: slow, paths: ["/slow"], strip_path: true }]
  - name: flaky
    url: http://127.0.0.1:${flaky.port}
    retries: 3
    routes: [{ name: flaky, paths: ["/flaky"] }]
  - name: flaky-post
    url: http://127.0.0.1:${flakyPost.port}
    retries: 3
    routes: [{ name: flaky-post, paths: ["/flaky-post"] }]
  - name: limited
    url: ${slow.url}
    routes: [{ name: limited, paths: ["/limited"] }]
routes:
  - name: serviceless
    paths: ["/nowhere"]
plugins:
  - name: test-thrower
`, { plugins: [thrower], env: { KONG_NGINX_HTTP_CLIENT_MAX_BODY_SIZE: '1k' } })
})
afterAll(async () => { await gw.close(); await slow.close(); await flaky.close(); await flakyPost.close() })

describe('upstream failures', () => {
  it("answers 502 with Kong's message when the upstream is down", async () => {
    const res = await request(`${gw.proxy}/down`)
    expect(res.statusCode).toBe(502)
    expect(((await res.body.json()) as { message: string }).message).toBe('An invalid response was received from the upstream server')
  })

  it("answers 504 with Kong's message when the upstream does not answer within read_timeout", async () => {
    const res = await request(`${gw.proxy}/slow/never`)
    expect(res.statusCode).toBe(504)
    expect(((await res.body.json()) as { message: string }).message).toBe('The upstream server is timing out')
  })

  it('retries an idempotent request on connection errors up to the service retries', async () => {
    const res = await request(`${gw.proxy}/flaky`)
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('ok')
    expect(flaky.connections()).toBe(3)
  })

  it('does not re-send a POST that reached the upstream', async () => {
    const res = await request(`${gw.proxy}/flaky-post`, { method: 'POST', body: 'x' })
    expect(res.statusCode).toBe(502)
    await res.body.dump()
    expect(flakyPost.connections()).toBe(1)
  })

  it("answers 503 with Kong's message for a route without a service", async () => {
    const res = await request(`${gw.proxy}/nowhere`)
    expect(res.statusCode).toBe(503)
    expect(((await res.body.json()) as { message: string }).message).toBe('no Service found with those values')
  })

  it('answers 413 for a body over the size limit', async () => {
    const res = await request(`${gw.proxy}/limited`, { method: 'POST', body: Buffer.alloc(2048) })
    expect(res.statusCode).toBe(413)
    expect(((await res.body.json()) as { message: string }).message).toBe('Payload too large')
  })

  it('a plugin that throws fails that request only', async () => {
    const bad = await request(`${gw.proxy}/limited`, { headers: { 'x-boom': '1' } })
    expect(bad.statusCode).toBe(500)
    expect(((await bad.body.json()) as { message: string }).message).toBe('An unexpected error occurred')
    const good = await request(`${gw.proxy}/limited`)
    expect(good.statusCode).toBe(200)
    expect(await good.body.text()).toBe('fine')
  })
})
