import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'

let h: PluginHarness

beforeAll(async () => {
  h = await pluginHarness({
    declarative: {
      routes: [
        { name: 'list', paths: ['/list'], service: 'harness' },
        { name: 'regex', paths: ['/regex'], service: 'harness' },
        { name: 'cred', paths: ['/cred'], service: 'harness' },
        { name: 'cont', paths: ['/cont'], service: 'harness' },
        { name: 'absent', paths: ['/absent'], service: 'harness' },
      ],
      plugins: [
        { name: 'cors', route: 'list', config: { origins: ['http://a.test', 'https://b.test:8443'], headers: ['x-one', 'x-two'], exposed_headers: ['x-exp'], methods: ['GET', 'POST'], max_age: 600, credentials: true } },
        { name: 'cors', route: 'regex', config: { origins: ['.*\\.example\\.com'] } },
        { name: 'cors', route: 'cred', config: { credentials: true } },
        { name: 'cors', route: 'cont', config: { preflight_continue: true } },
        { name: 'cors', route: 'absent', config: { allow_origin_absent: false, origins: ['http://a.test'] } },
      ],
    },
    enable: [{ name: 'cors' }],
  })
})
afterAll(() => h.close())

const preflight = (origin: string, extra: Record<string, string> = {}) => ({
  method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', ...extra },
})

describe('cors', () => {
  it('answers a preflight with 200 and Kong defaults (all origins, all methods, echoed request headers)', async () => {
    const res = await h.request('/x', preflight('http://any.test', { 'access-control-request-headers': 'x-foo' }))
    expect(res.status).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['access-control-allow-methods']).toBe('GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT')
    expect(res.headers['access-control-allow-headers']).toBe('x-foo')
    expect(h.upstream.received.some((r) => r.method === 'OPTIONS' && r.url === '/x')).toBe(false)
  })

  it('uses configured origins, headers, methods, max_age, credentials and Vary', async () => {
    const res = await h.request('/list', preflight('https://b.test:8443'))
    expect(res.status).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('https://b.test:8443')
    expect(res.headers['access-control-allow-headers']).toBe('x-one,x-two')
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST')
    expect(res.headers['access-control-max-age']).toBe('600')
    expect(res.headers['access-control-allow-credentials']).toBe('true')
    expect(res.headers.vary).toBe('Origin')
  })

  it('adds headers to proxied responses in header_filter; unknown origins get no ACAO', async () => {
    const ok = await h.request('/list', { headers: { origin: 'http://a.test' } })
    expect(ok.status).toBe(200)
    expect(ok.headers['access-control-allow-origin']).toBe('http://a.test')
    expect(ok.headers['access-control-expose-headers']).toBe('x-exp')
    const bad = await h.request('/list', { headers: { origin: 'http://evil.test' } })
    expect(bad.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('matches regex origins by host', async () => {
    const res = await h.request('/regex', { headers: { origin: 'https://api.example.com' } })
    expect(res.headers['access-control-allow-origin']).toBe('https://api.example.com')
    const no = await h.request('/regex', { headers: { origin: 'https://example.com.evil.test' } })
    expect(no.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('credentials with all origins: reflects the origin instead of *', async () => {
    const res = await h.request('/cred', { headers: { origin: 'http://c.test' } })
    expect(res.headers['access-control-allow-origin']).toBe('http://c.test')
    expect(res.headers['access-control-allow-credentials']).toBe('true')
  })

  it('preflight_continue passes the preflight to the upstream, without CORS headers', async () => {
    const res = await h.request('/cont', preflight('http://a.test'))
    expect(res.status).toBe(200)
    expect(res.json()).toMatchObject({ method: 'OPTIONS' })
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('allow_origin_absent=false: no headers without Origin', async () => {
    const res = await h.request('/absent')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    expect(res.headers.vary).toBeUndefined()
  })
})
