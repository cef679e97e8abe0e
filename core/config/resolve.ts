// Second pass over the declared entities: uniqueness (declarative_config.lua
// `populate_references`), foreign references by endpoint key or id (`validate_references`), then
// the typed, flat Entities. Kong's messages; errors placed on the entity or field they concern.

import { basicauthCredentials, hashBasicAuthPassword } from './consumer-schema.ts'
import type { Declared, Walked } from './declarative.ts'
import { isRecord } from './declarative.ts'
import { plugins } from './plugin-schema.ts'
import type { EntityName } from './entity-def.ts'
import type { ErrorCollector } from './field-errors.ts'
import type { Entities, ForeignRef } from './types.ts'
import type { FoundReference } from './vault.ts'

type Refs = Record<string, ForeignRef | null>
interface Index {
  byKey: Map<EntityName, Map<string, Declared>>
  byId: Map<EntityName, Map<string, Declared>>
}

const uniqueness = (entity: string, key: string, value: string): string =>
  `uniqueness violation: '${entity}' entity with ${key} set to '${value}' already declared`

/** Check uniqueness and references; when all is well, the flat entities (else null). */
export function resolveDeclared(walked: Walked): { entities: Entities; references: Map<object, FoundReference[]> } | null {
  const { items, out } = walked
  const failed = new Set<Declared>()
  const index = indexItems(items, out, failed)
  const resolved = new Map<Declared, Refs>()
  for (const item of items) resolved.set(item, resolveRefs(item, index, out))
  checkPluginScopes(items, resolved, out, failed)
  // primary keys last: a duplicate already reported by name or scope is not reported twice
  const seen = new Map<EntityName, Set<string>>()
  for (const item of items) {
    const ids = seen.get(item.def.name) ?? new Set<string>()
    seen.set(item.def.name, ids)
    if (ids.has(item.id) && !failed.has(item)) out.whole(item.path, uniqueness(item.def.name, 'primary key', item.id))
    ids.add(item.id)
  }
  if (!out.empty) return null

  const lists = Object.fromEntries(walked.catalog.order.map((def) => [def.name, [] as unknown[]])) as Record<EntityName, unknown[]>
  const references = new Map<object, FoundReference[]>()
  for (const item of items) {
    const value = item.value as Record<string, unknown>
    const refs = resolved.get(item) as Refs
    if (item.def === basicauthCredentials && walked.transform) {
      value.password = hashBasicAuthPassword((refs.consumer as ForeignRef).id, value.password as string)
    }
    const entity = item.def.build(value, item.id, refs) as object
    lists[item.def.name]!.push(entity)
    if (item.references.length > 0) references.set(entity, item.references)
  }
  if (!hasEveryList(lists, walked.catalog)) throw new Error('entity catalog without core entity lists')
  return { entities: lists, references }
}

/** Every list the catalog names is there, each filled by its own definition's build: the Entities shape. */
function hasEveryList(lists: object, catalog: Walked['catalog']): lists is Entities {
  return catalog.order.every((def) => Array.isArray(Reflect.get(lists, def.name)))
}

/** Unique fields (endpoint key first) in declaration order; the first declaration wins. */
function indexItems(items: readonly Declared[], out: ErrorCollector, failed: Set<Declared>): Index {
  const index: Index = { byKey: new Map(), byId: new Map() }
  const values = new Map<string, Set<string>>()
  for (const item of items) {
    const { name, unique } = item.def
    for (const field of unique) {
      const v = item.given[field]
      if (typeof v !== 'string') continue
      const seen = values.get(`${name}.${field}`) ?? new Set<string>()
      values.set(`${name}.${field}`, seen)
      if (seen.has(v)) {
        out.whole(item.path, uniqueness(name, field, v))
        failed.add(item)
        break
      }
      seen.add(v)
      if (field === unique[0]) mapOf(index.byKey, name).set(v, item)
    }
    const byId = mapOf(index.byId, name)
    if (!byId.has(item.id)) byId.set(item.id, item)
  }
  return index
}

function mapOf(m: Map<EntityName, Map<string, Declared>>, name: EntityName): Map<string, Declared> {
  let inner = m.get(name)
  if (inner === undefined) m.set(name, (inner = new Map()))
  return inner
}

function resolveRefs(item: Declared, index: Index, out: ErrorCollector): Refs {
  const refs: Refs = {}
  for (const field of Object.keys(item.def.foreign)) refs[field] = null
  if (item.parent !== null) refs[item.parent.field] = { id: item.parent.id }
  for (const [field, given] of Object.entries(item.refs)) {
    const target = item.def.foreign[field]
    const key = typeof given === 'string' ? given : isRecord(given) ? String(given.id ?? given.name) : ''
    const found = index.byKey.get(target)?.get(key) ?? index.byId.get(target)?.get(key)
    if (found !== undefined) refs[field] = { id: found.id }
    else {
      const shown = typeof given === 'string' ? given : JSON.stringify(given)
      out.field([...item.path, field], `invalid reference '${field}: ${shown}' (no such entry in '${target}')`)
    }
  }
  return refs
}

/**
 * A plugin is unique per (name, route, service, consumer) once references are resolved: Kong's
 * cache-key ids catch two globals, but not a nested plugin and a top-level one naming the same
 * route, which Kong's database would refuse.
 */
function checkPluginScopes(items: readonly Declared[], resolved: Map<Declared, Refs>, out: ErrorCollector, failed: Set<Declared>): void {
  const scopes = new Set<string>()
  for (const item of items) {
    if (item.def !== plugins || failed.has(item) || typeof item.given.name !== 'string') continue
    const refs = resolved.get(item) as Refs
    const scope = [item.given.name, refs.route?.id, refs.service?.id, refs.consumer?.id].map((s) => s ?? '').join(':')
    if (scopes.has(scope)) {
      out.whole(item.path, `${uniqueness('plugins', 'name', item.given.name)} for the same route, service and consumer`)
      failed.add(item)
    }
    scopes.add(scope)
  }
}
