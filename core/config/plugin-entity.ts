// Entities a plugin declares for itself (Kong's `daos.lua`): key-auth's `keyauth_credentials`, a
// third-party plugin's own. The declarative loader walks, validates, ids and indexes them with the
// same code as the core entities; the declaration only says what differs.

import { Type, type Static, type TObject, type TProperties, type TSchema, type TUnsafe } from 'typebox'
import { Compile } from 'typebox/compile'
import { defaultsOf, orNull, type EntityDef } from './entity-def.ts'
import { extras, id, tags, timestamp } from './typedefs.ts'
import type { ForeignRef } from './types.ts'

/** Entity types a plugin entity may reference (and be nested under). */
export type ForeignEntity = 'consumers'

/** A foreign key field: Kong's `{ type = "foreign", reference = "consumers", required = true }`. */
export type TForeign = TUnsafe<ForeignRef> & { readonly 'x-foreign': ForeignEntity }

/**
 * A required foreign key to `reference`. Declared at top level it is given as the referenced
 * entity's endpoint key or id (`consumer: alice`); nested under that entity it is implicit.
 */
export function foreignKey(reference: ForeignEntity): TForeign {
  return Type.Unsafe<ForeignRef>({ 'x-foreign': reference }) as TForeign
}

export function isForeignKey(schema: TSchema): schema is TForeign {
  return typeof (schema as { 'x-foreign'?: unknown })['x-foreign'] === 'string'
}

/** One entity type a plugin owns. */
export interface EntityDeclaration<F extends TProperties = TProperties, U extends string = string> {
  /** the declarative section, the `kong.db` name and the Admin API name (plural, Kong's DAO name) */
  readonly name: string
  /**
   * The entity's own fields as TypeBox schemas, in the order the normalized entity lists them
   * (`id` comes first and `tags` last; `id`, `created_at` and `tags` are accepted on input
   * without being declared). A `foreignKey('consumers')` field makes it a consumer's entity,
   * declarable under a consumer or at top level.
   */
  readonly fields: F
  /**
   * Globally unique fields; the first is Kong's endpoint key (an entity without an `id` gets one
   * derived from it). Each has a lookup: `kong.db.<name>.selectBy<Field>(value)`.
   */
  readonly unique?: readonly U[]
  /** Kong's cache_key: when set, ids derive from these fields rather than the endpoint key */
  readonly cacheKey?: readonly string[]
  /**
   * Fields the Admin API never shows (`GET /config` exports them as "REDACTED"). Leave a field
   * out when exports must load back as they are (Kong shows key-auth's keys to its Admin API).
   */
  readonly redact?: readonly string[]
}

type FieldNames<F> = readonly (keyof F & string)[]

/**
 * Identity helper: keeps field and unique names literal (for the typed `kong.db` lookups) and
 * checks that `unique`, `cacheKey` and `redact` name declared fields.
 */
export function defineEntity<const F extends TProperties, const U extends keyof F & string = never>(
  decl: EntityDeclaration<F, U> & { readonly cacheKey?: FieldNames<F>; readonly redact?: FieldNames<F> },
): EntityDeclaration<F, U> {
  return decl
}

type Nullable<S> = { readonly [K in keyof S]-?: undefined extends S[K] ? Exclude<S[K], undefined> | null : S[K] }

/** The normalized entity the config snapshot holds: id, the declared fields (absent optional ones null), tags. */
export type EntityRow<D extends EntityDeclaration> =
  { readonly id: string } & Nullable<Static<TObject<D['fields']>>> & { readonly tags: readonly string[] | null }

/** Fields every entity accepts on input. */
const BASE = { id: Type.Optional(id), created_at: Type.Optional(timestamp), tags: Type.Optional(tags), ...extras }

/** The loader's view of a declaration: schema compiled once, foreign keys split out. */
export function entityDefOf(decl: EntityDeclaration): EntityDef {
  const own: TProperties = {}
  const foreign: Record<string, ForeignEntity> = {}
  for (const [field, schema] of Object.entries(decl.fields)) {
    if (isForeignKey(schema)) foreign[field] = schema['x-foreign']
    else own[field] = schema
  }
  const schema = Type.Object({ ...BASE, ...own }, { additionalProperties: false })
  const fields = Object.keys(decl.fields)
  return {
    name: decl.name,
    singular: decl.name.endsWith('s') ? decl.name.slice(0, -1) : decl.name,
    validator: Compile(schema),
    defaults: defaultsOf(schema),
    children: [],
    foreign,
    requiredForeign: Object.keys(foreign),
    unique: decl.unique ?? [],
    ...(decl.cacheKey !== undefined && { cacheKey: decl.cacheKey }),
    redact: decl.redact ?? [],
    build(value, entityId, refs) {
      const row: Record<string, unknown> = { id: entityId }
      for (const field of fields) row[field] = field in foreign ? refs[field] : orNull(value[field])
      row.tags = orNull(value.tags)
      return row
    },
  }
}
