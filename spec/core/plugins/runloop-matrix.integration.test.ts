// Kong's phase/ordering/scoping/short-circuit rules, observed through a real gateway.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Type } from 'typebox'
import { definePlugin, type AnyPlugin } from '../../../core/plugins/contract.ts'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'

/** request id (x-req) → "plugin:phase" events in the order they ran */
const events = new Map<string, string[]>()
const record = (req: string | undefined, e: string) => { if (req) (events.get(req) ?? events.set(req, []).get(req)!).push(e) }

function recorder(name: string, priority: number, exitHeader?: string): AnyPlugin {
  return definePlugin({
    name, version: '1.0.0', priority,
    schema: Type.Object({ tag: Type.String({ default: 'global' }) }),
    access(kong, conf) {
      record(kong.request.getHeader('x-req'), `${name}:access:${conf.tag}`)
      kong.service.request.setHeader(`x-tag-${name}`, conf.tag)
      if (exitHeader && kong.request.getHeader(exitHeader)) return kong.response.exit(418, { by: name })
      if (kong.request.getHeader('x-throw') === name) throw new Error(`${name} failed`)
    },
    header_filter(kong) { record(kong.request.getHeader('x-req'), `${name}:header_filter:${kong.response.getSource()}`) },
    body_filter(kong, _conf, chunk) { if (chunk.eof) record(kong.request.getHeader('x-req'), `${name}:body_filter`) },
    log(kong) { record(kong.request.getHeader('x-req'), `${name}:log:${kong.response.getStatus()}`) },
  }) as AnyPlugin
}

const high = recorder('p-high', 2000, 'x-exit-high')
const tieB = recorder('p-b', 1000, 'x-exit-b')
const tieA = recorder('p-a', 1000)
const low = recorder('p-low', 10)

let h: PluginHarness
let seq = 0
const req = async (path: string, headers: Record<string, string> = {}) => {
  const id = `r${++seq}`
  const res = await h.request(path, { headers: { 'x-req': id, ...headers } })
  // log runs after the response is sent
  await vi.waitFor(() => expect(events.get(id)?.some((e) => e.startsWith('p-low:log'))).toBe(true))
  return { res, ev: events.get(id)! }
}

beforeAll(async () => {
  h = await pluginHarness({
    plugins: [high, tieA, tieB, low],
    declarative: {
      consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'ka' }] }, { username: 'bob', keyauth_credentials: [{ key: 'kb' }] }],
      routes: [{ name: 'auth', paths: ['/auth'], service: 'harness' }],
      plugins: [
        { name: 'key-auth', route: 'auth', config: { anonymous: 'bob' } },
        // consumer-scoped: p-a runs after key-auth (1250) so sees alice; p-high (2000) runs before it, so cannot
        { name: 'p-a', consumer: 'alice', config: { tag: 'alice' } },
        { name: 'p-high', consumer: 'alice', config: { tag: 'alice' } },
      ],
    },
    enable: [{ name: 'p-high' }, { name: 'p-a' }, { name: 'p-b' }, { name: 'p-low' }],
  })
})
afterAll(() => h.close())

describe('runloop', () => {
  it('runs every phase in priority order, ties by name (reverse alphabetical, as Kong)', async () => {
    const { res, ev } = await req('/x')
    expect(res.status).toBe(200)
    expect(ev).toEqual([
      'p-high:access:global', 'p-b:access:global', 'p-a:access:global', 'p-low:access:global',
      'p-high:header_filter:service', 'p-b:header_filter:service', 'p-a:header_filter:service', 'p-low:header_filter:service',
      'p-high:body_filter', 'p-b:body_filter', 'p-a:body_filter', 'p-low:body_filter',
      'p-high:log:200', 'p-b:log:200', 'p-a:log:200', 'p-low:log:200',
    ])
  })

  it('exit in access skips later access handlers and the upstream; header_filter/body_filter/log still run for all', async () => {
    const before = h.upstream.received.length
    const { res, ev } = await req('/x', { 'x-exit-b': '1' })
    expect(res.status).toBe(418)
    expect(res.json()).toEqual({ by: 'p-b' })
    expect(h.upstream.received.length).toBe(before)
    expect(ev.filter((e) => e.includes(':access'))).toEqual(['p-high:access:global', 'p-b:access:global'])
    expect(ev.filter((e) => e.includes(':header_filter'))).toEqual(['p-high', 'p-b', 'p-a', 'p-low'].map((p) => `${p}:header_filter:exit`))
    expect(ev.filter((e) => e.includes(':log'))).toEqual(['p-high', 'p-b', 'p-a', 'p-low'].map((p) => `${p}:log:418`))
  })

  it('a throwing access handler gives Kong 500 for that request only; later phases still run', async () => {
    const { res, ev } = await req('/x', { 'x-throw': 'p-a' })
    expect(res.status).toBe(500)
    expect(res.json()).toMatchObject({ message: 'An unexpected error occurred' })
    expect(ev).toContain('p-low:header_filter:error')
    expect(ev).not.toContain('p-low:access:global')
    expect((await h.request('/x')).status).toBe(200)
  })

  it('consumer-scoped configs resolve only for plugins that run after the auth plugin', async () => {
    const alice = await req('/auth', { apikey: 'ka' })
    const up = alice.res.json<{ headers: Record<string, string> }>().headers
    expect(up['x-tag-p-a']).toBe('alice')
    expect(up['x-tag-p-high']).toBe('global')
    const anon = await req('/auth')
    expect(anon.res.json<{ headers: Record<string, string> }>().headers['x-tag-p-a']).toBe('global')
  })
})
