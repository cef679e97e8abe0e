// A throw from the gateway's own code on the request path (here: an upstream target no Pool can
// be made for, set by a plugin from a request header) fails that request alone with a
// Kong-shaped error, synchronously or after an await; the next request is served. Before, the
// throw escaped the uWS callback (or became an unhandled rejection) and ended the process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { Type } from 'typebox'
import { definePlugin, type AnyPlugin } from '../../core/plugins/contract.ts'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

/** Sends the request to the host named by `x-target` (what a careless plugin might do). */
const target = definePlugin({
  name: 'target-from-header',
  version: '1.0.0',
  priority: 10,
  schema: Type.Object({ wait: Type.Boolean({ default: false }) }),
  access(kong, conf) {
    const set = () => {
      const host = kong.request.getHeader('x-target')
      if (host !== undefined) kong.service.setTarget(decodeURIComponent(host), 80)
    }
    if (!conf.wait) return set()
    return Promise.resolve().then(set)
  },
}) as AnyPlugin

let gw: TestGateway
let up: FakeUpstream

beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 's', url: up.url, routes: [{ name: 'sync', paths: ['/sync'] }, { name: 'async', paths: ['/async'] }] }],
    plugins: [
      { name: 'target-from-header', route: 'sync', config: { wait: false } },
      { name: 'target-from-header', route: 'async', config: { wait: true } },
    ],
  }), { plugins: [target] })
})
afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const HOSTS = ['bad host', 'a b.example', 'a\u0000b', 'a\r\nb', '[::1', 'a/b', 'a?b', 'a#b', '😀', 'x'.repeat(5000), '%', 'user@evil']

describe('a throw on the request path', () => {
  for (const path of ['/sync', '/async']) {
    it.each(HOSTS.map((h) => [JSON.stringify(h.slice(0, 20)), h]))(`${path}: target %s fails that request only, Kong-shaped`, async (_label, host) => {
      const res = await request(`${gw.proxy}${path}`, { headers: { 'x-target': encodeURIComponent(host), accept: 'application/json' } })
      // 500 when the gateway could not even build the upstream call; 502/503 when the connection failed
      expect([500, 502, 503]).toContain(res.statusCode)
      const body = await res.body.json() as { message: string; request_id: string }
      expect(Object.keys(body).sort()).toEqual(['message', 'request_id'])
      if (res.statusCode === 500) expect(body.message).toBe('An unexpected error occurred')

      const next = await request(`${gw.proxy}${path}`)
      expect(next.statusCode).toBe(200)
      await next.body.dump()
    })
  }

  it('the space in a host is one of those that throws (a 500, not a crash)', async () => {
    const res = await request(`${gw.proxy}/sync`, { headers: { 'x-target': encodeURIComponent('bad host') } })
    expect(res.statusCode).toBe(500)
    await res.body.dump()
  })
})
