// A loaded snapshot back out: the YAML `GET /config` returns (kong/db/declarative/export.lua:
// `_format_version: "3.0"`, `_transform: false`, flat sections, foreign keys as ids, nulls kept)
// and the entity lists the Admin API serves. Both show vault references, never their secrets.

import { stringify } from 'yaml'
import { catalogOf } from './declarative.ts'
import type { Entities, ForeignRef, Snapshot } from './types.ts'
import { restoreReferences } from './vault.ts'

/** Kong's export: loading it again gives the same entities (ids kept, passwords already hashed). */
export function exportConfig(snapshot: Snapshot): string {
  const doc: Record<string, unknown> = { _format_version: '3.0', _transform: false }
  for (const def of catalogOf(snapshot).order) {
    const list = def.name === 'plugins' ? listEntities(snapshot, 'plugins') : entitiesOf(snapshot, def.name)
    const redact = def.redact ?? []
    if (list.length > 0) doc[def.name] = list.map((entity) => flattenForeignKeys(entity, redact))
  }
  return stringify(doc, { lineWidth: 0 })
}

/**
 * The entities of one type as the Admin API lists them, in declaration order: a fresh array of
 * the frozen entities (plugin configs with vault references restored).
 */
export function listEntities<K extends keyof Entities>(snapshot: Snapshot, type: K): Entities[K][number][] {
  const list: readonly Entities[K][number][] = snapshot[type]
  if (type !== 'plugins') return list.slice()
  return list.map((entity) => {
    const plugin = entity as Entities['plugins'][number]
    const config = restoreReferences(plugin, plugin.config)
    return (config === plugin.config ? plugin : Object.freeze({ ...plugin, config: Object.freeze(config) })) as Entities[K][number]
  })
}

const isForeignRef = (v: unknown): v is ForeignRef =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as ForeignRef).id === 'string'

/** One entity list of a snapshot by name, core or plugin-declared (own property only). */
export function entitiesOf(snapshot: Snapshot, name: string): readonly object[] {
  const list: unknown = Object.hasOwn(snapshot, name) ? Reflect.get(snapshot, name) : undefined
  return Array.isArray(list) ? list : []
}

// Kong's export writes `service: <id>` rather than `service: { id: <id> }`; a field its entity
// declares secret is never shown.
function flattenForeignKeys(entity: object, redact: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(entity)) out[k] = redact.includes(k) && v !== null ? 'REDACTED' : k !== 'config' && isForeignRef(v) ? v.id : v
  return out
}
