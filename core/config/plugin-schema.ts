// Plugin entities (kong/db/schema/entities/plugins.lua). The entity fields are ours; `config` is
// the plugin's own business, validated through the PluginSchemaSource the registry provides.

import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { defaultsOf, orNull, type CheckContext, type EntityDef, type Fields } from './entity-def.ts'
import { ENTITY_KEY, type ErrorCollector, type Path } from './field-errors.ts'
import { ownConfig } from './own-config.ts'
import { extras, HTTP_PROTOCOLS, id, oneOf, PROTOCOLS, set, tags, timestamp, utf8Name } from './typedefs.ts'
import type { FieldErrors, PluginEntity } from './types.ts'
import { resolveReferences } from './vault.ts'

export const PluginSchema = Type.Object(
  {
    id: Type.Optional(id),
    name: Type.String(),
    instance_name: Type.Optional(utf8Name),
    created_at: Type.Optional(timestamp),
    updated_at: Type.Optional(timestamp),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    protocols: Type.Optional(set(oneOf(PROTOCOLS), { default: [...HTTP_PROTOCOLS] })),
    tags: Type.Optional(tags),
    ...extras,
  },
  { additionalProperties: false },
)

/**
 * The plugin must be enabled, then its config is checked by the plugin's schema. Vault
 * references are resolved first in ANY string of `config`, at any depth: plugin schemas come
 * from elsewhere and do not tell us which fields Kong would mark `referenceable`, and a secret
 * in a plugin config is the common case. An unresolved reference is an error at its path.
 */
function check(value: Fields, _given: Fields, out: ErrorCollector, path: Path, ctx: CheckContext): void {
  const name = value.name as string
  if (!ctx.plugins.has(name)) {
    out.field([...path, 'name'], `plugin '${name}' not enabled; add it to the 'plugins' configuration property`)
    return
  }
  const configPath = [...path, 'config']
  let broken = false
  const config = resolveReferences(value.config ?? {}, ctx.env, ctx.references, (at, message) => {
    out.field([...configPath, ...at], message)
    broken = true
  })
  if (broken) return
  const result = ctx.plugins.check(name, config)
  if (result.ok) {
    // ours to freeze, not the plugin's defaults; without prototypes, so plugins read own fields only
    value.config = ownConfig(result.value)
    return
  }
  placeConfigErrors(result.errors, out, path)
}

// Plugin entity checks (Kong's `only_one_of = {"config.allow", "config.deny"}`) report at the
// plugin's "@entity", not inside config: a top-level "@entity" in the errors is hoisted there.
function placeConfigErrors(errors: FieldErrors, out: ErrorCollector, path: Path): void {
  if (typeof errors === 'object' && !Array.isArray(errors) && ENTITY_KEY in errors) {
    const { [ENTITY_KEY]: entity, ...fields } = errors
    for (const message of [entity].flat()) out.entity(path, String(message))
    if (Object.keys(fields).length > 0) out.merge([...path, 'config'], fields)
    return
  }
  out.merge([...path, 'config'], errors)
}

export const plugins: EntityDef<PluginEntity> = {
  name: 'plugins',
  singular: 'plugin',
  validator: Compile(PluginSchema),
  defaults: defaultsOf(PluginSchema),
  children: [],
  foreign: { route: 'routes', service: 'services', consumer: 'consumers' },
  requiredForeign: [],
  unique: ['instance_name'],
  cacheKey: ['name', 'route', 'service', 'consumer'],
  check,
  build: (v, id, refs) => ({
    id,
    name: v.name as string,
    instance_name: orNull(v.instance_name),
    config: v.config as Record<string, unknown>,
    enabled: v.enabled as boolean,
    protocols: v.protocols as string[],
    route: refs.route ?? null,
    service: refs.service ?? null,
    consumer: refs.consumer ?? null,
    tags: orNull(v.tags),
  }),
}
