// Walks a parsed declarative config: top-level fields, every entity at any nesting depth, each
// validated on its own and given its id (declarative_config.lua `flatten`, `generate_ids`). Errors
// go into one collector mirroring the input; nothing stops at the first one.

import { acls, basicauthCredentials, consumers } from './consumer-schema.ts'
import { applyDefaults, type CheckContext, type EntityDef, type EntityName, type Fields } from './entity-def.ts'
import { ErrorCollector, type Path } from './field-errors.ts'
import { migrateRoutePath } from './path-checks.ts'
import { plugins } from './plugin-schema.ts'
import { routes } from './route-schema.ts'
import { checkSchema } from './schema-errors.ts'
import { services } from './service-schema.ts'
import type { PluginSchemaSource, Snapshot } from './types.ts'
import { entityId, isUuid } from './uuid.ts'
import type { FoundReference } from './vault.ts'

/** The entity types one set of plugins gives a config: the core ones and those the plugins declare. */
export interface EntityCatalog {
  /** by name; a plain object, so that `name in defs` is the top-level check it always was */
  readonly defs: Readonly<Record<EntityName, EntityDef>>
  /** top-level sections in walk order: referenced entity types before the ones referencing them */
  readonly order: readonly EntityDef[]
  /** the ones plugins declare, in plugin order */
  readonly declared: readonly EntityDef[]
}

const catalogs = new WeakMap<PluginSchemaSource, EntityCatalog>()

/**
 * Kong's order: the core entities, then the plugins' DAOs (here before basic-auth's and acl's,
 * which stand in for plugins that are not bundled). Built once per plugin set.
 */
export function entityCatalog(source: PluginSchemaSource): EntityCatalog {
  let catalog = catalogs.get(source)
  if (catalog !== undefined) return catalog
  const declared = source.entities ?? []
  const nested = declared.filter((d) => Object.values(d.foreign).includes('consumers')).map((d) => d.name)
  const consumersDef: EntityDef = nested.length === 0 ? consumers : { ...consumers, children: [...consumers.children, ...nested] }
  const order = [consumersDef, services, routes, plugins, ...declared, basicauthCredentials, acls]
  const defs: Record<EntityName, EntityDef> = {}
  for (const def of order) defs[def.name] = def
  catalogs.set(source, (catalog = { defs, order, declared }))
  return catalog
}

const snapshotCatalogs = new WeakMap<Snapshot, EntityCatalog>()
const CORE_CATALOG = entityCatalog({ has: () => false, check: () => ({ ok: false, errors: 'unknown plugin' }) })

/** The entity types a snapshot was loaded with (export, kong.db). */
export function catalogOf(snapshot: Snapshot): EntityCatalog {
  return snapshotCatalogs.get(snapshot) ?? CORE_CATALOG
}

export function rememberCatalog(snapshot: Snapshot, catalog: EntityCatalog): void {
  snapshotCatalogs.set(snapshot, catalog)
}

export const FORMAT_VERSIONS = ['1.1', '2.1', '3.0'] as const

/** One entity as declared: where it is, what was given, what validation made of it. */
export interface Declared {
  readonly def: EntityDef
  readonly path: Path
  /** the item as given, for flattened errors */
  readonly raw: Fields
  /** the entity's own fields before defaults (ids and uniqueness look at these) */
  readonly given: Fields
  /** validated fields with defaults; null when the schema rejected them */
  readonly value: Fields | null
  readonly id: string
  /** foreign keys given by name or id at top level, unresolved */
  readonly refs: Readonly<Record<string, unknown>>
  /** the implicit foreign key of a nested entity */
  readonly parent: { readonly field: string; readonly id: string } | null
  readonly references: FoundReference[]
}

export interface Walked {
  readonly catalog: EntityCatalog
  readonly items: Declared[]
  readonly out: ErrorCollector
  /** `_transform` (default true): hash basic-auth passwords */
  readonly transform: boolean
}

export interface WalkOptions {
  readonly plugins: PluginSchemaSource
  readonly env: NodeJS.ProcessEnv
}

const META_FIELDS = new Set(['_format_version', '_transform', '_comment', '_ignore'])

export function walkDeclarative(input: Fields, opts: WalkOptions): Walked {
  const out = new ErrorCollector()
  const items: Declared[] = []
  const catalog = entityCatalog(opts.plugins)
  const version = input._format_version
  if (version === undefined || version === null) out.field(['_format_version'], 'required field missing')
  else if (typeof version !== 'string') out.field(['_format_version'], 'expected a string')
  else if (!(FORMAT_VERSIONS as readonly string[]).includes(version)) {
    out.field(['_format_version'], `expected one of: ${FORMAT_VERSIONS.join(', ')}`)
  }
  const transform = input._transform ?? true
  if (typeof transform !== 'boolean') out.field(['_transform'], 'expected a boolean')
  if (input._comment != null && typeof input._comment !== 'string') out.field(['_comment'], 'expected a string')
  if (input._ignore != null && !Array.isArray(input._ignore)) out.field(['_ignore'], 'expected an array')
  for (const key of Object.keys(input)) {
    if (!META_FIELDS.has(key) && !Object.hasOwn(catalog.defs, key)) out.field([key], 'unknown field')
  }

  const walker = new Walker(out, items, catalog, { ...opts, legacyPaths: version === '1.1' || version === '2.1' })
  for (const def of catalog.order) {
    if (input[def.name] != null) walker.list(def, input[def.name], [def.name], null)
  }
  return { catalog, items, out, transform: transform !== false }
}

