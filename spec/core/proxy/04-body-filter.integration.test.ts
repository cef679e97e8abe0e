import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { Type } from 'typebox'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { definePlugin, type AnyPlugin } from '../../../core/plugins/contract.ts'

// reads every chunk, changes nothing: Content-Length must survive
const reader = definePlugin({
  name: 'test-reader', version: '1.0.0', priority: 20,
  schema: Type.Object({}),
  body_filter(kong, _conf, chunk) { (kong.ctx.plugin.n as number | undefined) ?? (kong.ctx.plugin.n = 0); kong.ctx.plugin.n = (kong.ctx.plugin.n as number) + chunk.data.length },
}) as AnyPlugin
// upper-cases the body and doubles it: clears Content-Length as Kong's body-changing plugins do
const doubler = definePlugin({
  name: 'test-doubler', version: '1.0.0', priority: 10,
  schema: Type.Object({}),
  header_filter(kong) { kong.response.clearHeader('Content-Length') },
  body_filter(_kong, _conf, chunk) { chunk.data = Buffer.concat([chunk.data, chunk.data]) },
}) as AnyPlugin

let up: FakeUpstream
let gw: TestGateway
beforeAll(async () => {
  up = await startUpstream((_req, res) => { res.setHeader('content-length', '5'); res.end('hello') })
  gw = await startGateway(`
_format_version: "3.0"
services:
  - name: s
    url: ${up.url}
    routes:
      - name: read
        paths: ["/read"]
        plugins: [{ name: test-reader }]
      - name: double
        paths: ["/double"]
        plugins: [{ name: test-doubler }]
`, { plugins: [reader, doubler] })
})
afterAll(async () => { await gw.close(); await up.close() })

describe('body_filter and Content-Length', () => {
  it('keeps the upstream Content-Length when no plugin clears it', async () => {
    const res = await request(`${gw.proxy}/read`)
    expect(res.headers['content-length']).toBe('5')
    expect(res.headers['transfer-encoding']).toBeUndefined()
    expect(await res.body.text()).toBe('hello')
  })

  it('sends chunked when a body-changing plugin clears Content-Length', async () => {
    const res = await request(`${gw.proxy}/double`)
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.headers['transfer-encoding']).toBe('chunked')
    expect(await res.body.text()).toBe('hellohello')
  })

  it('forwards no duplicate uWebSockets or Date headers from a uWS upstream', async () => {
    const res = await request(`${gw.proxy}/read`)
    await res.body.dump()
    expect(String(res.headers.date).split(',').length).toBeLessThanOrEqual(2) // one RFC 1123 date contains one comma
  })
})
