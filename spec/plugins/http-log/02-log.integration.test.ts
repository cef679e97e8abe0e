import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { closeHttpLogPools } from '../../../plugins/http-log/sender.ts'

let endpoint: FakeUpstream
let h: PluginHarness

beforeAll(async () => {
  endpoint = await startUpstream((_req, res) => res.end('ok'))
  h = await pluginHarness({
    declarative: {
      routes: [{ name: 'batched', paths: ['/batched'], service: 'harness' }],
      plugins: [{ name: 'http-log', route: 'batched', config: { http_endpoint: `${endpoint.url}/batch`, method: 'PUT', queue: { max_batch_size: 2, max_coalescing_delay: 3600 } } }],
    },
    enable: [{ name: 'http-log', config: { http_endpoint: `http://user:pw@127.0.0.1:${endpoint.port}/single`, headers: { 'x-log-token': 't' }, content_type: 'application/json; charset=utf-8' } }],
  })
})
afterAll(async () => { await h.close(); await closeHttpLogPools(); await endpoint.close() })

describe('http-log', () => {
  it("POSTs one serialize() record per request with batch size 1, with the configured headers", async () => {
    const res = await h.request('/one?x=1')
    expect(res.status).toBe(200)
    await vi.waitFor(() => expect(endpoint.received.some((r) => r.url === '/single')).toBe(true))
    const got = endpoint.received.find((r) => r.url === '/single')!
    expect(got.method).toBe('POST')
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(got.headers['x-log-token']).toBe('t')
    expect(got.headers.authorization).toBe(`Basic ${Buffer.from('user:pw').toString('base64')}`)
    const record = JSON.parse(got.body.toString())
    expect(record).toMatchObject({ request: { uri: '/one?x=1', method: 'GET' }, response: { status: 200 }, upstream_status: '200', source: 'upstream' })
    expect(record.latencies).toEqual(expect.objectContaining({ kong: expect.any(Number), proxy: expect.any(Number), request: expect.any(Number) }))
  })

  it('batches: a full batch is sent as a JSON array with the configured method', async () => {
    await h.request('/batched/1')
    expect(endpoint.received.some((r) => r.url === '/batch')).toBe(false) // waits for a second entry
    await h.request('/batched/2')
    await vi.waitFor(() => expect(endpoint.received.some((r) => r.url === '/batch')).toBe(true))
    const got = endpoint.received.find((r) => r.url === '/batch')!
    expect(got.method).toBe('PUT')
    const batch = JSON.parse(got.body.toString()) as { request: { uri: string } }[]
    expect(batch.map((r) => r.request.uri)).toEqual(['/batched/1', '/batched/2'])
  })
})
