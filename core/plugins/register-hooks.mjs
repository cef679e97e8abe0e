// Registers, once per process, what a plugin file outside the gateway needs to load: tsx for
// TypeScript, then the resolve hook (registered last, so it runs first) that maps `tollgate/*`
// and `typebox` to the gateway's copies. Plain JavaScript: core/bin.mjs and public/register.mjs
// load it before any TypeScript can run.
import { register } from 'node:module'

let done = null

export function registerPluginHooks() {
  return (done ??= (async () => {
    if (!process.execArgv.some((a) => a.includes('tsx'))) {
      const { register: registerTsx } = await import('tsx/esm/api')
      registerTsx()
    }
    register(new URL('./resolve-hook.mjs', import.meta.url))
  })())
}
