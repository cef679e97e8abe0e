#!/usr/bin/env node
// The `tollgate` command. Runs the gateway from an esbuild bundle of the TypeScript sources,
// rebuilt only when a source file changed (about 0.1 s), kept in .build/<hash>/. A bundle starts
// in half the time of on-the-fly TypeScript and runs without a loader thread, about 50 MB less
// per process. TOLLGATE_NO_BUNDLE=1 runs the sources through tsx instead.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

// Defence in depth behind core/safe-merge.ts: without the `__proto__` accessor, a merge of client
// JSON that slipped past it still cannot walk into Object.prototype. `npm start` passes
// --disable-proto=delete (worker threads inherit it; their execArgv refuses it); this covers the
// main thread of a direct `tollgate` run.
delete Object.prototype.__proto__

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SOURCES = ['core', 'pdk', 'plugins']

function sourceHash() {
  const h = createHash('sha1')
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.(ts|mjs|js|json)$/.test(e.name)) { const s = statSync(p); h.update(`${p}:${s.mtimeMs}:${s.size}\n`) }
    }
  }
  for (const d of SOURCES) walk(join(ROOT, d))
  return h.digest('hex').slice(0, 16)
}

/**
 * The bundle of the current sources, built when missing in a child process (this file with
 * `TOLLGATE_INTERNAL_BUILD_DIR` set runs buildBundle alone): built in the gateway's own process, esbuild's service and the build's
 * garbage stayed in its RSS for its whole life (~10 MB more at idle after a first start).
 */
function bundle() {
  const dir = join(ROOT, '.build', sourceHash())
  if (existsSync(join(dir, 'cli.js'))) return dir
  execFileSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, TOLLGATE_INTERNAL_BUILD_DIR: dir }, stdio: ['ignore', 'ignore', 'inherit'] })
  if (!existsSync(join(dir, 'cli.js'))) throw new Error(`the bundle was not built in ${dir}`)
  return dir
}

async function buildBundle(dir) {
  const base = join(ROOT, '.build')
  if (existsSync(join(dir, 'cli.js'))) return
  const { build } = await import('esbuild')
  const tmp = `${dir}.tmp-${process.pid}`
  await build({
    entryPoints: { cli: join(ROOT, 'core/cli.ts'), worker: join(ROOT, 'core/server/worker.ts') },
    bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external',
    splitting: true, outdir: tmp, sourcemap: 'linked', logLevel: 'warning',
  })
  asciiOnly(tmp)
  mkdirSync(base, { recursive: true })
  try { renameSync(tmp, dir) } catch { rmSync(tmp, { recursive: true, force: true }) } // another process built it first
  // drop bundles of older sources (not the one just made; a running process may still use others briefly).
  // The current sources' is kept whatever `dir` is: a gateway started from it loads its chunks and
  // workers from it later, and a build into another folder (a test's) must not take it away
  const current = join(base, sourceHash())
  for (const e of readdirSync(base)) {
    const p = join(base, e)
    if (p !== dir && p !== current && Date.now() - statSync(p).mtimeMs > 10 * 60_000) rmSync(p, { recursive: true, force: true })
  }
}

/**
 * esbuild escapes non-ASCII in strings, templates, regexes and names, but keeps comments on class
 * members as written: one `→` there makes V8 hold the whole chunk's source (~0.7 MB, kept for
 * Function.prototype.toString) as a two-byte string, twice its size. Escaping what is left (only
 * comments) keeps it one byte per character; in code, `\uXXXX` would mean the same character.
 */
function asciiOnly(dir) {
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.js')) continue
    const p = join(dir, f)
    const text = readFileSync(p, 'utf8')
    if (/[^\x00-\x7f]/.test(text)) writeFileSync(p, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
  }
}

let main
if (process.env.TOLLGATE_INTERNAL_BUILD_DIR) {
  // the child bundle() starts: build, and nothing else
  await buildBundle(process.env.TOLLGATE_INTERNAL_BUILD_DIR)
  process.exit(0)
} else if (process.env.TOLLGATE_NO_BUNDLE === '1') {
  // tsx for the sources, and the hooks plugin files outside the gateway need (the loader finds them registered)
  const { registerPluginHooks } = await import('./plugins/register-hooks.mjs')
  await registerPluginHooks()
  ;({ main } = await import('./cli.ts'))
} else {
  ;({ main } = await import(pathToFileURL(join(bundle(), 'cli.js')).href))
}
process.exitCode = await main(process.argv.slice(2))
