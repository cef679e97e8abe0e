import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { Type } from 'typebox'
import { checkPlugin, loadPlugins } from '../../../core/plugins/loader.ts'
import { adaptKongJsPdk, pluginNameFromPath } from '../../../core/plugins/kong-js-pdk.ts'
import { errors } from '../../../core/errors.ts'

const good = { name: 'ok', version: '1.0.0', priority: 10, schema: Type.Object({}), access() {} }

function refusal(def: unknown): { code: string; message: string } {
  try { checkPlugin(def, 'origin') } catch (e) { return e as { code: string; message: string } }
  throw new Error('accepted')
}

describe('checkPlugin refuses bad plugins at load', () => {
  it.each([
    ['a non-integer priority', { ...good, priority: 1.5 }, 'Plugin "ok" cannot be loaded because its PRIORITY field is not a valid integer number'],
    ['a missing priority', { ...good, priority: undefined }, 'Plugin "ok" cannot be loaded because its PRIORITY field is not a valid integer number'],
    ['a bad version', { ...good, version: '1.0' }, 'Plugin "ok" cannot be loaded because its VERSION field does not follow the "x.y.z" format'],
    ['a schema that is not TypeBox', { ...good, schema: { foo: 'string' } }, 'Plugin "ok" cannot be loaded because its schema is not a TypeBox object schema (Type.Object)'],
    ['an unknown phase method', { ...good, acess() {} }, "Plugin \"ok\" cannot be loaded because it has an unknown phase method 'acess'"],
    ['response with header_filter', { ...good, response() {}, header_filter() {} }, 'Plugin "ok" cannot be loaded because it implements both response and header_filter or body_filter'],
    ['response with body_filter', { ...good, response() {}, body_filter() {} }, 'Plugin "ok" cannot be loaded because it implements both response and header_filter or body_filter'],
    ['no name', { ...good, name: undefined }, 'Plugin "origin" cannot be loaded because its name field is missing or not a valid name'],
    ['a secrets field that is not a function', { ...good, secrets: ['x-key'] }, 'Plugin "ok" cannot be loaded because its secrets field is not a function'],
    ['a check field that is not a function', { ...good, check: true }, 'Plugin "ok" cannot be loaded because its check field is not a function'],
    ['an entities field that is not an array', { ...good, entities: {} }, 'Plugin "ok" cannot be loaded because its entities field is not an array'],
  ])('%s', (_label, def, message) => {
    const e = refusal(def)
    expect(e.code).toBe(errors.pluginInvalid.code)
    expect(e.message.startsWith(message)).toBe(true)
  })

  it('accepts a well-formed plugin', () => {
    expect(checkPlugin(good, 'x').name).toBe('ok')
  })

  it('accepts the contract\'s load-time hooks and declarations (check, secrets, entities), not only phases', () => {
    const full = { ...good, check: () => null, secrets: () => ({ headers: ['x-key'] }), entities: [] }
    expect(checkPlugin(full, 'x')).toBe(full)
  })
})

describe('kong-js-pdk modules', () => {
  class P { async access() {} }
  it('take their name from Name, else the file (or directory of an index file)', () => {
    expect(adaptKongJsPdk({ Plugin: P, Version: '1.0.0', Name: 'given' }, '/x/y.js')!.name).toBe('given')
    expect(pluginNameFromPath('/plugins/My-Plugin.cjs')).toBe('my-plugin')
    expect(pluginNameFromPath('/plugins/thing/index.js')).toBe('thing')
  })

  it('default Priority to 0 and expose only the phases the class implements', () => {
    const p = adaptKongJsPdk({ Plugin: P, Version: '1.0.0' }, 'a.js')!
    expect(p.priority).toBe(0)
    expect(typeof p.access).toBe('function')
    expect(p.log).toBeUndefined()
    expect(p.header_filter).toBeUndefined()
  })

  it('refuse phase methods kong-js-pdk does not have (header_filter, body_filter)', () => {
    class F { header_filter() {} }
    expect(() => adaptKongJsPdk({ Plugin: F, Version: '1.0.0' }, 'f.js')).toThrow(/unknown phase method 'header_filter'/)
  })

  it('refuse a bad Version and a bad Schema', () => {
    expect(() => checkPlugin(adaptKongJsPdk({ Plugin: P, Version: 'v1' }, 'v.js'), 'v.js')).toThrow(/VERSION field/)
    expect(() => adaptKongJsPdk({ Plugin: P, Version: '1.0.0', Schema: [{ a: { type: 'strng' } }] }, 's.js')).toThrow(/unknown type: strng/)
    expect(() => adaptKongJsPdk({ Plugin: P, Version: '1.0.0', Schema: [{ a: { type: 'array' } }] }, 's.js')).toThrow(/has no elements/)
  })

  it('convert the Kong schema DSL to TypeBox with required, defaults and nesting', () => {
    const p = adaptKongJsPdk({
      Plugin: P, Version: '1.0.0',
      Schema: [
        { must: { type: 'string', required: true } },
        { opt: { type: 'number' } },
        { tags: { type: 'set', elements: { type: 'string' }, len_min: 1 } },
        { m: { type: 'map', keys: { type: 'string' }, values: { type: 'integer' } } },
        { r: { type: 'record', fields: [{ on: { type: 'boolean', default: true } }] } },
      ],
    }, 's.js')!
    const s = p.schema as unknown as { required: string[]; properties: Record<string, Record<string, unknown>> }
    expect(s.required).toEqual(['must'])
    expect(s.properties.tags).toMatchObject({ type: 'array', minItems: 1, kongType: 'set' })
    expect(s.properties.m).toMatchObject({ type: 'object', kongType: 'map' })
    expect(s.properties.r).toMatchObject({ type: 'object', default: {}, properties: { on: { type: 'boolean', default: true } } })
  })
})

describe('loadPlugins', () => {
  it('loads a TypeScript plugin and a kong-js-pdk plugin by path', async () => {
    const hello = fileURLToPath(new URL('../../fixtures/plugins/hello-plugin/index.ts', import.meta.url))
    const js = fileURLToPath(new URL('../../fixtures/plugins/js-hello.cjs', import.meta.url))
    const loaded = await loadPlugins([hello, js], [])
    expect(loaded.map((p) => [p.name, p.priority])).toEqual([['hello-plugin', 1000], ['js-hello', 0]])
  })

  it('refuses a path that does not exist, naming it', async () => {
    await expect(loadPlugins(['./no/such/plugin.ts'], [])).rejects.toMatchObject({ code: errors.pluginNotFound.code })
  })
})
