// request-termination answers as Kong's handler does: `{"message": ...}` (the configured message or
// Kong's default for the status), a configured body as is, nothing else in its own body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pluginHarness, type PluginHarness } from '../../helpers/plugin-harness.ts'

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
