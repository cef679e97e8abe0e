import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'

interface Echo { method: string; url: string; headers: Record<string, string>; body: string }
let h: PluginHarness

beforeAll(async () => {
  h = await pluginHarness({
    declarative: {
      routes: [
        { name: 'hdr', paths: ['/hdr'], service: 'harness' },
        { name: 'qs', paths: ['/qs'], service: 'harness' },
        { name: 'body', paths: ['/body'], service: 'harness' },
        { name: 'method', paths: ['/method'], service: 'harness' },
        { name: 'uri', paths: ['~/users/(?<id>\\d+)$'], service: 'harness' },
      ],
      plugins: [
        { name: 'request-transformer', route: 'hdr', config: {
          remove: { headers: ['x-drop'] },
          rename: { headers: ['x-old:x-new'] },
          replace: { headers: ['x-rep:replaced', 'x-absent:never'] },
          add: { headers: ['x-add:added', 'x-keep:not-used', 'x-from:$(headers.x-src)'] },
          append: { headers: ['x-app:two'] },
        } },
        { name: 'request-transformer', route: 'qs', config: {
          remove: { querystring: ['drop'] }, rename: { querystring: ['old:new'] }, replace: { querystring: ['rep:R'] },
          add: { querystring: ['add:A', 'keep:no'] }, append: { querystring: ['app:2'] },
        } },
        { name: 'request-transformer', route: 'body', config: {
          remove: { body: ['secret'] }, rename: { body: ['old:new'] }, replace: { body: ['rep:R'] }, add: { body: ['add:A'] }, append: { body: ['app:2'] },
        } },
        { name: 'request-transformer', route: 'method', config: { http_method: 'GET' } },
        { name: 'request-transformer', route: 'uri', config: { replace: { uri: '/v2/accounts/$(uri_captures.id)' } } },
      ],
    },
  })
})
afterAll(() => h.close())

describe('request-transformer', () => {
  it('headers: remove, rename, replace (only existing), add (only absent), append, templates', async () => {
    const res = await h.request('/hdr', { headers: { 'x-drop': '1', 'x-old': 'o', 'x-rep': 'r', 'x-keep': 'mine', 'x-app': 'one', 'x-src': 'tmpl' } })
    const hd = res.json<Echo>().headers
    expect(hd['x-drop']).toBeUndefined()
    expect(hd['x-old']).toBeUndefined()
    expect(hd['x-new']).toBe('o')
    expect(hd['x-rep']).toBe('replaced')
    expect(hd['x-absent']).toBeUndefined()
    expect(hd['x-add']).toBe('added')
    expect(hd['x-keep']).toBe('mine')
    expect(hd['x-from']).toBe('tmpl')
    expect(hd['x-app']).toBe('one, two')
  })

  it('querystring in Kong order', async () => {
    const res = await h.request('/qs?drop=1&old=o&rep=r&keep=k&app=1')
    const url = new URL(res.json<Echo>().url, 'http://x')
    expect(url.searchParams.get('drop')).toBeNull()
    expect(url.searchParams.get('new')).toBe('o')
    expect(url.searchParams.get('rep')).toBe('R')
    expect(url.searchParams.get('add')).toBe('A')
    expect(url.searchParams.get('keep')).toBe('k')
    expect(url.searchParams.getAll('app')).toEqual(['1', '2'])
  })

  it('json body', async () => {
    const res = await h.request('/body', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: 's', old: 'o', rep: 'r', app: 'one' }) })
    expect(JSON.parse(res.json<Echo>().body)).toEqual({ new: 'o', rep: 'R', add: 'A', app: ['one', '2'] })
  })

  it('urlencoded body', async () => {
    const res = await h.request('/body', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'secret=s&old=o&rep=r' })
    expect(new URLSearchParams(res.json<Echo>().body)).toEqual(new URLSearchParams('add=A&app=2&new=o&rep=R'))
  })

  it('http_method GET moves a form body to the query string', async () => {
    const res = await h.request('/method?a=1', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'b=2' })
    const echo = res.json<Echo>()
    expect(echo.method).toBe('GET')
    expect(new URL(echo.url, 'http://x').searchParams.get('b')).toBe('2')
  })

  it('replace.uri with a uri capture template', async () => {
    const res = await h.request('/users/42?x=1')
    expect(res.json<Echo>().url).toBe('/v2/accounts/42?x=1')
  })
})
