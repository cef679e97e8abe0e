// Vault references `{vault://env/NAME[/json-key][?prefix=P][#version]}` resolved from the process
// environment with Kong's env-vault rules (kong/pdk/vault.lua `parse_reference`,
// kong/vaults/env/init.lua): name = upper(prefix .. resource) with '-' → '_', `#2` reads
// NAME_PREVIOUS, a json-key reads one string field of a JSON value. Kong resolves lazily at
// request time; we resolve once at load, so a missing secret is a config error, not a 500 later.

import { errors } from '../errors.ts'

const REFERENCE = /^\{vault:\/\/.*\}$/s
const EMBEDDED = /\{vault:\/\/[^{}\s]*\}/g

/** Kong's `is_reference`: the whole string is one reference. */
export function isReference(value: unknown): value is string {
  return typeof value === 'string' && REFERENCE.test(value)
}

export type Resolution = { ok: true; value: string } | { ok: false; message: string }

export function resolveReference(reference: string, env: NodeJS.ProcessEnv): Resolution {
  const fail = (why: string): Resolution => ({ ok: false, message: errors.vaultReference(reference, why).message })
  const m = /^vault:\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?(?:#(.*))?$/s.exec(reference.slice(1, -1))
  if (m === null || m[1] === '') return fail('reference url is missing host')
  const [, vault, rawPath = '', query, fragment] = m
  if (vault !== 'env') return fail(`could not find vault (${vault})`)
  const parts = rawPath.slice(1).split('/').filter((p) => p !== '')
  if (parts.length === 0) return fail('reference url has empty path')
  let version = 1
  if (fragment !== undefined) {
    if (!/^\d+$/.test(fragment)) return fail('reference url has invalid version')
    version = Number(fragment)
  }
  const isDirectory = rawPath.endsWith('/')
  const key = parts.length > 1 && !isDirectory ? unescape(parts.pop() as string) : undefined
  const resource = unescape(parts.join('/'))
  const prefix = query !== undefined ? new URLSearchParams(query).get('prefix') ?? '' : ''
  let name = (prefix + resource).replace(/-/g, '_').toUpperCase()
  if (version === 2) name += '_PREVIOUS'
  const raw = env[name]
  if (raw === undefined) return fail(`no value found (environment variable ${name} is not set)`)
  if (key === undefined) return { ok: true, value: raw }
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return fail(`could not get subfield value: unable to json decode value of ${name}`)
  }
  const field = json !== null && typeof json === 'object' ? (json as Record<string, unknown>)[key] : undefined
  if (field === undefined) return fail(`could not get subfield value: no subfield ${key} in ${name}`)
  if (typeof field !== 'string') return fail(`could not get subfield value: unexpected ${typeof field} value in JSON secret for subfield ${key}`)
  return { ok: true, value: field }
}

function unescape(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

export interface FoundReference {
  readonly path: readonly (string | number)[]
  readonly reference: string
}

/**
 * A copy of `value` with every reference, in any string at any depth, replaced by its secret.
 * Reports each string that held references (to restore it on export) and each reference that
 * does not resolve.
 */
export function resolveReferences(
  value: unknown,
  env: NodeJS.ProcessEnv,
  found: FoundReference[],
  onError: (path: readonly (string | number)[], message: string) => void,
  path: (string | number)[] = [],
): unknown {
  if (isReference(value)) {
    const res = resolveReference(value, env)
    if (!res.ok) {
      onError(path, res.message)
      return value
    }
    found.push({ path, reference: value })
    return res.value
  }
  // Beyond Kong: a reference inside a longer string ("Bearer {vault://env/KEY}") is resolved in
  // place. Kong would keep such a string literally, which no working config relies on.
  if (typeof value === 'string' && value.includes('{vault://')) {
    let failed = false
    const resolved = value.replace(EMBEDDED, (ref) => {
      const res = resolveReference(ref, env)
      if (res.ok) return res.value
      if (!failed) onError(path, res.message)
      failed = true
      return ref
    })
    if (resolved !== value && !failed) found.push({ path, reference: value })
    return resolved
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveReferences(v, env, found, onError, [...path, i]))
  if (value !== null && typeof value === 'object') {
    // no prototype: a key `__proto__` (JSON and YAML make it an own key) stays a key for the
    // schema to refuse, instead of becoming this copy's prototype
    const out: Record<string, unknown> = Object.create(null)
    for (const [k, v] of Object.entries(value)) out[k] = resolveReferences(v, env, found, onError, [...path, k])
    return out
  }
  return value
}

// The snapshot holds resolved secrets (plugins read them directly). What was written as a
// reference is remembered per frozen entity, so exports and the Admin API show the reference,
// never the secret, as Kong does. Keyed weakly by the entity: it dies with its snapshot.
const remembered = new WeakMap<object, readonly FoundReference[]>()

export function rememberReferences(entity: object, found: readonly FoundReference[]): void {
  remembered.set(entity, found)
}

/** `value` (an entity's config) with the remembered reference strings put back in place. */
export function restoreReferences<T>(entity: object, value: T): T {
  const found = remembered.get(entity)
  if (found === undefined) return value
  const copy = structuredClone(value) as Record<string | number, unknown>
  for (const { path, reference } of found) {
    let node: Record<string | number, unknown> | undefined = copy
    for (const key of path.slice(0, -1)) node = node?.[key] as Record<string | number, unknown> | undefined
    if (node !== undefined && path.length > 0) node[path[path.length - 1]] = reference
  }
  return copy as T
}
