// `tollgate plugin new NAME [DIR]`: a plugin folder to start from: the plugin, its test (run with
// `node --test` through the gateway's register hook, no package.json or node_modules needed) and a
// kong.yaml that enables it, and a tsconfig.json so an editor (or tsc) types the plugin against the
// gateway's own files. The README's "Write a plugin" walks through these files.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT } from './paths.ts'

const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/i

export interface Scaffold {
  dir: string
  files: string[]
  /** the command that runs the plugin's test */
  testCommand: string
  /** the command that starts a gateway with the plugin, run in the gateway's folder */
  startCommand: string
  /** the command that type-checks the plugin folder, run in the gateway's folder */
  typecheckCommand: string
}

const pluginSource = (name: string) => `// The ${name} plugin: greets the caller in a response header and tells the upstream who was greeted.
import { definePlugin, Type } from 'tollgate/plugin'

export default definePlugin({
  name: '${name}',
  version: '0.1.0',
  // higher runs first: after the auth plugins (key-auth is 1250), before the transformers (801)
  priority: 1000,
  schema: Type.Object({
    greeting: Type.String({ default: 'Hello' }),
    header: Type.String({ default: 'X-Greeting' }),
  }, { additionalProperties: false }),

  access(kong, conf) {
    const who = kong.request.getQueryArg('name') ?? 'stranger'
    kong.response.setHeader(conf.header, \`\${conf.greeting}, \${String(who)}!\`)
    kong.service.request.setHeader('X-Greeted', String(who))
  },
})
`

const testSource = (name: string) => `// Runs ${name} in a real gateway in front of a fake upstream: node --import <tollgate>/public/register.mjs --test ${name}.test.ts
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { pluginHarness } from 'tollgate/testing'
import plugin from './${name}.ts'

const h = await pluginHarness({ plugins: [plugin], enable: [{ name: '${name}', config: { greeting: 'Hi' } }] })
after(() => h.close())

test('greets the caller downstream and tells the upstream', async () => {
  const res = await h.request('/anything?name=ada')
  assert.equal(res.status, 200)
  assert.equal(res.headers['x-greeting'], 'Hi, ada!')
  assert.equal(h.upstream.received.at(-1)?.headers['x-greeted'], 'ada')
})

test('greets a stranger when no name is given', async () => {
  const res = await h.request('/anything')
  assert.equal(res.headers['x-greeting'], 'Hi, stranger!')
})
`

const kongYaml = (name: string, file: string, dir: string) => `# Starts a gateway with the ${name} plugin on a route to an upstream of yours:
#   (in the gateway's folder) KONG_PLUGINS=bundled,${file} npx tollgate start -c ${join(dir, 'kong.yaml')}
_format_version: "3.0"
services:
  - name: example
    url: http://127.0.0.1:8080
    routes:
      - name: example
        paths: ["/"]
plugins:
  - name: ${name}
    config:
      greeting: Hello
`

/**
 * Types without a package.json or node_modules in the plugin's folder: `paths` sends `tollgate/*`
 * and `typebox` (with each subpath its package exports) to the gateway's files, as the resolve
 * hook does at run time; Node's types come from the gateway's @types/node. Absolute paths, since
 * the folder may be anywhere.
 */
function tsconfig(): string {
  const typebox = join(ROOT, 'node_modules/typebox')
  const paths: Record<string, string[]> = { 'tollgate/*': [join(ROOT, 'public/*.ts')], typebox: [typebox] }
  const exports = (JSON.parse(readFileSync(join(typebox, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> }).exports ?? {}
  for (const [sub, target] of Object.entries(exports)) {
    const file = typeof target === 'string' ? target : (target as { import?: unknown } | null)?.import
    if (sub.startsWith('./') && typeof file === 'string') paths[`typebox/${sub.slice(2)}`] = [join(typebox, file.replace(/\.mjs$/, '.d.mts'))]
  }
  return `${JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', moduleDetection: 'force', strict: true,
      noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true,
      typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'], paths,
    },
  }, null, 2)}\n`
}

/** Writes the plugin folder; refuses a bad name or a folder that already holds files. */
export function scaffoldPlugin(name: string, dirArg: string | undefined, cwd: string): Scaffold {
  if (!NAME_RE.test(name)) throw new Error(`'${name}' is not a valid plugin name (letters, digits, '-' and '_', not starting with '-' or '_')`)
  const dir = resolve(cwd, dirArg ?? name)
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} already exists and is not empty`)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.ts`)
  const files: [string, string][] = [
    [file, pluginSource(name)],
    [join(dir, `${name}.test.ts`), testSource(name)],
    [join(dir, 'kong.yaml'), kongYaml(name, file, dir)],
    [join(dir, 'tsconfig.json'), tsconfig()],
  ]
  for (const [path, text] of files) writeFileSync(path, text, { flag: 'wx' })
  const register = pathToFileURL(join(ROOT, 'public/register.mjs')).href
  return {
    dir,
    files: files.map(([p]) => p),
    testCommand: `node --import ${register} --test ${name}.test.ts`,
    startCommand: `KONG_PLUGINS=bundled,${file} npx tollgate start -c ${join(dir, 'kong.yaml')}`,
    typecheckCommand: `npx tsc -p ${dir}`,
  }
}
