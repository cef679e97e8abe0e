// Module resolve hook (node:module register) for plugin files outside the gateway. A plugin in its
// own folder, with no package.json and no node_modules, imports `tollgate/plugin` and `typebox`:
// those specifiers are resolved as if imported from the gateway's package.json, so the plugin
// gets the gateway's files (one TypeBox instance: schemas built by the plugin pass the gateway's
// checks). Files inside the gateway resolve as usual.
import { readFileSync } from 'node:fs'

const ROOT = new URL('../../', import.meta.url).href
const GATEWAY_PACKAGE = new URL('../../package.json', import.meta.url).href
const SHARED = /^(?:tollgate\/|typebox(?:\/|$))/

const outside = (url) => url !== undefined && url.startsWith('file:') && !url.startsWith(ROOT)

export async function resolve(specifier, context, next) {
  if (SHARED.test(specifier) && outside(context.parentURL)) return next(specifier, { ...context, parentURL: GATEWAY_PACKAGE })
  const result = await next(specifier, context)
  // A .ts plugin outside any "type": "module" package would be compiled by tsx to CommonJS, whose
  // require() calls these hooks do not see (nor can it require the ES-only typebox): plugins are
  // written with import/export, so such a file is loaded as an ES module.
  if (outside(result.url) && /\.ts$/.test(result.url) && result.format !== 'module' && result.format !== 'module-typescript') {
    return { ...result, format: 'module' }
  }
  // A .js plugin with import/export outside any "type": "module" package: Node 20 takes it for
  // CommonJS and fails with "Cannot require() ES Module … in a cycle". Node 22 detects the syntax;
  // here a top-level import or export statement decides it.
  if (outside(result.url) && /\.js$/.test(result.url) && result.format === 'commonjs' && ESM_SYNTAX.test(readFileSync(new URL(result.url), 'utf8'))) {
    return { ...result, format: 'module' }
  }
  return result
}

const ESM_SYNTAX = /^\s*(?:import\s*[\w{*'"]|export\s+(?:default|const|let|var|function|class|async|\{|\*))/m
