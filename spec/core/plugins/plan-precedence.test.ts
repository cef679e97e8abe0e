// Kong's 8-level config precedence (plugins_iterator.lua lookup_cfg), on buildPlans directly.
import { describe, expect, it } from 'vitest'
import { Type } from 'typebox'
import { buildPlans, sortPlugins } from '../../../core/runloop/plan.ts'
import { definePlugin, type AnyPlugin } from '../../../core/plugins/contract.ts'
import type { Entities, PluginEntity } from '../../../core/config/types.ts'

const p = definePlugin({ name: 'p', version: '1.0.0', priority: 1, schema: Type.Object({}), access() {} }) as AnyPlugin

const R = 'route-1', S = 'service-1', C = 'consumer-1'
type Scope = { r?: boolean; s?: boolean; c?: boolean }
const LEVELS: [string, Scope][] = [
  ['route+service+consumer', { r: true, s: true, c: true }],
  ['route+consumer', { r: true, c: true }],
  ['service+consumer', { s: true, c: true }],
  ['route+service', { r: true, s: true }],
  ['consumer', { c: true }],
  ['route', { r: true }],
  ['service', { s: true }],
  ['global', {}],
]

function entity(label: string, s: Scope): PluginEntity {
  return {
    id: label, name: 'p', instance_name: null, config: { label }, enabled: true, protocols: ['http'], tags: null,
    route: s.r ? { id: R } : null, service: s.s ? { id: S } : null, consumer: s.c ? { id: C } : null,
  }
}

function entities(plugins: PluginEntity[]): Entities {
  return {
    services: [], consumers: [], keyauth_credentials: [], basicauth_credentials: [], acls: [], plugins,
    routes: [{ id: R, service: { id: S } } as Entities['routes'][number]],
  }
}

describe('config precedence', () => {
  it.each(LEVELS.map((_, i) => i))('level %i wins over every less specific one', (i) => {
    const present = LEVELS.slice(i).map(([label, scope]) => entity(label, scope))
    const step = buildPlans(entities(present), [p]).byRoute.get(R)!.steps[0]!
    const expected = LEVELS[i]![0]
    const withConsumer = (step.byConsumer?.get(C) ?? step.conf) as { label: string }
    expect(withConsumer.label).toBe(expected)
    // without a consumer, the most specific non-consumer level applies
    const firstNoConsumer = LEVELS.slice(i).find(([, s]) => !s.c)![0]
    expect((step.conf as { label: string }).label).toBe(firstNoConsumer)
  })

  it('sorts by priority, ties by name descending', () => {
    const mk = (name: string, priority: number) => definePlugin({ name, version: '1.0.0', priority, schema: Type.Object({}) }) as AnyPlugin
    expect(sortPlugins([mk('a', 1), mk('c', 5), mk('b', 1), mk('z', 0)]).map((x) => x.name)).toEqual(['c', 'b', 'a', 'z'])
  })
})
