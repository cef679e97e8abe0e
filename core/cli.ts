// The command line: `tollgate start [-c kong.yaml]`, `tollgate config check FILE` and
// `tollgate plugin new NAME [DIR]`. This is the composition root: the only place in core/ that
// knows the bundled plugin list.
import './linear-regex.ts' // first: linear-time regexes before any config compiles
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ROOT } from './paths.ts'
import { readSettings } from './settings.ts'
import { uwsNative } from './server/uws.ts'
import { startNode } from './node.ts'
import { loadPlugins } from './plugins/loader.ts'
import { PluginRegistry } from './plugins/registry.ts'
import { loadConfig, configErrorBody } from './config/load.ts'
import { isGatewayError } from './errors.ts'
import { rootLog } from './log.ts'
import { VERSION } from './version.ts'
import { scaffoldPlugin } from './plugin-scaffold.ts'
import { BUNDLED } from '../plugins/index.ts'

const EXAMPLE = join(ROOT, 'kong.yaml.example')

const USAGE = `tollgate ${VERSION}: a Kong-compatible AI gateway

  tollgate start [-c FILE]        run the gateway (config: -c, else KONG_DECLARATIVE_CONFIG, else ./kong.yaml, else kong.yaml.example)
  tollgate config check FILE      validate a declarative config; exit 0, or 1 with Kong's error body
  tollgate plugin new NAME [DIR]  write a plugin folder (plugin, test, kong.yaml, tsconfig.json) to DIR (default ./NAME)

Environment (Kong's names): KONG_PROXY_LISTEN (0.0.0.0:8000), KONG_ADMIN_LISTEN (127.0.0.1:8001),
KONG_PLUGINS (bundled), KONG_LOG_LEVEL (notice), KONG_NGINX_WORKER_PROCESSES (CPU count),
KONG_ALLOW_SLOW_SERVER=1 to run without uWebSockets.js's native binary.`

/** Which file `start` serves, in Kong's order plus our example as the last resort. */
export function resolveConfigPath(args: string[], env: NodeJS.ProcessEnv, cwd: string): string {
  const i = args.findIndex((a) => a === '-c' || a === '--config')
  if (i >= 0) {
    if (!args[i + 1]) throw new Error(`${args[i]} needs a file`)
    return resolve(cwd, args[i + 1]!)
  }
  if (env.KONG_DECLARATIVE_CONFIG) return resolve(cwd, env.KONG_DECLARATIVE_CONFIG)
  if (existsSync(resolve(cwd, 'kong.yaml'))) return resolve(cwd, 'kong.yaml')
  return EXAMPLE
}

async function check(file: string | undefined): Promise<number> {
  if (!file) { process.stderr.write('usage: tollgate config check FILE\n'); return 2 }
  const settings = readSettings()
  const registry = new PluginRegistry(await loadPlugins(settings.plugins, BUNDLED))
  try {
    const snap = loadConfig(readFileSync(file, 'utf8'), { plugins: registry })
    process.stdout.write(`${file}: ok (${snap.services.length} services, ${snap.routes.length} routes, ${snap.plugins.length} plugins, hash ${snap.hash})\n`)
    return 0
  } catch (e) {
    if (isGatewayError(e) && e.details) process.stdout.write(`${JSON.stringify(configErrorBody(e), null, 2)}\n`)
    else process.stdout.write(`${JSON.stringify({ message: (e as Error).message })}\n`)
    return 1
  }
}

async function start(args: string[]): Promise<number> {
  const settings = readSettings()
  if (!uwsNative.native && !settings.allowSlowServer) {
    rootLog.fatal(`refusing to start: ${uwsNative.why}. uWebSockets.js would fall back to its pure-JavaScript server, which is several times slower. Use Node 20 on linux/darwin x64/arm64, or set KONG_ALLOW_SLOW_SERVER=1 to run anyway.`)
    return 1
  }
  const file = resolveConfigPath(args, process.env, process.cwd())
  let node
  try {
    node = await startNode({ settings, configText: readFileSync(file, 'utf8'), bundled: BUNDLED })
  } catch (e) {
    if (isGatewayError(e) && e.details) rootLog.fatal({ error: configErrorBody(e) }, `invalid declarative configuration in ${file}`)
    else rootLog.fatal({ err: e }, 'could not start')
    return 1
  }
  const { proxyListen: p, adminListen: a } = settings
  rootLog.info(
    { proxy: `${p.host}:${node.proxyPort}`, admin: a ? `${a.host}:${node.adminPort}` : 'off', config: file, config_hash: node.gateway.state.snapshot.hash, workers: settings.workers, uws_native: uwsNative.native },
    `tollgate ${VERSION} listening: proxy ${p.host}:${node.proxyPort}, admin ${a ? `${a.host}:${node.adminPort}` : 'off'}, config ${node.gateway.state.snapshot.hash}, uWS ${uwsNative.native ? 'native' : 'SLOW JavaScript fallback'}`,
  )
  if (!uwsNative.native) rootLog.warn(`running on uWebSockets.js's slow JavaScript fallback: ${uwsNative.why}`)
  await new Promise<void>((done) => {
    const stop = () => { void node.close().then(done) }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  return 0
}

function pluginNew(name: string | undefined, dir: string | undefined): number {
  if (!name) { process.stderr.write('usage: tollgate plugin new NAME [DIR]\n'); return 2 }
  try {
    const s = scaffoldPlugin(name, dir, process.cwd())
    process.stdout.write(`wrote ${s.files.join(', ')}\n\nin ${s.dir}:\n  test it:   ${s.testCommand}\n  serve it (in the gateway's folder):  ${s.startCommand}\n  type-check it (in the gateway's folder):  ${s.typecheckCommand}\n`)
    return 0
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`)
    return 1
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv)
  } catch (e) {
    // a plugin that does not load, a bad setting: one line that names it, not a stack trace
    if (!isGatewayError(e) && !(e instanceof Error)) throw e
    process.stderr.write(`tollgate: ${e.message}\n`)
    if (process.env.KONG_LOG_LEVEL === 'debug' && e.stack) process.stderr.write(`${e.stack}\n`)
    return 1
  }
}

async function run(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  if (cmd === 'start' || cmd === undefined) return start(rest)
  if (cmd === 'config' && (rest[0] === 'check' || rest[0] === 'parse')) return check(rest[1])
  if (cmd === 'plugin' && rest[0] === 'new') return pluginNew(rest[1], rest[2])
  if (cmd === 'version' || cmd === '--version') { process.stdout.write(`${VERSION}\n`); return 0 }
  process.stdout.write(`${USAGE}\n`)
  return cmd === 'help' || cmd === '--help' || cmd === '-h' ? 0 : 2
}
