// Loads and checks plugin definitions, as Kong's `plugins` setting
// (`bundled,my-plugin,./path/to/plugin.ts`): the bundled list or one bundled name; a file (.ts,
// .mts, .js, .mjs, .cjs); a folder with a package.json; an npm package name, resolved from the
// gateway, then from the working directory. A bad plugin is refused at start with a message
// naming it, never at request time.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { errors } from '../errors.ts'
import { ROOT } from '../paths.ts'
import { PHASE_METHODS, type AnyPlugin } from './contract.ts'
import { adaptKongJsPdk } from './kong-js-pdk.ts'

const VERSION_RE = /^\d+\.\d+\.\d+$/
/** The contract's fields besides the phase methods (core/plugins/contract.ts): hooks called at config load, declarations. */
const HOOKS = ['check', 'secrets'] as const
const KNOWN = new Set<string>([...PHASE_METHODS, ...HOOKS, 'name', 'version', 'priority', 'schema', 'entities'])

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
  for (const m of HOOKS) if (p[m] !== undefined && typeof p[m] !== 'function') throw errors.pluginInvalid(p.name, `its ${m} field is not a function`)
  if (p.entities !== undefined && !Array.isArray(p.entities)) throw errors.pluginInvalid(p.name, 'its entities field is not an array')
  if (p.response && (p.header_filter || p.body_filter)) throw errors.pluginInvalid(p.name, "it implements both response and header_filter or body_filter")
  return p as AnyPlugin
}

const PLUGIN_FILE = /\.(?:[cm]?ts|[cm]?js)$/

/**
 * Lets a plugin file outside the gateway import `tollgate/plugin` and `typebox` (the gateway's
 * copies) and be TypeScript. Loaded by path at run time, never bundled: the hooks must come from
 * the gateway's own folder whether the gateway runs from source or from .build/.
 */
function registerPluginHooks(): Promise<void> {
  const url = pathToFileURL(join(ROOT, 'core/plugins/register-hooks.mjs')).href
  return import(url).then((m: { registerPluginHooks(): Promise<void> }) => m.registerPluginHooks())
}

/** A folder's entry file: package.json `exports['.']` (import or default), else `main`, else index. */
function folderEntry(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports?: unknown; main?: unknown }
  const root = pkg.exports !== null && typeof pkg.exports === 'object' && !Array.isArray(pkg.exports) && Object.hasOwn(pkg.exports, '.')
    ? (pkg.exports as Record<string, unknown>)['.'] : pkg.exports
  const fromExports = typeof root === 'string' ? root
    : root !== null && typeof root === 'object' ? ['import', 'node', 'default'].map((k) => Object.hasOwn(root, k) ? (root as Record<string, unknown>)[k] : undefined).find((v) => typeof v === 'string') : undefined
  const candidates = [fromExports, pkg.main, 'index.ts', 'index.mts', 'index.js', 'index.mjs', 'index.cjs'].filter((c): c is string => typeof c === 'string')
  for (const c of candidates) {
    const f = resolve(dir, c)
    if (existsSync(f) && statSync(f).isFile()) return f
  }
  throw new Error(`${join(dir, 'package.json')} names no entry file that exists (exports, main or index.*)`)
}

/** The file a path entry names: the file itself, or a folder's package entry. */
function pathEntry(entry: string, cwd: string): string {
  const abs = resolve(cwd, entry)
  if (!existsSync(abs)) throw new Error(`no such file or folder: ${abs}`)
  if (statSync(abs).isDirectory()) {
    if (!existsSync(join(abs, 'package.json'))) throw new Error(`${abs} is a folder without a package.json`)
    return folderEntry(abs)
  }
  if (!PLUGIN_FILE.test(abs)) throw new Error(`${abs} is not a .ts, .mts, .js, .mjs or .cjs file`)
  return abs
}

/** An npm package: from the gateway's node_modules first, then from the working directory's (or a parent's). */
async function importPackage(name: string, cwd: string): Promise<Record<string, unknown>> {
  try {
    return (await import(name)) as Record<string, unknown>
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e
    for (let dir = resolve(cwd); ; dir = dirname(dir)) {
      const pkg = join(dir, 'node_modules', name)
      if (existsSync(join(pkg, 'package.json'))) return (await import(pathToFileURL(folderEntry(pkg)).href)) as Record<string, unknown>
      if (dirname(dir) === dir) throw e
    }
  }
}

const isPath = (entry: string) => entry.startsWith('.') || isAbsolute(entry) || PLUGIN_FILE.test(entry)

async function importEntry(entry: string, cwd: string): Promise<unknown> {
  await registerPluginHooks()
  const mod = isPath(entry)
    ? (await import(pathToFileURL(pathEntry(entry, cwd)).href)) as Record<string, unknown>
    : await importPackage(entry, cwd)
  // a CommonJS plugin reaches `tollgate/plugin` only through import() (Node 20's hooks do not see
  // require()), so it exports the promise of its plugin: `module.exports = (async () => ...)()`
  return await (mod.default ?? mod.plugin ?? mod)
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
