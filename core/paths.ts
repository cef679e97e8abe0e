// Where things are on disk, whether this code runs from source (through tsx) or from the bundle
// core/bin.mjs builds into .build/<hash>/ (one level deeper, flat).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}

/** The project root (where package.json is). */
export const ROOT = findRoot()

/** true when running from the esbuild bundle rather than the TypeScript sources */
export const BUNDLED = /[\\/]\.build[\\/]/.test(fileURLToPath(import.meta.url))

/** The script a proxy worker thread starts with. */
export const WORKER_ENTRY: URL = BUNDLED
  ? new URL('./worker.js', import.meta.url)
  : pathToFileURL(join(ROOT, 'core/server/worker-entry.mjs'))
