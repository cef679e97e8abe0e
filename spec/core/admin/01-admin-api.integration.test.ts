import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

let up: FakeUpstream
let gw: TestGateway
const configA = (url: string) => `
_format_version: "3.0"
services:
  - name: a
    url: ${url}/a
    tags: [team-a]
    routes: [{ name: ra, paths: ["/a"] }]
`

beforeAll(async () => {
  up = await startUpstream((req, res) => res.end(req.url))
  gw = await startGateway(configA(up.url))
})
afterAll(async () => { await gw.close(); await up.close() })

async function json(path: string, init?: Parameters<typeof request>[1]) {
  const res = await request(`${gw.admin}${path}`, init)
  const text = await res.body.text()
  return { status: res.statusCode, body: text ? JSON.parse(text) : null }
}

describe('Admin API', () => {
  it('GET / describes the node', async () => {
    const { status, body } = await json('/')
    expect(status).toBe(200)
    expect(body.tagline).toBe('Welcome to kong')
    expect(body.plugins.available_on_server['request-termination']).toEqual({ version: '1.0.0', priority: 2 })
    expect(typeof body.node_id).toBe('string')
  })

  it('GET /status carries the configuration hash and whether uWS is native', async () => {
    const { body } = await json('/status')
    expect(body.configuration_hash).toMatch(/^[0-9a-f]{32}$/)
    expect(body.tollgate.uws_native).toBe(true)
    expect(body.server.total_requests).toBeGreaterThanOrEqual(0)
  })

  it('lists entities read-only, by id or name, and refuses writes with 405 code 12', async () => {
    const list = await json('/services')
    expect(list.body.data.map((s: { name: string }) => s.name)).toEqual(['a'])
    expect(list.body.next).toBeNull()
    const one = await json('/services/a')
    expect(one.body.path).toBe('/a')
    const routes = await json(`/services/${one.body.id}/routes`)
    expect(routes.body.data[0].name).toBe('ra')
    expect((await json('/services?tags=team-b')).body.data).toEqual([])
    expect((await json('/routes/nope')).status).toBe(404)
    const write = await json('/services', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    expect(write.status).toBe(405)
    expect(write.body).toEqual({ code: 12, name: 'operation unsupported', message: "cannot create 'services' entities when not using a database" })
  })

  it('GET /plugins/enabled lists the loaded plugins', async () => {
    expect((await json('/plugins/enabled')).body.enabled_plugins).toContain('request-termination')
  })

  it('GET /config returns the current config as YAML', async () => {
    const { body } = await json('/config')
    expect(body.config).toContain('_format_version')
    expect(body.config).toContain('name: a')
  })

  it('refuses a bad POST /config with code 14 and keeps serving the old config', async () => {
    const before = (await json('/status')).body.configuration_hash
    const bad = await json('/config', { method: 'POST', body: '_format_version: "3.0"\nservices:\n  - name: b\n    port: 99999\n', headers: { 'content-type': 'text/yaml' } })
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBe(14)
    expect(bad.body.name).toBe('invalid declarative configuration')
    expect(bad.body.fields.services[0].host).toBe('required field missing')
    expect(bad.body.fields.services[0].port).toBe('value should be between 0 and 65535')
    expect((await json('/status')).body.configuration_hash).toBe(before)
    const res = await request(`${gw.proxy}/a/x`)
    expect(await res.body.text()).toBe('/a/x')
  })

  it('applies a good POST /config atomically: new routes serve, old ones are gone', async () => {
    const next = `_format_version: "3.0"\nservices:\n  - name: b\n    url: ${up.url}/b\n    routes: [{ name: rb, paths: ["/b"] }]\n`
    const ok = await json('/config', { method: 'POST', body: JSON.stringify({ config: next }), headers: { 'content-type': 'application/json' } })
    expect(ok.status).toBe(201)
    expect(Object.values(ok.body.services).map((s) => (s as { name: string }).name)).toEqual(['b'])
    const res = await request(`${gw.proxy}/b/y`)
    expect(await res.body.text()).toBe('/b/y')
    const gone = await request(`${gw.proxy}/a/x`)
    expect(gone.statusCode).toBe(404)
    await gone.body.dump()
    const same = await request(`${gw.admin}/config?check_hash=1`, { method: 'POST', body: next, headers: { 'content-type': 'text/yaml' } })
    expect(same.statusCode).toBe(304)
    await same.body.dump()
  })

  it('answers an empty POST /config with Kong message', async () => {
    const r = await json('/config', { method: 'POST', body: '' })
    expect(r.status).toBe(400)
    expect(r.body.message).toBe('expected a declarative configuration')
  })
})
