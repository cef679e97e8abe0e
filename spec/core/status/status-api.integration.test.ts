// Kong's Status API on its own listener (KONG_STATUS_LISTEN, off by default): /status in Kong's
// shape, /status/ready with Kong's readiness rules, /metrics as the Admin API serves it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { readSettings } from '../../../core/settings.ts'
import { parseMetrics, total } from '../../plugins/prometheus/scrape.ts'

let up: FakeUpstream
let gw: TestGateway
let empty: TestGateway
const STATUS = { KONG_STATUS_LISTEN: '127.0.0.1:0' }
const status = (g: TestGateway) => `http://127.0.0.1:${g.node.statusPort}`

beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/r'] }] }],
    plugins: [{ name: 'prometheus', config: { status_code_metrics: true } }],
  }), { env: STATUS })
  empty = await startGateway('_format_version: "3.0"\n', { env: STATUS })
})
afterAll(async () => {
  await gw?.close()
  await empty?.close()
  await up?.close()
})

async function get(url: string, method = 'GET') {
  const res = await request(url, { method: method as 'GET' })
  const text = await res.body.text()
  return { status: res.statusCode, type: res.headers['content-type'], text }
}

describe('status_listen', () => {
  it('is off unless set, and takes Kong\'s listen syntax', () => {
    expect(readSettings({}).statusListen).toBeNull()
    expect(readSettings({ KONG_STATUS_LISTEN: 'off' }).statusListen).toBeNull()
    expect(readSettings({ KONG_STATUS_LISTEN: '0.0.0.0:8100 reuseport backlog=16384' }).statusListen).toEqual({ host: '0.0.0.0', port: 8100 })
    expect(readSettings({ KONG_STATUS_LISTEN: '[::1]:8100, 127.0.0.1:8101' }).statusListen).toEqual({ host: '::1', port: 8100 })
    expect(() => readSettings({ KONG_STATUS_LISTEN: 'nonsense' })).toThrow("invalid status_listen: 'nonsense' (expected host:port)")
  })
})

describe('the Status API', () => {
  it('GET /status: Kong\'s shape, the loaded configuration\'s hash', async () => {
    const r = await get(`${status(gw)}/status`)
    expect(r.status).toBe(200)
    expect(r.type).toBe('application/json; charset=utf-8')
    const body = JSON.parse(r.text)
    expect(Object.keys(body.server).sort()).toEqual(['connections_accepted', 'connections_active', 'connections_handled', 'connections_reading', 'connections_waiting', 'connections_writing', 'total_requests'])
    expect(body.memory.workers_lua_vms).toHaveLength(1)
    const admin = JSON.parse((await get(`${gw.admin}/status`)).text)
    expect(body.configuration_hash).toBe(admin.configuration_hash)
    expect(body.configuration_hash).toMatch(/^[0-9a-f]{32}$/)
  })

  it('GET /status/ready: 200 once a config is loaded and the workers serve', async () => {
    const r = await get(`${status(gw)}/status/ready`)
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text)).toEqual({ message: 'ready' })
  })

  it('GET /status/ready: 503 with Kong\'s message on an empty configuration', async () => {
    const r = await get(`${status(empty)}/status/ready`)
    expect(r.status).toBe(503)
    expect(JSON.parse(r.text)).toEqual({ message: 'no configuration available (empty configuration present)' })
  })

  it('GET /metrics: the same node metrics as the Admin API\'s, valid Prometheus text', async () => {
    for (let i = 0; i < 3; i++) await (await request(`${gw.proxy}/r`)).body.dump()
    const viaStatus = parseMetrics((await get(`${status(gw)}/metrics`)).text)
    const viaAdmin = parseMetrics((await get(`${gw.admin}/metrics`)).text)
    expect(total(viaStatus, 'kong_http_requests_total', { route: 'r', code: '200' })).toBe(3)
    expect(total(viaAdmin, 'kong_http_requests_total', { route: 'r', code: '200' })).toBe(3)
  })

  it('HEAD answers the headers only', async () => {
    const r = await get(`${status(gw)}/status/ready`, 'HEAD')
    expect(r.status).toBe(200)
    expect(r.text).toBe('')
  })

  it('the Admin API lists /metrics and refuses other methods on it', async () => {
    expect(JSON.parse((await get(`${gw.admin}/endpoints`)).text).data).toContain('/metrics')
    const r = await get(`${gw.admin}/metrics`, 'DELETE')
    expect(r.status).toBe(405)
    expect(JSON.parse(r.text)).toEqual({ message: 'Method not allowed' })
  })
})