class Walker {
  constructor(
    private readonly out: ErrorCollector,
    private readonly items: Declared[],
    private readonly catalog: EntityCatalog,
    private readonly opts: WalkOptions & { legacyPaths: boolean },
  ) {}

  list(def: EntityDef, list: unknown, path: Path, parent: Declared['parent']): void {
    if (!Array.isArray(list)) return this.out.field(path, 'expected an array')
    list.forEach((raw, i) => this.item(def, raw, [...path, i], parent))
  }

  private item(def: EntityDef, raw: unknown, path: Path, parent: Declared['parent']): void {
    const out = this.out
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out.field(path, 'expected a record')
    const fields: Fields = {}
    const refs: Record<string, unknown> = {}
    const children: [EntityName, unknown][] = []
    for (const [key, v] of Object.entries(raw as Fields)) {
      if (v === null) continue // Kong's null: not set
      // assigning it below would set the record's prototype and drop the field without a word
      if (key === '__proto__') { out.field([...path, key], 'unknown field'); continue }
      if ((def.children as readonly string[]).includes(key)) children.push([key as EntityName, v])
      else if (Object.hasOwn(def.foreign, key)) {
        // nested entities get their foreign keys from the nesting; Kong's copy_record sets eq = null
        if (parent !== null) out.field([...path, key], 'value must be null')
        else if (typeof v === 'string' || (isRecord(v) && (typeof v.id === 'string' || typeof v.name === 'string'))) refs[key] = v
        else out.field([...path, key], 'expected a string')
      } else fields[key] = v
    }
    if (parent === null) {
      for (const f of def.requiredForeign) if (!(f in refs)) out.field([...path, f], 'required field missing')
    }
    if (this.opts.legacyPaths && def === routes && Array.isArray(fields.paths)) {
      fields.paths = fields.paths.map((p: unknown) => (typeof p === 'string' ? migrateRoutePath(p) : p))
    }
    def.prepare?.(fields, out, path)
    const given = { ...fields }
    const references: FoundReference[] = []
    let value: Fields | null = null
    if (checkSchema(def.validator, fields, out, path)) {
      value = applyDefaults(fields, def.defaults)
      def.checkFields?.(value, out, path)
      const ctx: CheckContext = { plugins: this.opts.plugins, env: this.opts.env, references }
      def.check?.(value, given, out, path, ctx)
    } else if (def.checkFields !== undefined) {
      // still report what else is wrong, on the fields the schema did accept
      const accepted = Object.fromEntries(Object.entries(fields).filter(([k]) => !out.has([...path, k])))
      def.checkFields(accepted, out, path)
    }
    const id = isUuid(given.id) ? given.id : generateId(def, given, refs, parent, path)
    this.items.push({ def, path, raw: raw as Fields, given, value, id, refs, parent, references })
    for (const [childName, list] of children) {
      const child = this.catalog.defs[childName]!
      const field = Object.keys(child.foreign).find((f) => child.foreign[f] === def.name) as string
      this.list(child, list, [...path, childName], { field, id })
    }
  }
}

/**
 * Kong's generate_ids: v5 of the cache key (`plugins:name:route:service:consumer`, references as
 * given, the parent's id for the nesting key) or of the endpoint key (name, username, key).
 * Kong gives a random id when neither exists; ours must agree across workers and reloads, so
 * it falls back to the entity's place in the file.
 */
function generateId(def: EntityDef, given: Fields, refs: Readonly<Record<string, unknown>>, parent: Declared['parent'], path: Path): string {
  const fallback = (): string => entityId(def.name, `#${path.join('.')}`)
  if (def.cacheKey !== undefined) {
    const parts: string[] = [def.name]
    for (const key of def.cacheKey) {
      if (key in def.foreign) {
        const ref = refs[key]
        parts.push(parent?.field === key ? parent.id : typeof ref === 'string' ? ref : isRecord(ref) && typeof ref.id === 'string' ? ref.id : '')
      } else if (typeof given[key] === 'string') parts.push(given[key] as string)
      else return fallback()
    }
    return entityId(def.name, parts.join(':'))
  }
  const endpointKey = def.unique[0]
  const key = endpointKey === undefined ? undefined : given[endpointKey]
  return typeof key === 'string' && key !== '' ? entityId(def.name, key) : fallback()
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
