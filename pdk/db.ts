// kong.db: read-only lookups into the config snapshot the request runs on (DB-less Kong serves
// these DAOs from LMDB). One PdkDb per snapshot, shared by every request on it: no allocation per
// request; each index is built on its first use and a lookup is one Map.get.
import { catalogOf } from '../core/config/declarative.ts'
import type { EntityDef } from '../core/config/entity-def.ts'
import { entitiesOf } from '../core/config/export.ts'
import type { EntityDeclaration, EntityRow } from '../core/config/plugin-entity.ts'
import type { Consumer, PluginEntityTypes, Snapshot } from '../core/config/types.ts'

/** `kong.db.consumers` */
export class ConsumersDao {
  private byId: Map<string, Consumer> | null = null
  private byUsername: Map<string, Consumer> | null = null
  private byCustomId: Map<string, Consumer> | null = null

  constructor(private readonly list: readonly Consumer[]) {}

  private index(): void {
    this.byId = new Map()
    this.byUsername = new Map()
    this.byCustomId = new Map()
    for (const c of this.list) {
      this.byId.set(c.id, c)
      if (c.username !== null) this.byUsername.set(c.username, c)
      if (c.custom_id !== null) this.byCustomId.set(c.custom_id, c)
    }
  }

  /** Consumer by id, or null. @phases any */
  select(id: string): Consumer | null {
    if (this.byId === null) this.index()
    return this.byId!.get(id) ?? null
  }
  /** Consumer by username, or null. @phases any */
  selectByUsername(username: string): Consumer | null {
    if (this.byUsername === null) this.index()
    return this.byUsername!.get(username) ?? null
  }
  /** Consumer by custom_id, or null. @phases any */
  selectByCustomId(customId: string): Consumer | null {
    if (this.byCustomId === null) this.index()
    return this.byCustomId!.get(customId) ?? null
  }
  /** Every consumer of the snapshot. @phases any */
  all(): readonly Consumer[] { return this.list }
}

type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S

/**
 * `kong.db.<name>` for an entity type a plugin declares: `select(id)`, `all()`, and one
 * `selectBy<Field>(value)` per unique field (Kong's `select_by_<field>`), e.g.
 * `kong.db.keyauth_credentials.selectByKey(key)`. @phases any
 */
export type EntityDao<D extends EntityDeclaration> = {
  /** The entity with this id, or null. @phases any */
  select(id: string): EntityRow<D> | null
  /** Every entity of this type in the snapshot, in declaration order. @phases any */
  all(): readonly EntityRow<D>[]
} & {
  readonly [F in NonNullable<D['unique']>[number] as `selectBy${Capitalize<Camel<F>>}`]: (value: string) => EntityRow<D> | null
}

/** `select_by_key` → `selectByKey`, as kong-js-pdk spells Kong's DAO methods. */
function lookupName(field: string): string {
  return 'selectBy' + field.split('_').map((w) => (w === '' ? '' : w[0]!.toUpperCase() + w.slice(1))).join('')
}

function indexBy(list: readonly object[], field: string): Map<unknown, object> {
  const m = new Map<unknown, object>()
  for (const e of list) {
    const v: unknown = Reflect.get(e, field)
    if (v !== null && !m.has(v)) m.set(v, e)
  }
  return m
}

function daoFor(list: readonly object[], def: EntityDef): Record<string, unknown> {
  let byId: Map<unknown, object> | null = null
  const dao: Record<string, unknown> = {
    select: (id: string) => (byId ??= indexBy(list, 'id')).get(id) ?? null,
    all: () => list,
  }
  for (const field of def.unique) {
    let index: Map<unknown, object> | null = null
    dao[lookupName(field)] = (value: string) => (index ??= indexBy(list, field)).get(value) ?? null
  }
  return Object.freeze(dao)
}

/**
 * Read-only DAOs over the request's config snapshot. Entity names are Kong's (`consumers`, and
 * those the loaded plugins declare, like `keyauth_credentials`), methods camelCase
 * (`select_by_key` → `selectByKey`).
 * @phases any
 * @example const cred = kong.db.keyauth_credentials.selectByKey(key)
 */
export type PdkDb = { readonly consumers: ConsumersDao } & {
  readonly [K in keyof PluginEntityTypes]: PluginEntityTypes[K] extends EntityDeclaration ? EntityDao<PluginEntityTypes[K]> : never
}

const dbs = new WeakMap<Snapshot, PdkDb>()
const EMPTY = Object.freeze({ consumers: new ConsumersDao([]) }) as PdkDb

/** The `kong.db` of one snapshot (built on first use, then shared). */
export function dbFor(snapshot: Snapshot | null): PdkDb {
  if (snapshot === null) return EMPTY
  let db = dbs.get(snapshot)
  if (db !== undefined) return db
  const daos: Record<string, unknown> = { consumers: new ConsumersDao(snapshot.consumers) }
  for (const def of catalogOf(snapshot).declared) daos[def.name] = daoFor(entitiesOf(snapshot, def.name), def)
  dbs.set(snapshot, (db = Object.freeze(daos) as PdkDb))
  return db
}
