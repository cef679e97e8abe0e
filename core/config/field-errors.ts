// Collects validation errors into Kong's nested shape, which mirrors the input: records by field
// name, arrays by index with null for valid items, entity-level checks under "@entity". The first
// error at a field wins, as in Kong (one message per field).

import type { FieldErrors } from './types.ts'

export type Path = readonly (string | number)[]

type Node = { [field: string]: FieldErrors } | (FieldErrors | null)[]

export const ENTITY_KEY = '@entity'

export class ErrorCollector {
  readonly root: { [field: string]: FieldErrors } = {}

  get empty(): boolean {
    return Object.keys(this.root).length === 0
  }

  /** Record `message` at `path` unless that field already has an error. */
  field(path: Path, message: string): void {
    const key = path[path.length - 1]
    const parent = this.container(path.slice(0, -1), key)
    if (parent === undefined) return
    if (get(parent, key) == null) set(parent, key, message)
  }

  /** Place a whole subtree (e.g. a plugin's config errors) at `path`, merging with what is there. */
  merge(path: Path, errors: FieldErrors): void {
    if (typeof errors === 'string') return this.field(path, errors)
    if (Array.isArray(errors)) {
      errors.forEach((e, i) => {
        if (e != null) this.merge([...path, i], e)
      })
      return
    }
    for (const [k, v] of Object.entries(errors)) {
      if (k === ENTITY_KEY) for (const m of [v].flat()) this.entity(path, String(m))
      else this.merge([...path, k], v)
    }
  }

  /** An entity check failed: append to the entity's "@entity" list. */
  entity(path: Path, message: string): void {
    const node = this.container(path, ENTITY_KEY)
    if (node === undefined || Array.isArray(node)) return
    const list = node[ENTITY_KEY]
    if (Array.isArray(list)) {
      if (!list.includes(message)) (list as string[]).push(message)
    }
    else node[ENTITY_KEY] = [message]
  }

  /**
   * An error about the entity as a whole (uniqueness, bad reference): Kong reports it as a plain
   * string in place of the entity; if the entity already has field errors it joins "@entity".
   */
  whole(path: Path, message: string): void {
    const key = path[path.length - 1]
    const parent = this.container(path.slice(0, -1), key)
    if (parent === undefined) return
    const current = get(parent, key)
    if (current == null) set(parent, key, message)
    else if (typeof current === 'string') set(parent, key, { [ENTITY_KEY]: [current, message] })
    else this.entity(path, message)
  }

  has(path: Path): boolean {
    let node: FieldErrors | null | undefined = this.root
    for (const key of path) {
      if (node == null || typeof node === 'string') return node != null
      node = get(node as Node, key)
    }
    return node != null
  }

  at(path: Path): FieldErrors | null {
    let node: FieldErrors | null | undefined = this.root
    for (const key of path) {
      if (node == null || typeof node === 'string') return null
      node = get(node as Node, key)
    }
    return node ?? null
  }

  /**
   * The container at `path`, created on the way (an array when it will be indexed by number:
   * `inner` is the key about to be used in it); undefined when a string error already covers it.
   */
  private container(path: Path, inner: string | number): Node | undefined {
    let node: Node = this.root
    for (let i = 0; i < path.length; i++) {
      const key = path[i]
      let next = get(node, key)
      if (next == null) {
        next = typeof (path[i + 1] ?? inner) === 'number' ? [] : {}
        set(node, key, next)
      }
      if (typeof next === 'string') return undefined
      node = next as Node
    }
    return node
  }
}

// field names come from the config: `constructor` must not read Object.prototype's (an error
// there was dropped as "already set"), and `__proto__` must be an own key, not the prototype
function get(node: Node, key: string | number): FieldErrors | null | undefined {
  return Object.hasOwn(node, key) ? (node as Record<string | number, FieldErrors | null | undefined>)[key] : undefined
}

function set(node: Node, key: string | number, value: FieldErrors): void {
  if (Array.isArray(node) && typeof key === 'number') {
    while (node.length < key) node.push(null)
    node[key] = value
  } else {
    Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true })
  }
}
