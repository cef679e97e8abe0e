// A loaded snapshot back out: the YAML `GET /config` returns (kong/db/declarative/export.lua:
// `_format_version: "3.0"`, `_transform: false`, flat sections, foreign keys as ids, nulls kept)
// and the entity lists the Admin API serves. Both show vault references, never their secrets.

import { stringify } from 'yaml'
import { ENTITY_ORDER } from './declarative.ts'
import type { Entities, ForeignRef, Snapshot } from './types.ts'
import { restoreReferences } from './vault.ts'

/** Kong's export: loading it again gives the same entities (ids kept, passwords already hashed). */
export function exportConfig(snapshot: Snapshot): string {
  const doc: Record<string, unknown> = { _format_version: '3.0', _transform: false }
  for (const name of ENTITY_ORDER) {
    const list = listEntities(snapshot, name)
    if (list.length > 0) doc[name] = list.map(flattenForeignKeys)
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

// Kong's export writes `service: <id>` rather than `service: { id: <id> }`.
function flattenForeignKeys(entity: object): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(entity)) out[k] = k !== 'config' && isForeignRef(v) ? v.id : v
  return out
}
