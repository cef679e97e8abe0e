// Loads and checks plugin definitions: the bundled list, npm package names and file paths, as
// Kong's `plugins` setting (`bundled,my-plugin,./path/to/plugin.ts`). A bad plugin is refused at
// start with a message naming it, never at request time.
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { errors } from '../errors.ts'
import { PHASE_METHODS, type AnyPlugin } from './contract.ts'
import { adaptKongJsPdk } from './kong-js-pdk.ts'

const VERSION_RE = /^\d+\.\d+\.\d+$/
const KNOWN = new Set<string>([...PHASE_METHODS, 'name', 'version', 'priority', 'schema', 'check'])

/** Throws GW_ERR_PLUGIN_INVALID unless `def` is a well-formed plugin. */
export function checkPlugin(def: unknown, origin: string): AnyPlugin {
  const p = def as Partial<AnyPlugin> & Record<string, unknown>
  if (!p || typeof p !== 'object') throw errors.pluginInvalid(origin, 'it does not export a plugin object')
  if (typeof p.name !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/i.test(p.name)) throw errors.pluginInvalid(origin, 'its name field is missing or not a valid name')
  if (typeof p.priority !== 'number' || !Number.isInteger(p.priority)) throw errors.pluginInvalid(p.name, 'its PRIORITY field is not a valid integer number')
  if (typeof p.version !== 'string' || !VERSION_RE.test(p.version)) throw errors.pluginInvalid(p.name, 'its VERSION field does not follow the "x.y.z" format')
  const schema = p.schema as Record<string, unknown> | undefined
  if (!schema || typeof schema !== 'object' || schema.type !== 'object' || typeof schema.properties !== 'object')
    throw errors.pluginInvalid(p.name, 'its schema is not a TypeBox object schema (Type.Object)')
  for (const k of Object.keys(p)) {
    if (KNOWN.has(k)) continue
    if (typeof p[k] === 'function') throw errors.pluginInvalid(p.name, `it has an unknown phase method '${k}' (known: ${PHASE_METHODS.join(', ')})`)
  }
  for (const m of PHASE_METHODS) if (p[m] !== undefined && typeof p[m] !== 'function') throw errors.pluginInvalid(p.name, `its ${m} handler is not a function`)
  if (p.response && (p.header_filter || p.body_filter)) throw errors.pluginInvalid(p.name, "it implements both response and header_filter or body_filter")
  return p as AnyPlugin
}

let tsLoader: Promise<void> | null = null

/** A plugin written in TypeScript needs a loader when the gateway runs from its JS bundle. */
function ensureTypeScript(): Promise<void> {
  return (tsLoader ??= import('tsx/esm/api').then((m) => { m.register() }))
}

async function importEntry(entry: string, cwd: string): Promise<unknown> {
  const isPath = entry.startsWith('.') || isAbsolute(entry)
  if (/\.[cm]?ts$/.test(entry) && !process.execArgv.some((a) => a.includes('tsx'))) await ensureTypeScript()
  const spec = isPath ? pathToFileURL(resolve(cwd, entry)).href : entry
  const mod = (await import(spec)) as Record<string, unknown>
  return mod.default ?? mod.plugin ?? mod
}

/**
 * Resolves the `plugins` setting to plugin definitions. `bundled` expands to the bundled list;
 * a bare bundled name selects one of them; anything else is imported as a package or a path.
 */
export async function loadPlugins(entries: readonly string[], bundled: readonly AnyPlugin[], cwd = process.cwd()): Promise<AnyPlugin[]> {
  const byName = new Map<string, AnyPlugin>()
  const add = (p: AnyPlugin) => {
    if (byName.has(p.name) && byName.get(p.name) !== p) throw errors.pluginInvalid(p.name, 'another plugin with the same name is already loaded')
    byName.set(p.name, p)
  }
  for (const entry of entries) {
    if (entry === 'off') continue
    if (entry === 'bundled') { bundled.forEach(add); continue }
    const builtin = bundled.find((b) => b.name === entry)
    if (builtin) { add(builtin); continue }
    let def: unknown
    try {
      def = await importEntry(entry, cwd)
    } catch (e) {
      throw errors.pluginNotFound(entry, (e as Error).message.split('\n')[0]!)
    }
    add(checkPlugin(adaptKongJsPdk(def, entry) ?? adaptForeign(def), entry))
  }
  return [...byName.values()]
}

/** Hook for other plugin shapes (kong-js-pdk modules are adapted before it); identity by default. */
export let adaptForeign: (def: unknown) => unknown = (def) => def
export function setForeignAdapter(fn: (def: unknown) => unknown): void {
  adaptForeign = fn
}
