// Translates TypeBox validation errors into Kong's canonical messages (kong/db/schema/init.lua
// `validation_errors`). TypeBox decides what is wrong; this file only says it the way Kong does, so
// the compiled validator stays the single source of truth for the structural rules.

import type { TSchema } from 'typebox'
import type { Validator } from 'typebox/compile'
import { Settings } from 'typebox/system'
import type { ErrorCollector, Path } from './field-errors.ts'

/** Extra schema options read here: Kong's container names and custom pattern messages. */
export interface KongOptions {
  /** 'set' / 'map' change the type message ("expected a set"); records and arrays need nothing */
  kongType?: 'set' | 'map'
  /** message when `pattern` fails; `%s` is replaced by the value (Kong's `err` / validator text) */
  errorMessage?: string
}

type Node = TSchema & KongOptions & Record<string, unknown>

/**
 * Run the compiled validator; when it rejects `value`, record every problem under `base`.
 * Returns true when the value is valid.
 */
export function checkSchema(validator: Validator, value: unknown, out: ErrorCollector, base: Path): boolean {
  if (validator.Check(value)) return true
  const root = validator.Type() as Node
  for (const error of allErrors(validator, value)) {
    const { path, at } = locate(value, error.instancePath)
    const where = [...base, ...path]
    const schema = resolve(root, error.schemaPath)
    const params = error.params as Record<string, unknown>
    if (!speaksForUnion(root, error.schemaPath, error.keyword)) continue
    switch (error.keyword) {
      case 'required':
        for (const name of params.requiredProperties as string[]) out.field([...where, name], 'required field missing')
        break
      case 'additionalProperties':
        for (const name of params.additionalProperties as string[]) out.field([...where, name], 'unknown field')
        break
      case 'boolean':
        break // the `additionalProperties: false` leaf; reported above as "unknown field"
      case 'const':
        out.field(where, `value must be ${String(params.allowedValue)}`)
        break
      default:
        out.field(where, message(error.keyword, schema, params, at, error.message))
    }
  }
  return false
}

/**
 * A union's branches each report why they failed, then the union reports it failed. For a
 * nullable type (`X | null`) X's own errors are the useful ones; for anything else the union's
 * error alone is reported ("expected one of: ..." for Kong's literal `one_of`).
 */
function speaksForUnion(root: Node, schemaPath: string, keyword: string): boolean {
  const m = /^(.*?)\/anyOf\/(\d+)(\/|$)/.exec(schemaPath)
  if (m === null) return keyword !== 'anyOf' || nullableBranch(resolve(root, schemaPath)) === undefined
  return nullableBranch(resolve(root, m[1])) === Number(m[2])
}

/** The index of X in a union `X | null`, else undefined. */
function nullableBranch(union: Node | undefined): number | undefined {
  const branches = union?.anyOf as Node[] | undefined
  if (branches?.length !== 2) return undefined
  const nulls = branches.map((b) => b.type === 'null')
  return nulls[0] !== nulls[1] ? nulls.indexOf(false) : undefined
}

// TypeBox stops at `maxErrors` (8), a process-wide setting; Kong reports every error. Lift the
// cap for this one synchronous call only, so no one else sees the change.
function allErrors(validator: Validator, value: unknown): ReturnType<Validator['Errors']> {
  const cap = Settings.Get().maxErrors
  Settings.Set({ maxErrors: Number.MAX_SAFE_INTEGER })
  try {
    return validator.Errors(value)
  } finally {
    Settings.Set({ maxErrors: cap })
  }
}

function message(keyword: string, schema: Node | undefined, params: Record<string, unknown>, value: unknown, fallback: string): string {
  switch (keyword) {
    case 'type':
      return typeMessage(schema)
    case 'minimum':
    case 'maximum':
      return `value should be between ${String(schema?.minimum)} and ${String(schema?.maximum)}`
    case 'minItems':
    case 'minLength':
      return `length must be at least ${String(params.limit)}`
    case 'maxItems':
    case 'maxLength':
      return `length must be at most ${String(params.limit)}`
    case 'anyOf':
      return oneOfMessage(schema, value) ?? `invalid value: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`
    case 'enum':
      return `expected one of: ${(params.allowedValues as unknown[]).join(', ')}`
    case 'pattern':
      return schema?.errorMessage !== undefined
        ? schema.errorMessage.replace('%s', String(value))
        : `invalid value: ${String(value)}`
    default:
      return fallback
  }
}

function typeMessage(schema: Node | undefined): string {
  if (schema?.kongType === 'set') return 'expected a set'
  if (schema?.kongType === 'map') return 'expected a map'
  switch (schema?.type) {
    case 'object': return 'expected a record'
    case 'array': return 'expected an array'
    case 'integer': return 'expected an integer'
    case 'string': return 'expected a string'
    case 'number': return 'expected a number'
    case 'boolean': return 'expected a boolean'
    default: return 'invalid value'
  }
}

// A union of literals is how our schemas spell Kong's `one_of`. A value of the wrong type gets
// the type message first, as Kong checks the type before `one_of`.
function oneOfMessage(schema: Node | undefined, value: unknown): string | undefined {
  const branches = schema?.anyOf as Node[] | undefined
  if (branches === undefined || !branches.every((b) => 'const' in b)) return undefined
  const values = branches.map((b) => b.const as string | number)
  if (typeof values[0] === 'number' && typeof value !== 'number') return 'expected an integer'
  if (typeof values[0] === 'string' && typeof value !== 'string') return 'expected a string'
  return `expected one of: ${values.join(', ')}`
}

/** JSON pointer into the value → path segments (array indexes as numbers) and the value there. */
function locate(value: unknown, pointer: string): { path: (string | number)[]; at: unknown } {
  const path: (string | number)[] = []
  let at = value
  if (pointer === '') return { path, at }
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(at)) {
      path.push(Number(key))
      at = at[Number(key)]
    } else {
      path.push(key)
      at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined
    }
  }
  return { path, at }
}

function resolve(root: Node, schemaPath: string): Node | undefined {
  let node: unknown = root
  for (const raw of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (raw === '') continue
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined
  }
  return node as Node | undefined
}
