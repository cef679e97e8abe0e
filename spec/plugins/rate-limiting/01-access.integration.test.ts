// rate-limiting (policy local) through a real gateway: Kong's headers, 429 body, Retry-After,
// limit_by, hide_client_headers, windows rolling on the (set) clock, counters kept across a reload.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'
import { setClock } from '../../../plugins/rate-limit-counters/clock.ts'

// a fixed instant 10 s into a minute: windows are calendar aligned
const T0 = Date.UTC(2026, 0, 15, 12, 30, 10)
let now = T0
setClock(() => now)
afterEach(() => { now = T0 })
afterAll(() => setClock(null))

const routes = ['minute6', 'multi', 'hidden', 'custom', 'byheader', 'bypath', 'reload'] as const
let h: PluginHarness
beforeAll(async () => {
  h = await pluginHarness({
    declarative: { routes: routes.map((name) => ({ name, paths: [`/${name}`], service: 'harness' })) },
    enable: [
      { id: '00000000-0000-4000-8000-000000000001', name: 'rate-limiting', route: 'minute6', config: { minute: 6, limit_by: 'ip' } },
      { id: '00000000-0000-4000-8000-000000000002', name: 'rate-limiting', route: 'multi', config: { second: 2, minute: 3, hour: 10 } },
      { id: '00000000-0000-4000-8000-000000000003', name: 'rate-limiting', route: 'hidden', config: { minute: 1, hide_client_headers: true } },
      { id: '00000000-0000-4000-8000-000000000004', name: 'rate-limiting', route: 'custom', config: { hour: 1, error_code: 403, error_message: 'slow down' } },
      { id: '00000000-0000-4000-8000-000000000005', name: 'rate-limiting', route: 'byheader', config: { minute: 1, limit_by: 'header', header_name: 'x-team' } },
      { id: '00000000-0000-4000-8000-000000000006', name: 'rate-limiting', route: 'bypath', config: { minute: 1, limit_by: 'path', path: '/bypath/a' } },
    ],
  })
})
afterAll(() => h.close())

