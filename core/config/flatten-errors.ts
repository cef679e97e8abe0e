// Kong's `flattened_errors` (kong/db/errors.lua `declarative_config_flattened`): one entry per
// entity with errors, nested children hoisted to their own entries, field paths dotted. Array
// indexes in field paths are 1-based, as Kong's Lua tables make them.

import type { Declared } from './declarative.ts'
import { ENTITY_KEY, type ErrorCollector } from './field-errors.ts'
import type { FieldErrors } from './types.ts'

export type FlatError = { type: 'field'; field: string; message: string } | { type: 'entity'; message: string }

export interface FlattenedError {
  entity_type: string
  entity_name?: string
  entity_id?: string
  entity_tags?: string[]
  entity: Record<string, unknown>
  errors: FlatError[]
}

export function flattenErrors(items: readonly Declared[], out: ErrorCollector): FlattenedError[] {
  const flattened: FlattenedError[] = []
  for (const item of items) {
    const node = out.at(item.path)
    if (node === null) continue
    const errors: FlatError[] = []
    if (typeof node === 'string') errors.push({ type: 'entity', message: node })
    else categorize(node, '', errors, new Set(item.def.children))
    if (errors.length === 0) continue

    const entity: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(item.raw)) {
      if (!(item.def.children as readonly string[]).includes(k)) entity[k] = v
    }
    if (item.parent !== null) entity[item.parent.field] = { id: item.parent.id }
    const tags = item.raw.tags
    flattened.push({
      entity_type: item.def.singular,
      ...(typeof item.raw.name === 'string' && item.raw.name !== '' ? { entity_name: item.raw.name } : {}),
      entity_id: item.id,
      ...(Array.isArray(tags) && tags.every((t) => typeof t === 'string') ? { entity_tags: tags as string[] } : {}),
      entity,
      errors,
    })
  }
  return flattened
}

/** `skip`: keys holding nested child entities, which get entries of their own. */
function categorize(node: FieldErrors, prefix: string, errors: FlatError[], skip: ReadonlySet<string>): void {
  const entries: [string, FieldErrors | null][] = Array.isArray(node)
    ? node.map((v, i) => [String(i + 1), v])
    : Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [key, value] of entries) {
    if (value === null) continue
    if (key === ENTITY_KEY && prefix === '') {
      for (const message of [value].flat()) errors.push({ type: 'entity', message: String(message) })
    } else if (typeof value === 'string') {
      errors.push({ type: 'field', field: prefix + key, message: value })
    } else if (!(prefix === '' && skip.has(key))) {
      categorize(value, `${prefix}${key}.`, errors, new Set())
    }
  }
}
