// Kong's deterministic entity ids (kong/db/schema/others/declarative_config.lua `generate_uuid`):
// UUIDv5 in a per-entity namespace that is itself v5(ROOT, entity_name). Same file, same ids, on
// every node and every reload, which is what lets workers and peers agree without a database.

import { createHash } from 'node:crypto'

const ROOT_NAMESPACE = 'fd02801f-0957-4a15-a55a-c8d9606f30b5'
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Kong's `is_valid_uuid`: the 8-4-4-4-12 hex shape, any version. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value)
}

/** RFC 4122 version 5 (SHA-1, name-based) UUID. */
export function uuidv5(namespace: string, name: string): string {
  return v5(Buffer.from(namespace.replace(/-/g, ''), 'hex'), name)
}

function v5(namespace: Buffer, name: string): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest()
  hash[6] = (hash[6] & 0x0f) | 0x50
  hash[8] = (hash[8] & 0x3f) | 0x80
  const hex = hash.toString('hex', 0, 16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const namespaces = new Map<string, Buffer>()

/** The id Kong generates for an entity of type `entity` (e.g. 'services') whose key is `key`. */
export function entityId(entity: string, key: string): string {
  let ns = namespaces.get(entity)
  if (ns === undefined) {
    ns = Buffer.from(uuidv5(ROOT_NAMESPACE, entity).replace(/-/g, ''), 'hex')
    namespaces.set(entity, ns)
  }
  return v5(ns, key)
}
