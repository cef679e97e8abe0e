// Entry points of the declarative config loader: text → parsed value → validated, normalized,
// deep-frozen Snapshot; or a GatewayError carrying Kong's code-14 body
// (kong/db/errors.lua `declarative_config_flattened`, kong/api/routes/config.lua).

import { createHash } from 'node:crypto'
import { parseDocument } from 'yaml'
import { errors, isGatewayError, KONG_MESSAGES, withDetails, type GatewayError } from '../errors.ts'
import { isRecord, rememberCatalog, walkDeclarative } from './declarative.ts'
import { flattenErrors, type FlattenedError } from './flatten-errors.ts'
import { luaPretty } from './lua-pretty.ts'
import { resolveDeclared } from './resolve.ts'
import type { FieldErrors, PluginSchemaSource, Snapshot } from './types.ts'
import { rememberReferences } from './vault.ts'

export interface LoadOptions {
  /** validates plugin configs; the plugin registry implements it */
  plugins: PluginSchemaSource
  /** where `{vault://env/...}` references are read; default process.env */
  env?: NodeJS.ProcessEnv
}

/** Kong's code-14 body for `POST /config` and start-up errors. */
export interface ConfigErrorBody {
  code: 14
  name: 'invalid declarative configuration'
  message: string
  fields: { [field: string]: FieldErrors }
  flattened_errors: FlattenedError[]
}

/** yaml's alias-expansion budget (uses × aliases nested under the anchor) */
const MAX_ALIAS_COUNT = 1_000

/**
 * YAML or JSON (JSON is YAML, but the JSON parser is faster and is tried first when the text
 * looks like it). Throws `configEmpty` for blank input and `configParse` for syntax errors.
 */
export function parseDeclarative(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') throw errors.configEmpty()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed)
    } catch {
      // fall through: YAML flow syntax is wider than JSON, and reports errors with positions
    }
  }
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true })
  if (doc.errors.length > 0) {
    const first = doc.errors[0]
    // the first line has the reason and position; the rest is a code frame for terminals
    throw withDetails(errors.configParse(first.message.split('\n')[0].replace(/:$/, '')), undefined, first)
  }
  let value: unknown
  try {
    // aliases resolve to shared objects, but everything after this walks them once per use: the
    // cap bounds that amplification (a billion-laughs document is refused here, not expanded)
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (e) {
    // an alias past the budget, or before its anchor, is found only while resolving
    const first = (e as Error).message.split('\n')[0]!
    const message = /excessive alias count/i.test(first) ? `too many YAML aliases (more than ${MAX_ALIAS_COUNT} expansions)` : first
    throw withDetails(errors.configParse(message), undefined, e)
  }
  if (value === null || value === undefined) throw errors.configEmpty()
  return value
}

/** Parse, validate and normalize a declarative config. Throws GW_ERR_CONFIG (Kong's body in `details`). */
export function loadConfig(text: string, opts: LoadOptions): Snapshot {
  let input: unknown
  try {
    input = parseDeclarative(text)
  } catch (e) {
    if (isGatewayError(e) && e.code === errors.configParse.code) throw invalid({ error: e.message }, [], e)
    throw e
  }
  return loadConfigObject(input, text, opts)
}

/**
 * Validate and normalize an already parsed config (e.g. `POST /config` with a JSON body).
 * `source` is recorded as the snapshot's text and hashed; when empty, the JSON of `input` is used.
 */
export function loadConfigObject(input: unknown, source: string, opts: LoadOptions): Snapshot {
  if (!isRecord(input)) {
    throw invalid({ error: errors.configParse('expected an object').message }, [])
  }
  const walked = walkDeclarative(input, { plugins: opts.plugins, env: opts.env ?? process.env })
  const resolved = resolveDeclared(walked)
  if (resolved === null) throw invalid(walked.out.root, flattenErrors(walked.items, walked.out))
  const text = source !== '' ? source : JSON.stringify(input)
  const snapshot: Snapshot = deepFreeze({
    ...resolved.entities,
    hash: createHash('md5').update(text).digest('hex'),
    source: text,
  })
  for (const [entity, found] of resolved.references) rememberReferences(entity, found)
  rememberCatalog(snapshot, walked.catalog)
  return snapshot
}

/** The HTTP body for a config error, as Kong's Admin API answers (400 unless `err.status` says otherwise). */
export function configErrorBody(err: unknown): object {
  if (!isGatewayError(err)) return { message: KONG_MESSAGES.unexpected }
  if (err.code === errors.configInvalid.code && err.details !== undefined) return err.details as ConfigErrorBody
  if (err.code === errors.configParse.code) return bodyOf({ error: err.message }, [])
  return { message: err.message }
}

function bodyOf(fields: ConfigErrorBody['fields'], flattened: FlattenedError[]): ConfigErrorBody {
  return {
    code: 14,
    name: 'invalid declarative configuration',
    message: `declarative config is invalid: ${luaPretty(fields)}`,
    fields,
    flattened_errors: flattened,
  }
}

function invalid(fields: ConfigErrorBody['fields'], flattened: FlattenedError[], cause?: unknown): GatewayError {
  const body = bodyOf(fields, flattened)
  return withDetails(errors.configInvalid(body.message), body, cause)
}

function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (value !== null && typeof value === 'object' && !seen.has(value)) {
    seen.add(value)
    for (const v of Object.values(value)) deepFreeze(v, seen)
    Object.freeze(value)
  }
  return value
}