describe('rate-limiting: Kong headers and refusal', () => {
  it('minute=6: remaining 5,4,3,2,1,0, then 429 with remaining 0, Retry-After and Kong\'s body (Kong spec 04-access)', async () => {
    const seen: string[] = []
    for (let i = 0; i < 6; i++) {
      const res = await h.request('/minute6')
      expect(res.status).toBe(200)
      expect(res.headers['x-ratelimit-limit-minute']).toBe('6')
      expect(res.headers['ratelimit-limit']).toBe('6')
      expect(res.headers['ratelimit-reset']).toBe('50')
      seen.push(String(res.headers['x-ratelimit-remaining-minute']))
      expect(res.headers['ratelimit-remaining']).toBe(seen[i])
    }
    expect(seen).toEqual(['5', '4', '3', '2', '1', '0'])
    const upstreamCalls = h.upstream.received.length
    const refused = await h.request('/minute6', { headers: { accept: 'application/json' } })
    expect(refused.status).toBe(429)
    expect(refused.json<{ message: string }>().message).toBe('API rate limit exceeded')
    expect(refused.headers['x-ratelimit-remaining-minute']).toBe('0')
    expect(refused.headers['ratelimit-remaining']).toBe('0')
    expect(refused.headers['retry-after']).toBe('50')
    expect(h.upstream.received.length).toBe(upstreamCalls)
  })

  it('several periods: a header per period, RateLimit-* from the lowest remaining (tie: the longer window)', async () => {
    const a = await h.request('/multi')
    expect(a.headers['x-ratelimit-limit-second']).toBe('2')
    expect(a.headers['x-ratelimit-limit-minute']).toBe('3')
    expect(a.headers['x-ratelimit-limit-hour']).toBe('10')
    expect(a.headers['x-ratelimit-remaining-second']).toBe('1')
    expect(a.headers['x-ratelimit-remaining-minute']).toBe('2')
    expect(a.headers['ratelimit-limit']).toBe('2')
    expect(a.headers['ratelimit-reset']).toBe('1')
    const b = await h.request('/multi')
    // second 0 and minute 1: second is the lowest
    expect(b.headers['ratelimit-remaining']).toBe('0')
    expect(b.headers['ratelimit-limit']).toBe('2')
    const c = await h.request('/multi')
    expect(c.status).toBe(429)
    expect(c.headers['x-ratelimit-remaining-second']).toBe('0')
    // the refused period shows 0, the others are not decremented
    expect(c.headers['x-ratelimit-remaining-minute']).toBe('1')
    expect(c.headers['retry-after']).toBe('1')
    // the next second: the minute has one left, then the minute refuses (its Retry-After: 49 s)
    now += 1000
    expect((await h.request('/multi')).status).toBe(200)
    now += 1000
    const d = await h.request('/multi')
    expect(d.status).toBe(429)
    expect(d.headers['retry-after']).toBe('48')
  })

  it('hide_client_headers: no rate-limit header, not even Retry-After', async () => {
    const ok = await h.request('/hidden')
    const no = await h.request('/hidden')
    expect(no.status).toBe(429)
    for (const res of [ok, no]) {
      for (const name of Object.keys(res.headers)) expect(name).not.toMatch(/ratelimit|retry-after/i)
    }
  })

  it('error_code and error_message', async () => {
    expect((await h.request('/custom')).status).toBe(200)
    const res = await h.request('/custom', { headers: { accept: 'application/json' } })
    expect(res.status).toBe(403)
    expect(res.json<{ message: string }>().message).toBe('slow down')
  })

  it('the window rolls over with the clock', async () => {
    now = T0 + 3_600_000 * 5 // a fresh hour for /custom
    expect((await h.request('/custom')).status).toBe(200)
    expect((await h.request('/custom')).status).toBe(403)
    now += 3_600_000
    expect((await h.request('/custom')).status).toBe(200)
  })

  it('limit_by header: each header value has its own counter; without it, the client IP', async () => {
    expect((await h.request('/byheader', { headers: { 'x-team': 'a' } })).status).toBe(200)
    expect((await h.request('/byheader', { headers: { 'x-team': 'a' } })).status).toBe(429)
    expect((await h.request('/byheader', { headers: { 'x-team': 'b' } })).status).toBe(200)
    expect((await h.request('/byheader')).status).toBe(200)
    expect((await h.request('/byheader')).status).toBe(429)
  })

  it('limit_by path: the configured path only; other paths count by IP', async () => {
    expect((await h.request('/bypath/a')).status).toBe(200)
    expect((await h.request('/bypath/a')).status).toBe(429)
    expect((await h.request('/bypath/b')).status).toBe(200)
    expect((await h.request('/bypath/c')).status).toBe(429)
  })
})

describe('rate-limiting: counters survive a config reload', () => {
  it('same plugin id and limits: the count goes on after POST /config', async () => {
    now = T0 + 86_400_000 // a fresh day
    const yaml = (minute: number) => JSON.stringify({
      _format_version: '3.0',
      services: [{ name: 'harness', url: h.upstream.url, routes: [{ name: 'reload', paths: ['/reload'] }] }],
      plugins: [{ id: '00000000-0000-4000-8000-000000000007', name: 'rate-limiting', route: 'reload', config: { minute, limit_by: 'ip' } }],
    })
    const post = async (minute: number) => {
      const res = await request(`${h.gateway.admin}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ config: yaml(minute) }) })
      await res.body.text()
      expect(res.statusCode).toBe(201)
    }
    await post(3)
    expect((await h.request('/reload')).headers['x-ratelimit-remaining-minute']).toBe('2')
    expect((await h.request('/reload')).headers['x-ratelimit-remaining-minute']).toBe('1')
    await post(3)
    expect((await h.request('/reload')).headers['x-ratelimit-remaining-minute']).toBe('0')
    expect((await h.request('/reload')).status).toBe(429)
  })
})
