// kong.log.setSerializeValue's edits of the log record. A request stores them flat, in call order
// (key, value, mode: three slots of one array, no object per call), and nothing else happens until
// kong.log.serialize() builds a record: most requests are never serialized (no logging plugin),
// and ai-proxy alone makes a dozen edits per answer. A plugin whose values cost something to make
// defers them (`defer`): its writer runs only when a record is built, at its place in the order.
//
// Applying an edit follows Kong's set_serialize_value: the key is a dotted path (`\.` is a literal
// dot), missing or non-table steps become tables, mode `add` writes only an absent value, `replace`
// only a present one. Keys are the plugins' own (mostly constants), split once and cached. The
// record is written by own properties only: a step named `__proto__`, `constructor` or
// `toString` is an ordinary key of the log record (as in Kong's Lua tables), never a way into a
// prototype, and an inherited property does not count as present. A step into a frozen object
// (the config's route, service and consumer, which the record shows as they are) writes into a copy
// put in its place; other objects are written in place, as Kong writes into a table.
import { rootLog } from '../log.ts'

export type SerializeMode = 'set' | 'add' | 'replace'
/** Sets one value of the record being built (what a deferred writer is handed). */
export type SerializeSetter = (key: string, value: unknown, mode?: SerializeMode) => void
export type SerializeWriter = (set: SerializeSetter) => void

/** A request's edits: key (or a writer), value, mode, repeated; in call order. */
export type SerializeEdits = unknown[]

// not a string: a JS plugin's mode is whatever it passes, and must not turn its value into a writer
const DEFERRED = Symbol('deferred writer')

export function addEdit(edits: SerializeEdits, key: string, value: unknown, mode: SerializeMode): void {
  edits.push(key, value, mode)
}

export function addWriter(edits: SerializeEdits, write: SerializeWriter): void {
  edits.push(write, null, DEFERRED)
}

// Paths by key: the keys plugins use are a small fixed set, so each is split once. Capped, so keys
// made from request data cannot grow it without bound (past the cap they are split per use).
const PATH_CACHE_MAX = 1024
const paths = new Map<string, readonly string[]>()

function split(key: string): readonly string[] {
  return key.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'))
}

export function pathOf(key: string): readonly string[] {
  let p = paths.get(key)
  if (p === undefined) {
    p = split(key)
    if (paths.size < PATH_CACHE_MAX) paths.set(key, p)
  }
  return p
}

type Obj = Record<string, unknown>

function own(o: Obj, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined
}

function put(o: Obj, k: string, v: unknown): void {
  // an assignment to `__proto__` would set the prototype: define it as the own key it is
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true })
  else o[k] = v
}

/** A copy of a frozen object (the config's route, service, consumer), same prototype, that an edit may write. */
function writableCopy(v: object): Obj {
  if (Array.isArray(v)) return v.slice() as unknown as Obj
  return Object.assign(Object.create(Object.getPrototypeOf(v) as object | null) as Obj, v)
}

/** Sets one value of `record` (the setter serialize() hands deferred writers too). */
function setIn(record: Obj, key: string, value: unknown, mode: SerializeMode = 'set'): void {
  const path = pathOf(key)
  let o = record
  const last = path.length - 1
  for (let i = 0; i < last; i++) {
    const k = path[i]!
    let v = own(o, k)
    if (typeof v !== 'object' || v === null) put(o, k, (v = {}))
    else if (!Object.isExtensible(v)) put(o, k, (v = writableCopy(v)))
    o = v as Obj
  }
  const k = path[last]!
  const has = own(o, k) !== undefined
  if (mode === 'add' && has) return
  if (mode === 'replace' && !has) return
  put(o, k, value)
}

/** Applies a request's edits, in order, to the record serialize() built. */
export function applyEdits(record: object, edits: SerializeEdits): void {
  const r = record as Obj
  let set: SerializeSetter | null = null
  for (let i = 0; i + 2 < edits.length; i += 3) {
    const mode = edits[i + 2]
    if (mode === DEFERRED) {
      try {
        ;(edits[i] as SerializeWriter)((set ??= (k, v, m) => setIn(r, k, v, m)))
      } catch (err) {
        // a plugin's writer failing must not cost the record (nor fail the logging plugin asking for it)
        rootLog.error({ err }, 'a deferred log-record writer failed; the values it had not set are left out')
      }
    } else {
      setIn(r, edits[i] as string, edits[i + 1], mode as SerializeMode)
    }
  }
}
