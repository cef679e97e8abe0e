import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { request } from 'undici'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

const fixture = fileURLToPath(new URL('../../fixtures/plugins/js-hello.cjs', import.meta.url))
// imported the way the loader imports it, so this is the very module instance the gateway runs
const jsHello = ((await import(pathToFileURL(fixture).href)) as { default: unknown }).default as { logged: Record<string, unknown>[]; Plugin: { instances: number } }

let up: FakeUpstream
let gw: TestGateway

beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway(`
_format_version: "3.0"
services:
  - name: s
    url: ${up.url}
    routes:
      - name: a
        paths: ["/a"]
        plugins: [{ name: js-hello, config: { message: "hi", tags: [x, y] } }]
      - name: b
        paths: ["/b"]
        plugins: [{ name: js-hello, config: { mode: slow } }]
`, { env: { KONG_PLUGINS: `bundled,${fixture}` } })
})
afterAll(async () => { await gw.close(); await up.close() })

describe('a kong-js-pdk plugin, loaded unmodified', () => {
  it('runs access with awaited PDK calls and its config (defaults applied)', async () => {
    const res = await request(`${gw.proxy}/a/x?q=1`, { headers: { host: 'example.test' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-hello-from-javascript']).toBe('Javascript says hi to example.test')
    const echoed = (await res.body.json()) as { headers: Record<string, string> }
    expect(echoed.headers['x-js-mode']).toBe('fast')
    await vi.waitFor(() => expect(jsHello.logged.find((l) => l.uri === '/a/x?q=1')).toEqual({
      status: 200, shared: 'x+y', started: '/a/x?q=1', uri: '/a/x?q=1', message: 'hi',
    }))
  })

  it('short-circuits with kong.response.exit; log still runs', async () => {
    const res = await request(`${gw.proxy}/b/deny`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"deny":true}' })
    expect(res.statusCode).toBe(403)
    expect(await res.body.json()).toEqual({ message: 'denied by javascript' })
    expect(up.received.some((r) => r.url.includes('deny'))).toBe(false)
    await vi.waitFor(() => expect(jsHello.logged.find((l) => l.uri === '/b/deny')).toMatchObject({ status: 403, message: 'hello' }))
  })

  it('keeps one Plugin instance per plugin config', async () => {
    for (let i = 0; i < 3; i++) await (await request(`${gw.proxy}/a/again`)).body.dump()
    await (await request(`${gw.proxy}/b/again`)).body.dump()
    expect(jsHello.Plugin.instances).toBe(2)
  })

  it('converts its Kong Schema: a bad config is refused with Kong field errors', async () => {
    const res = await request(`${gw.admin}/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _format_version: '3.0', plugins: [{ name: 'js-hello', config: { mode: 'warp', limits: { per_second: 0 }, nope: 1 } }] }),
    })
    expect(res.statusCode).toBe(400)
    const body = (await res.body.json()) as { fields: { plugins: { config: Record<string, unknown> }[] } }
    expect(body.fields.plugins[0]!.config).toEqual({
      mode: 'expected one of: fast, slow',
      limits: { per_second: 'value should be between 1 and 100' },
      nope: 'unknown field',
    })
  })
})
