// request-termination answers as Kong's handler does: `{"message": ...}` (the configured message or
// Kong's default for the status), a configured body as is, nothing else in its own body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'
import { configErrorBody, loadConfig } from '../../../core/config/load.ts'
import requestTermination from '../../../plugins/request-termination/index.ts'

// [route, config, status, body as sent (null: none)]
const CASES: [string, Record<string, unknown>, number, string | null][] = [
  ['default', {}, 503, '{"message":"Service unavailable"}'],
  ['s401', { status_code: 401 }, 401, '{"message":"Unauthorized"}'],
  ['s404', { status_code: 404 }, 404, '{"message":"Not found"}'],
  ['s405', { status_code: 405 }, 405, '{"message":"Method not allowed"}'],
  ['s500', { status_code: 500 }, 500, '{"message":"An unexpected error occurred"}'],
  ['s502', { status_code: 502 }, 502, '{"message":"Bad Gateway"}'],
  ['s403', { status_code: 403 }, 403, null],
  ['s418msg', { status_code: 418, message: "I'm a teapot" }, 418, `{"message":"I'm a teapot"}`],
  ['s200msg', { status_code: 200, message: 'ok' }, 200, '{"message":"ok"}'],
  ['s202', { status_code: 202 }, 202, null],
  ['s204', { status_code: 204 }, 204, null],
  ['s204msg', { status_code: 204, message: 'gone' }, 204, null],
  ['body', { status_code: 451, body: '<p>gone</p>', content_type: 'text/html' }, 451, '<p>gone</p>'],
]

let h: PluginHarness
beforeAll(async () => {
  h = await pluginHarness({
    declarative: { routes: CASES.map(([name]) => ({ name, paths: [`/${name}`], service: 'harness' })) },
    enable: CASES.map(([route, config]) => ({ name: 'request-termination', route, config })),
  })
})
afterAll(() => h.close())

describe('request-termination', () => {
  it.each(CASES)('%s: %j answers %i with exactly %s', async (route, _config, status, body) => {
    for (const accept of ['application/json', 'text/html', '*/*']) {
      const res = await h.request(`/${route}`, { headers: { accept } })
      expect(res.status).toBe(status)
      if (body === null) expect(res.text).toBe('')
      else expect(res.text).toBe(body)
      if (body?.startsWith('{')) expect(String(res.headers['content-type'])).toMatch(/^application\/json/)
    }
    expect(h.upstream.received).toHaveLength(0)
  })

  it('a 204 carries no Content-Length (uWS sent 2^63 for an explicit undefined length)', async () => {
    for (const route of ['s204', 's204msg']) {
      const res = await h.request(`/${route}`)
      expect(res.status).toBe(204)
      expect(res.headers['content-length']).toBeUndefined()
    }
  })

  it('the configured content_type goes with a configured body', async () => {
    const res = await h.request('/body')
    expect(res.headers['content-type']).toBe('text/html')
  })
})

describe("request-termination config: Kong's custom_validator", () => {
  const registry = new PluginRegistry([requestTermination as AnyPlugin])
  const text = (config: Record<string, unknown>) => `_format_version: "3.0"\nplugins:\n  - name: request-termination\n    config: ${JSON.stringify(config)}\n`

  // [config, the error at plugins[0].config (Kong's shape for a record's custom_validator)]
  const REFUSED: [Record<string, unknown>, unknown][] = [
    [{ message: 'm', body: 'b' }, 'message cannot be used with content_type or body'],
    [{ message: 'm', content_type: 'text/plain', body: 'b' }, 'message cannot be used with content_type or body'],
    [{ message: 'm', content_type: 'text/plain' }, 'message cannot be used with content_type or body'],
    [{ content_type: 'text/plain' }, 'content_type requires a body'],
    [{ content_type: 'text/plain', body: '' }, 'content_type requires a body'],
    [{ echo: true, body: 'b' }, 'echo cannot be used with content_type and body'],
    [{ echo: true, content_type: 'text/plain', body: 'b' }, 'echo cannot be used with content_type and body'],
    [{ trigger: 'x y' }, { trigger: "bad header name 'x y', allowed characters are A-Z, a-z, 0-9, '_', and '-'" }],
    [{ trigger: 'a:b' }, { trigger: "bad header name 'a:b', allowed characters are A-Z, a-z, 0-9, '_', and '-'" }],
  ]
  it.each(REFUSED)('refuses %j at load with the field path', (config, error) => {
    expect(() => loadConfig(text(config), { plugins: registry })).toThrow()
    try { loadConfig(text(config), { plugins: registry }) } catch (e) {
      expect(configErrorBody(e)).toMatchObject({ fields: { plugins: [{ config: error }] } })
    }
  })

  it.each([
    [{}], [{ message: 'm' }], [{ body: 'b' }], [{ body: 'b', content_type: 'text/plain' }], [{ echo: true }],
    [{ echo: true, message: 'm', trigger: 'X-Echo_1' }], [{ message: '', body: 'b' }],
  ])('accepts %j', (config) => {
    expect(registry.check('request-termination', config).ok).toBe(true)
  })
})

describe('request-termination echo and trigger (Kong 3.x)', () => {
  let e: PluginHarness
  beforeAll(async () => {
    e = await pluginHarness({
      declarative: { routes: [{ name: 'echo', paths: ['/echo'], service: 'harness' }, { name: 'trig', paths: ['/trig'], service: 'harness' }] },
      enable: [
        { name: 'request-termination', route: 'echo', config: { echo: true, status_code: 404 } },
        { name: 'request-termination', route: 'trig', config: { status_code: 403, message: 'no', trigger: 'x-stop' } },
      ],
    })
  })
  afterAll(() => e.close())

  it("echoes the request with Kong's fields: message, kong, request, matched_route, matched_service", async () => {
    const res = await e.request('/echo/x?a=1', { method: 'POST', headers: { 'content-type': 'application/json', 'x-h': 'v' }, body: '{"k":1}' })
    expect(res.status).toBe(404)
    const body = res.json<Record<string, any>>()
    expect(Object.keys(body).sort()).toEqual(['kong', 'matched_route', 'matched_service', 'message', 'request'])
    expect(body.message).toBe('Not found')
    expect(body.kong).toMatchObject({ node_id: expect.any(String), worker_pid: process.pid, hostname: expect.any(String) })
    expect(body.request).toMatchObject({ method: 'POST', path: '/echo/x', query: { a: '1' }, body: { k: 1 }, raw_body: '{"k":1}', scheme: 'http' })
    expect(body.request.headers['x-h']).toBe('v')
    expect(body.matched_route.name).toBe('echo')
    expect(body.matched_service.name).toBe('harness')
    expect(e.upstream.received).toHaveLength(0)
  })

  it.each([
    ['no trigger: proxied', '/trig', {}, 200],
    ['trigger header', '/trig', { 'x-stop': '1' }, 403],
    ['trigger query argument', '/trig?x-stop=1', {}, 403],
    ['another header', '/trig', { 'x-go': '1' }, 200],
  ])('%s', async (_name, path, headers, status) => {
    const res = await e.request(path, { headers: headers as Record<string, string> })
    expect(res.status).toBe(status)
    if (status === 403) expect(res.text).toBe('{"message":"no"}')
  })
})
