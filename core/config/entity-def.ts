// What the declarative walker needs to know about one entity type. Each `*-schema.ts` file
// exports one of these, plugin-entity.ts makes one of each entity a plugin declares; the walker
// (declarative.ts) is generic over them, as Kong's declarative_config.lua is over entity schemas.

import type { TObject } from 'typebox'
import type { Validator } from 'typebox/compile'
import type { ErrorCollector, Path } from './field-errors.ts'
import type { FoundReference } from './vault.ts'
import type { ForeignRef, PluginSchemaSource } from './types.ts'

/** A core entity type (services, routes, consumers, plugins, basicauth_credentials, acls) or one a plugin declares (plugin-entity.ts). */
export type EntityName = string

export type Fields = Record<string, unknown>

export interface CheckContext {
  readonly plugins: PluginSchemaSource
  readonly env: NodeJS.ProcessEnv
  /** vault references resolved in this entity, to be put back on export */
  readonly references: FoundReference[]
}

export interface EntityDef<T = unknown> {
  readonly name: EntityName
  /** Kong's `entity_type` in flattened errors */
  readonly singular: string
  /** compiled schema of the entity's own fields (no foreign keys, no nested children) */
  readonly validator: Validator
  /** the schema's top-level defaults, see defaultsOf() */
  readonly defaults: readonly [string, unknown][]
  /** entity types that may be nested under this one (they get the foreign key implicitly) */
  readonly children: readonly EntityName[]
  /** foreign key field → referenced entity type */
  readonly foreign: Readonly<Record<string, EntityName>>
  /** foreign keys that must be set when the entity is declared at top level */
  readonly requiredForeign: readonly string[]
  /** globally unique fields; the first is Kong's endpoint key */
  readonly unique: readonly string[]
  /** Kong's cache_key: when set, ids derive from it rather than from the endpoint key */
  readonly cacheKey?: readonly string[]
  /** fields the Admin API shows as "REDACTED" */
  readonly redact?: readonly string[]
  /** runs before validation: input-only aliases (services' `url`), Kong's pre-validation refusals */
  prepare?(fields: Fields, out: ErrorCollector, path: Path): void
  /**
   * Field checks a JSON schema cannot express (host syntax, regexes). Run even when other fields
   * are invalid, on the fields that passed the schema (so: check types before trusting a value).
   */
  checkFields?(value: Fields, out: ErrorCollector, path: Path): void
  /**
   * Entity checks, run once all fields are structurally valid and defaults are applied (Kong
   * skips entity checks over invalid fields too). `given` is the input before defaults, which
   * some of Kong's checks look at.
   */
  check?(value: Fields, given: Fields, out: ErrorCollector, path: Path, ctx: CheckContext): void
  /** the normalized, typed entity */
  build(value: Fields, id: string, refs: Readonly<Record<string, ForeignRef | null>>): T
}

/**
 * The top-level defaults of an entity schema. Applied by hand rather than with TypeBox's
 * `Default`, which re-checks unions per value and was most of the load time on large configs;
 * entity schemas only default top-level fields.
 */
export function defaultsOf(schema: TObject): readonly [string, unknown][] {
  return Object.entries(schema.properties)
    .filter(([, field]) => 'default' in field)
    .map(([name, field]) => [name, (field as { default: unknown }).default])
}

/** Fill missing fields with copies of their defaults (in place: `fields` is the walker's copy). */
export function applyDefaults(fields: Fields, defaults: readonly [string, unknown][]): Fields {
  for (const [name, value] of defaults) {
    if (fields[name] === undefined) fields[name] = Array.isArray(value) ? [...value] : value
  }
  return fields
}

/** `value ?? null` for optional fields, typed. */
export function orNull<T>(value: unknown): T | null {
  return value === undefined ? null : (value as T)
}
