import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'

interface Echo { url: string; headers: Record<string, string>; body: string; method: string }

let h: PluginHarness

beforeAll(async () => {
  h = await pluginHarness({
    declarative: {
      consumers: [
        { username: 'alice', custom_id: 'a-1', keyauth_credentials: [{ key: 'alice-key' }] },
        { username: 'bob', keyauth_credentials: [{ key: 'bob-key' }] },
        { username: 'guest' },
      ],
      routes: [
        { name: 'hidden', paths: ['/hidden'], service: 'harness' },
        { name: 'anon', paths: ['/anon'], service: 'harness' },
        { name: 'realm', paths: ['/realm'], service: 'harness' },
        { name: 'preflight', paths: ['/preflight'], service: 'harness' },
      ],
      plugins: [
        { name: 'key-auth', route: 'hidden', config: { hide_credentials: true, key_in_body: true, key_names: ['apikey', 'x-key'] } },
        { name: 'key-auth', route: 'anon', config: { anonymous: 'guest' } },
        { name: 'key-auth', route: 'realm', config: { realm: 'kong', key_in_query: false } },
        { name: 'key-auth', route: 'preflight', config: { run_on_preflight: false } },
      ],
    },
    enable: [{ name: 'key-auth' }],
  })
})
afterAll(() => h.close())

describe('key-auth', () => {
  it('401 "No API key found in request" with WWW-Authenticate: Key', async () => {
    const res = await h.request('/x')
    expect(res.status).toBe(401)
    expect(res.json()).toMatchObject({ message: 'No API key found in request' })
    expect(res.headers['www-authenticate']).toBe('Key')
  })

  it('401 "Unauthorized" for an unknown key', async () => {
    const res = await h.request('/x', { headers: { apikey: 'nope' } })
    expect(res.status).toBe(401)
    expect(res.json()).toMatchObject({ message: 'Unauthorized' })
    expect(res.headers['www-authenticate']).toBe('Key')
  })

  it('uses the realm in the challenge when set', async () => {
    const res = await h.request('/realm?apikey=alice-key')
    expect(res.status).toBe(401) // key_in_query is off on this route
    expect(res.headers['www-authenticate']).toBe('Key realm="kong"')
  })

  it('authenticates from the header and sends X-Consumer-* upstream', async () => {
    const res = await h.request('/x', { headers: { apikey: 'alice-key' } })
    expect(res.status).toBe(200)
    const echo = res.json<Echo>()
    expect(echo.headers['x-consumer-username']).toBe('alice')
    expect(echo.headers['x-consumer-custom-id']).toBe('a-1')
    expect(echo.headers['x-consumer-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(echo.headers['x-credential-identifier']).toMatch(/^[0-9a-f-]{36}$/)
    expect(echo.headers['x-anonymous-consumer']).toBeUndefined()
    expect(echo.headers.apikey).toBe('alice-key') // not hidden by default
  })

  it('authenticates from the query string; a repeated key is a duplicate', async () => {
    const ok = await h.request('/x?apikey=bob-key')
    expect(ok.json<Echo>().headers['x-consumer-username']).toBe('bob')
    const dup = await h.request('/x?apikey=bob-key&apikey=alice-key')
    expect(dup.status).toBe(401)
    expect(dup.json()).toMatchObject({ message: 'Duplicate API key found' })
  })

  it('hide_credentials strips the key from header, query and body', async () => {
    const q = await h.request('/hidden/p?apikey=alice-key&keep=1')
    expect(q.status).toBe(200)
    expect(q.json<Echo>().url).toBe('/p?keep=1') // strip_path
    const hdr = await h.request('/hidden/p', { headers: { 'x-key': 'bob-key' } })
    expect(hdr.json<Echo>().headers['x-key']).toBeUndefined()
    expect(hdr.json<Echo>().headers['x-consumer-username']).toBe('bob')
    const body = await h.request('/hidden/p', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apikey: 'alice-key', a: 1 }) })
    expect(body.status).toBe(200)
    expect(JSON.parse(body.json<Echo>().body)).toEqual({ a: 1 })
  })

  it('anonymous: falls back to the anonymous consumer with X-Anonymous-Consumer', async () => {
    const res = await h.request('/anon')
    expect(res.status).toBe(200)
    const echo = res.json<Echo>()
    expect(echo.headers['x-consumer-username']).toBe('guest')
    expect(echo.headers['x-anonymous-consumer']).toBe('true')
    expect(echo.headers['x-credential-identifier']).toBeUndefined()
    const known = await h.request('/anon', { headers: { apikey: 'alice-key' } })
    expect(known.json<Echo>().headers['x-consumer-username']).toBe('alice')
  })

  it('run_on_preflight=false lets OPTIONS through unauthenticated', async () => {
    expect((await h.request('/preflight', { method: 'OPTIONS' })).status).toBe(200)
    expect((await h.request('/x', { method: 'OPTIONS' })).status).toBe(401)
  })
})
