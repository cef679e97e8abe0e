// Kong's schema DSL (kong/db/schema: `{ name = { type = "string", default = ..., ... } }` fields)
// converted to TypeBox, so a kong-js-pdk plugin's `Schema` array is validated by the same
// compiled validator, with the same Kong messages, as a TypeBox plugin's. Converted once at load.
import { Type, type TSchema, type TObject } from 'typebox'
import { errors } from '../errors.ts'

/** One field definition of Kong's DSL (the attributes a plugin schema uses). */
export interface KongFieldDef {
  type: string
  required?: boolean
  default?: unknown
  one_of?: readonly (string | number)[]
  between?: readonly [number, number]
  gt?: number
  len_min?: number
  len_max?: number
  elements?: KongFieldDef
  keys?: KongFieldDef
  values?: KongFieldDef
  fields?: readonly KongField[]
  description?: string
  [attribute: string]: unknown
}

/** `{ name: definition }`, one key per entry, in declaration order. */
export type KongField = Readonly<Record<string, KongFieldDef>>

/**
 * The record of `fields` as a TypeBox object: unknown fields are refused ("unknown field"), a
 * field is optional unless `required` (a field with a default is filled in, so it is never
 * missing after defaults are applied).
 */
export function kongFieldsToTypeBox(fields: readonly KongField[], origin: string, path = 'config'): TObject {
  if (!Array.isArray(fields)) throw errors.pluginInvalid(origin, `its schema at '${path}' is not an array of fields`)
  const props: Record<string, TSchema> = {}
  for (const entry of fields) {
    const names = entry && typeof entry === 'object' ? Object.keys(entry) : []
    if (names.length !== 1) throw errors.pluginInvalid(origin, `its schema at '${path}' has an entry that is not a single { name: definition } pair`)
    const name = names[0]!
    const def = entry[name]!
    const schema = kongFieldToTypeBox(def, origin, `${path}.${name}`)
    props[name] = def.required === true || def.default !== undefined ? schema : Type.Optional(schema)
  }
  return Type.Object(props, { additionalProperties: false })
}

function annotations(def: KongFieldDef): Record<string, unknown> {
  const a: Record<string, unknown> = {}
  if (def.default !== undefined) a.default = def.default
  if (def.description !== undefined) a.description = def.description
  return a
}

export function kongFieldToTypeBox(def: KongFieldDef, origin: string, path: string): TSchema {
  if (!def || typeof def !== 'object' || typeof def.type !== 'string') throw errors.pluginInvalid(origin, `its schema field '${path}' has no type`)
  const a = annotations(def)
  // one_of is a union of literals, which schema-errors.ts reports as Kong's "expected one of: ..."
  if (def.one_of) return Type.Union(def.one_of.map((v) => Type.Literal(v)), a)
  switch (def.type) {
    case 'string':
      return Type.String({ ...a, ...(def.len_min !== undefined && { minLength: def.len_min }), ...(def.len_max !== undefined && { maxLength: def.len_max }) })
    case 'number':
    case 'integer': {
      const range = def.between ? { minimum: def.between[0], maximum: def.between[1] } : {}
      const gt = def.gt !== undefined ? { exclusiveMinimum: def.gt } : {}
      return def.type === 'integer' ? Type.Integer({ ...a, ...range, ...gt }) : Type.Number({ ...a, ...range, ...gt })
    }
    case 'boolean':
      return Type.Boolean(a)
    case 'array':
    case 'set': {
      if (!def.elements) throw errors.pluginInvalid(origin, `its schema field '${path}' (${def.type}) has no elements`)
      const items = kongFieldToTypeBox(def.elements, origin, `${path}[]`)
      const len = { ...(def.len_min !== undefined && { minItems: def.len_min }), ...(def.len_max !== undefined && { maxItems: def.len_max }) }
      return Type.Array(items, { ...a, ...len, ...(def.type === 'set' && { kongType: 'set' }) })
    }
    case 'map': {
      if (!def.values) throw errors.pluginInvalid(origin, `its schema field '${path}' (map) has no values`)
      return Type.Record(Type.String(), kongFieldToTypeBox(def.values, origin, `${path}.*`), { ...a, kongType: 'map' })
    }
    case 'record': {
      const obj = kongFieldsToTypeBox(def.fields ?? [], origin, path)
      // Kong builds a missing record from its fields' defaults: an empty default lets them apply
      return Type.Object(obj.properties, { additionalProperties: false, default: {}, ...a })
    }
    default:
      throw errors.pluginInvalid(origin, `its schema field '${path}' has an unknown type: ${def.type}`)
  }
}
