// The loaded plugins of this node, with each schema compiled once. Implements the config loader's
// PluginSchemaSource: a plugin entity's config gets its defaults and is checked here, with errors
// in Kong's nested shape; the entity types plugins declare are checked and compiled here, once.
import { Compile, type Validator } from 'typebox/compile'
import Value from 'typebox/value'
import type { FieldErrors, PluginSchemaSource } from '../config/types.ts'
import type { EntityDef } from '../config/entity-def.ts'
import { ErrorCollector } from '../config/field-errors.ts'
import { entityDefOf, isForeignKey, type EntityDeclaration } from '../config/plugin-entity.ts'
import { checkSchema } from '../config/schema-errors.ts'
import { errors } from '../errors.ts'
import type { AnyPlugin } from './contract.ts'

/** Names a declarative config already gives a meaning: the core entities and the meta fields. */
const TAKEN = new Set(['services', 'routes', 'consumers', 'plugins', 'basicauth_credentials', 'acls', 'upstreams', 'targets', 'certificates', 'snis', 'ca_certificates', 'vaults'])
const ENTITY_NAME = /^[a-z][a-z0-9_]*$/

/** Throws GW_ERR_PLUGIN_INVALID unless `decl` is an entity declaration the loader can walk. */
function checkEntity(plugin: string, decl: EntityDeclaration, owners: ReadonlyMap<string, string>): void {
  const d = decl as Partial<EntityDeclaration> | null
  if (d === null || typeof d !== 'object') throw errors.pluginInvalid(plugin, 'one of its entities is not an entity declaration')
  const name = d.name
  if (typeof name !== 'string' || !ENTITY_NAME.test(name) || name in Object.prototype) throw errors.pluginInvalid(plugin, `its entity name ${JSON.stringify(name)} is not a valid name (lowercase, digits, '_')`)
  if (TAKEN.has(name)) throw errors.pluginInvalid(plugin, `its entity '${name}' has the name of a core entity`)
  const owner = owners.get(name)
  if (owner !== undefined) throw errors.pluginInvalid(plugin, `its entity '${name}' is already declared by plugin '${owner}'`)
  const fields = d.fields
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw errors.pluginInvalid(plugin, `its entity '${name}' has no fields record`)
  for (const [field, schema] of Object.entries(fields)) {
    if (schema === null || typeof schema !== 'object') throw errors.pluginInvalid(plugin, `its entity '${name}' field '${field}' is not a TypeBox schema`)
    if (field === 'id' || field === 'tags' || field === 'created_at') throw errors.pluginInvalid(plugin, `its entity '${name}' declares '${field}', which every entity has`)
    if (isForeignKey(schema) && schema['x-foreign'] !== 'consumers') throw errors.pluginInvalid(plugin, `its entity '${name}' field '${field}' references '${schema['x-foreign']}' (only consumers can be referenced)`)
  }
  for (const key of ['unique', 'cacheKey', 'redact'] as const) {
    const list: unknown = d[key]
    if (list === undefined) continue
    if (!Array.isArray(list) || list.some((f) => typeof f !== 'string' || !Object.hasOwn(fields, f)))
      throw errors.pluginInvalid(plugin, `its entity '${name}' ${key} must list declared fields`)
  }
}

interface Entry {
  plugin: AnyPlugin
  /**
   * compiled on the first config that uses the plugin, not at start: a compiled validator is
   * generated code (~1.5 MB of heap for all the bundled plugins, in every serving thread), and a
   * config names a few of them
   */
  validator: Validator | null
}

export class PluginRegistry implements PluginSchemaSource {
  private readonly entries = new Map<string, Entry>()
  /** the entity types the plugins declare, in plugin order, compiled */
  readonly entities: readonly EntityDef[]

  constructor(plugins: readonly AnyPlugin[]) {
    const owners = new Map<string, string>()
    const entities: EntityDef[] = []
    for (const plugin of plugins) {
      this.entries.set(plugin.name, { plugin, validator: null })
      for (const decl of plugin.entities ?? []) {
        checkEntity(plugin.name, decl, owners)
        owners.set(decl.name, plugin.name)
        entities.push(entityDefOf(decl))
      }
    }
    this.entities = entities
  }

  has(name: string): boolean {
    return this.entries.has(name)
  }

  get(name: string): AnyPlugin | undefined {
    return this.entries.get(name)?.plugin
  }

  all(): AnyPlugin[] {
    return [...this.entries.values()].map((e) => e.plugin)
  }

  check(name: string, config: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; errors: FieldErrors } {
    const e = this.entries.get(name)!
    const input = config === undefined || config === null ? {} : config
    if (typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: 'expected a record' }
    const out = new ErrorCollector()
    // Value.Clone assigns keys: an own `__proto__` (JSON.parse makes them) would become the copy's
    // prototype and its fields inherited instead of refused
    const proto = protoKeyPath(input, [])
    if (proto !== null) { out.field(proto, 'unknown field'); return { ok: false, errors: out.root } }
    const value = Value.Default(e.plugin.schema, Value.Clone(input)) as Record<string, unknown>
    if (!checkSchema(e.validator ??= Compile(e.plugin.schema), value, out, [])) return { ok: false, errors: out.root }
    const entity = e.plugin.check?.(value)
    return entity ? { ok: false, errors: entity } : { ok: true, value }
  }
}

/** The path of the first own `__proto__` key in a JSON value, or null. */
function protoKeyPath(v: unknown, path: (string | number)[]): (string | number)[] | null {
  if (typeof v !== 'object' || v === null) return null
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = protoKeyPath(v[i], [...path, i])
      if (found !== null) return found
    }
    return null
  }
  for (const key of Object.keys(v)) {
    if (key === '__proto__') return [...path, key]
    const found = protoKeyPath((v as Record<string, unknown>)[key], [...path, key])
    if (found !== null) return found
  }
  return null
}
