// A plugin's schema is compiled into a validator when a config first uses the plugin, not when the
// registry is built: the bundled plugins' validators are ~1.5 MB of generated code per serving
// thread, and a config names a few. Validation itself is unchanged (checked on the same registry).
import { describe, expect, it } from 'vitest'
import { Type } from 'typebox'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import { BUNDLED } from '../../../plugins/index.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'

/** A plugin whose one field schema counts how often it is read (compiling reads it, building the registry must not). */
function counted(name: string): { plugin: AnyPlugin; reads: () => number } {
  let reads = 0
  const field = new Proxy(Type.Integer({ minimum: 1, default: 5 }), { get(t, k, r) { reads++; return Reflect.get(t, k, r) } })
  const plugin = { name, version: '1.0.0', priority: 1, schema: Type.Object({ limit: field }), access() {} } as unknown as AnyPlugin
  return { plugin, reads: () => reads }
}

describe('PluginRegistry compiles a schema on first use', () => {
  it('building the registry reads no field schema; the first check compiles and validates', () => {
    const a = counted('lazy-a')
    const b = counted('lazy-b')
    const reg = new PluginRegistry([a.plugin, b.plugin])
    expect([a.reads(), b.reads()]).toEqual([0, 0])
    expect(reg.check('lazy-a', { limit: 3 })).toEqual({ ok: true, value: { limit: 3 } })
    expect(a.reads()).toBeGreaterThan(0)
    expect(b.reads()).toBe(0) // a plugin no config uses is never compiled
  })

  it.each([
    [{ limit: 0 }, false],
    [{ limit: 'x' }, false],
    [{ limit: 2.5 }, false],
    [{}, true], // the default fills it
    [{ limit: 7 }, true],
  ])('validates %j the same on first and later checks (ok: %s)', (conf, ok) => {
    const reg = new PluginRegistry([counted('lazy-c').plugin])
    const first = reg.check('lazy-c', conf)
    expect(first.ok).toBe(ok)
    expect(reg.check('lazy-c', conf)).toEqual(first)
  })

  it('every bundled plugin\'s schema still compiles and accepts its defaults where it has no required field', () => {
    const reg = new PluginRegistry(BUNDLED)
    for (const p of BUNDLED) {
      const r = reg.check(p.name, {})
      // a refusal must be a field-level answer, not a throw from compiling
      expect(typeof r.ok).toBe('boolean')
    }
  })
})
