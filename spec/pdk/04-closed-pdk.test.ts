// The PDK is the only way in: the `kong` object exposes its namespaces, not the request context
// behind them, and what bundled plugins used to read through it is PDK (kong.request.getId(),
// kong.plugin.getId()).
import { describe, expect, it, vi } from 'vitest'
import { Type } from 'typebox'
import { RequestContext } from '../../core/runloop/context.ts'
import { contextOf } from '../../pdk/index.ts'
import { loadConfig } from '../../core/config/load.ts'
import { definePlugin, type AnyPlugin } from '../../core/plugins/contract.ts'
import { PluginRegistry } from '../../core/plugins/registry.ts'
import { pluginHarness } from '../../public/testing/plugin-harness.ts'
import { makeKong } from './context-factory.ts'

describe('the kong object', () => {
  const { kong, ctx, enter } = makeKong()
  enter('access')
  const names = ['context', 'ctx_', '_context', 'requestContext', '#ctx', 'c']

  it.each(names)('has no property %s', (name) => {
    expect(name in kong).toBe(false)
    expect(Reflect.get(kong, name)).toBeUndefined()
  })

  it('reaches the request context through no own key, symbol or getter', () => {
    // touch every namespace so that lazily created ones exist
    for (const ns of ['request', 'response', 'service', 'client', 'log', 'router', 'ctx', 'plugin', 'db', 'node', 'cache'] as const) void kong[ns]
    const proto = Object.getPrototypeOf(kong) as object
    const keys = [...Reflect.ownKeys(kong), ...Reflect.ownKeys(proto)]
    for (const key of keys) {
      const value: unknown = Reflect.get(kong, key)
      expect(value, String(key)).not.toBeInstanceOf(RequestContext)
    }
    expect(JSON.stringify(Object.keys(kong))).not.toContain('context')
  })

  it('gives the core its context through contextOf, not through the object', () => {
    expect(contextOf(kong)).toBe(ctx)
  })
})

describe('kong.request.getId', () => {
  it.each(['rewrite', 'access', 'header_filter', 'body_filter', 'log'] as const)('is the request id in %s', (phase) => {
    const { kong, ctx, enter } = makeKong()
    enter(phase)
    expect(kong.request.getId()).toBe(ctx.requestId)
    expect(kong.request.getId()).toMatch(/^[0-9a-f]{32}$/)
  })
  it('differs between requests', () => {
    expect(makeKong().ctx.requestId).not.toBe(makeKong().ctx.requestId)
  })
})

describe('kong.plugin.getId', () => {
  const probe = definePlugin({ name: 'probe', version: '1.0.0', priority: 1, schema: Type.Object({ tag: Type.String({ default: 'g' }) }) }) as AnyPlugin
  const snap = loadConfig(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/'] }] }],
    plugins: [{ name: 'probe' }, { name: 'probe', route: 'r', config: { tag: 'r' } }],
  }), { plugins: new PluginRegistry([probe]), env: {} })

  it.each([0, 1])('is the id of the plugin entity whose config runs (instance %i)', (i) => {
    const { kong, ctx, enter } = makeKong()
    enter('access')
    ctx.config = snap
    ctx.currentPlugin = probe
    ctx.currentConf = snap.plugins[i]!.config
    expect(kong.plugin.getId()).toBe(snap.plugins[i]!.id)
  })

  it.each<[string, unknown]>([['no handler running', null], ['a config of no entity', { tag: 'g' }]])('is null with %s', (_what, conf) => {
    const { kong, ctx, enter } = makeKong()
    enter('log')
    ctx.config = snap
    ctx.currentConf = conf
    expect(kong.plugin.getId()).toBeNull()
  })

  it('names each instance in every phase on a real gateway', async () => {
    const seen: string[] = []
    const plugin = definePlugin({
      name: 'id-probe', version: '1.0.0', priority: 1, schema: Type.Object({ tag: Type.String({ default: 'global' }) }),
      access(kong, conf) { seen.push(`access:${conf.tag}:${kong.plugin.getId()}`) },
      header_filter(kong, conf) { seen.push(`header_filter:${conf.tag}:${kong.plugin.getId()}`) },
      body_filter(kong, conf, chunk) { if (chunk.eof) seen.push(`body_filter:${conf.tag}:${kong.plugin.getId()}`) },
      log(kong, conf) { seen.push(`log:${conf.tag}:${kong.plugin.getId()}`) },
    }) as AnyPlugin
    const h = await pluginHarness({
      plugins: [plugin],
      enable: [{ name: 'id-probe', id: '11111111-1111-4111-8111-111111111111' }, { name: 'id-probe', route: 'only', id: '22222222-2222-4222-8222-222222222222', config: { tag: 'route' } }],
      declarative: { routes: [{ name: 'only', service: 'harness', paths: ['/only'] }] },
    })
    try {
      expect((await h.request('/any')).status).toBe(200)
      await vi.waitFor(() => expect(seen).toHaveLength(4))
      expect((await h.request('/only')).status).toBe(200)
      await vi.waitFor(() => expect(seen).toHaveLength(8))
      const g = '11111111-1111-4111-8111-111111111111'
      const r = '22222222-2222-4222-8222-222222222222'
      expect(seen).toEqual([
        `access:global:${g}`, `header_filter:global:${g}`, `body_filter:global:${g}`, `log:global:${g}`,
        `access:route:${r}`, `header_filter:route:${r}`, `body_filter:route:${r}`, `log:route:${r}`,
      ])
    } finally {
      await h.close()
    }
  })
})
