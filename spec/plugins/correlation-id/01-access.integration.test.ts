import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'
import { serverAddress } from '../../../plugins/correlation-id/generators.ts'
import { Type } from 'typebox'
import { definePlugin, type AnyPlugin } from '../../../core/plugins/contract.ts'

interface Echo { headers: Record<string, string> }
let h: PluginHarness

beforeAll(async () => {
  h = await pluginHarness({
    declarative: {
      routes: [
        { name: 'uuid', paths: ['/uuid'], service: 'harness' },
        { name: 'echo', paths: ['/echo'], service: 'harness' },
        { name: 'tracker', paths: ['/tracker'], service: 'harness' },
      ],
      plugins: [
        { name: 'correlation-id', route: 'uuid', config: { generator: 'uuid', header_name: 'X-Trace' } },
        { name: 'correlation-id', route: 'echo', config: { echo_downstream: true } },
        { name: 'correlation-id', route: 'tracker', config: { generator: 'tracker' } },
      ],
    },
    enable: [{ name: 'correlation-id' }],
  })
})
afterAll(() => h.close())

describe('correlation-id', () => {
  it('default: Kong-Request-ID upstream from uuid#counter, counting up, not echoed', async () => {
    const a = await h.request('/x')
    const b = await h.request('/x')
    const idA = a.json<Echo>().headers['kong-request-id']!
    const idB = b.json<Echo>().headers['kong-request-id']!
    expect(idA).toMatch(/^[0-9a-f-]{36}#\d+$/)
    expect(idA.split('#')[0]).toBe(idB.split('#')[0])
    expect(Number(idB.split('#')[1])).toBe(Number(idA.split('#')[1]) + 1)
    expect(a.headers['kong-request-id']).toBeUndefined()
  })

  it('generator uuid with a custom header name', async () => {
    const res = await h.request('/uuid')
    expect(res.json<Echo>().headers['x-trace']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it("generator tracker: Kong's server_addr-server_port-pid-connection-connection_requests-time", async () => {
    const before = Date.now() / 1000
    const ids = [(await h.request('/tracker')).json<Echo>().headers['kong-request-id']!, (await h.request('/tracker')).json<Echo>().headers['kong-request-id']!]
    for (const id of ids) {
      const fields = id.split('-')
      expect(fields).toHaveLength(6)
      const [addr, port, pid, connection, requests, time] = fields as [string, string, string, string, string, string]
      expect(addr).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/)
      expect(addr).toBe(serverAddress)
      expect(Number(port)).toBe(new URL(h.gateway.proxy).port === '' ? 80 : Number(new URL(h.gateway.proxy).port))
      expect(Number(pid)).toBe(process.pid)
      expect(connection).toMatch(/^\d+$/)
      expect(requests).toMatch(/^\d+$/)
      expect(time).toMatch(/^\d+\.\d{3}$/)
      expect(Number(time)).toBeGreaterThanOrEqual(Math.floor(before))
    }
    expect(ids[0]).not.toBe(ids[1])
  })

  it('keeps the client id and echoes it downstream when echo_downstream is set', async () => {
    const mine = await h.request('/echo', { headers: { 'kong-request-id': 'client-id-1' } })
    expect(mine.json<Echo>().headers['kong-request-id']).toBe('client-id-1')
    expect(mine.headers['kong-request-id']).toBe('client-id-1')
    const generated = await h.request('/echo')
    expect(generated.headers['kong-request-id']).toBe(generated.json<Echo>().headers['kong-request-id'])
  })
})

describe('correlation-id echo_downstream when its access did not run (an earlier plugin exited)', () => {
  let e: PluginHarness
  // runs before correlation-id (100001) and ends the request in access
  const stopper = definePlugin({ name: 'stopper', version: '1.0.0', priority: 200000, schema: Type.Object({}), access(kong) { kong.response.exit(401) } })
  beforeAll(async () => {
    e = await pluginHarness({ plugins: [stopper as AnyPlugin], enable: [{ name: 'stopper' }, { name: 'correlation-id', config: { echo_downstream: true } }] })
  })
  afterAll(() => e.close())

  it.each([
    ["echoes the client's id", { 'kong-request-id': 'client-id-1' }, /^client-id-1$/],
    ['echoes a generated id without one', {}, /^[0-9a-f-]{36}#\d+$/],
    ['echoes a generated id for an empty one', { 'kong-request-id': '' }, /^[0-9a-f-]{36}#\d+$/],
  ])('%s', async (_name, headers, id) => {
    const res = await e.request('/x', { headers: headers as Record<string, string> })
    expect(res.status).toBe(401)
    expect(String(res.headers['kong-request-id'])).toMatch(id)
    expect(e.upstream.received).toHaveLength(0)
  })
})
