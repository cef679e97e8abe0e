// The one way client JSON is merged into, or copied onto, objects the gateway builds (provider
// bodies from `extra_body`, request-transformer tables, client-format conversions).
//
// JSON.parse is not the danger: it makes `"__proto__"` an own data property. The danger is the
// later merge: `target[k] = v` with k = "__proto__" walks into the target's prototype, and a
// recursive merge then writes into Object.prototype of the whole worker (every later request of
// every route sees the injected keys). So merges here write only into null-prototype objects and
// never by the keys `__proto__`, `constructor` or `prototype`.

export type JsonObject = Record<string, unknown>

const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * Beyond this many nested levels a merge replaces instead of recursing: both sides may be
 * client JSON, and an unbounded recursion is a stack overflow a client can ask for.
 */
export const MAX_MERGE_DEPTH = 32

/** A key that must never be written from client data (prototype access through it). */
export function isUnsafeKey(key: string): boolean {
  return UNSAFE_KEYS.has(key)
}

/** A JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** An empty object without a prototype: nothing inherited can be read from it or written through it. */
export function nullObject(): JsonObject {
  return Object.create(null) as JsonObject
}

/** A null-prototype copy of `src`'s own enumerable keys, unsafe keys left out. */
export function copyJson(src: JsonObject): JsonObject {
  const out = nullObject()
  for (const k of Object.keys(src)) if (!UNSAFE_KEYS.has(k)) out[k] = src[k]
  return out
}

/**
 * `extra` (client JSON) merged over `base`, as a new null-prototype object; neither input is
 * changed. `levels` is how many levels of nested objects merge key by key (0: a shallow
 * Object.assign; Infinity: a deep merge, bounded by MAX_MERGE_DEPTH); anything else replaces.
 * When `extra` is not a JSON object, `base` comes back as it is.
 */
export function mergeJson(base: JsonObject, extra: unknown, levels = 0): JsonObject {
  if (!isJsonObject(extra)) return base
  return merge(base, extra, Math.min(levels, MAX_MERGE_DEPTH))
}

function merge(base: JsonObject, extra: JsonObject, levels: number): JsonObject {
  const out = copyJson(base)
  for (const k of Object.keys(extra)) {
    if (UNSAFE_KEYS.has(k)) continue
    const v = extra[k]
    const current = out[k]
    out[k] = levels > 0 && isJsonObject(current) && isJsonObject(v) ? merge(current, v, levels - 1) : v
  }
  return out
}

/**
 * A lookup table read with client or upstream strings (roles, finish reasons, image formats): a
 * frozen null-prototype copy, so `constructor`, `toString` or `__proto__` find nothing instead of
 * an Object.prototype member that would travel on as a function or `{}`.
 */
export function ownTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries))
}
