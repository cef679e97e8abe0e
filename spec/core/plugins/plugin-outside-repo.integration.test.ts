// A third party's plugin, in a folder outside the repository (os.tmpdir()), with no package.json
// and no node_modules: `tollgate plugin new` writes it, its own test runs with `node --test`, and
// a started gateway (bundled and TOLLGATE_NO_BUNDLE=1, worker threads too) loads it by path and
// runs it on a request. Then every KONG_PLUGINS entry form, through `tollgate config check`.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { BIN, startCli, type Started } from '../../helpers/cli.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const REGISTER = join(ROOT, 'public/register.mjs')
let tmp: string
let up: FakeUpstream
const started: Started[] = []

function run(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? -1, out })))
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tollgate-plugin-'))
  up = await startUpstream()
})
afterAll(async () => {
  for (const s of started) await s.stop()
  await up?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('tollgate plugin new, outside the repository', () => {
  let dir: string

  it('writes the plugin, its test and a kong.yaml, and refuses to overwrite them', async () => {
    dir = join(tmp, 'greeter')
    const r = await run([BIN, 'plugin', 'new', 'greeter', dir], { cwd: tmp })
    expect(r.code).toBe(0)
    expect(r.out).toContain(`node --import file://${REGISTER} --test greeter.test.ts`)
    expect(readFileSync(join(dir, 'greeter.ts'), 'utf8')).toContain("from 'tollgate/plugin'")
    expect(readFileSync(join(dir, 'greeter.test.ts'), 'utf8')).toContain("from 'tollgate/testing'")
    expect(r.out).toContain(`npx tsc -p ${dir}`)
    expect((await run([BIN, 'plugin', 'new', 'greeter', dir], { cwd: tmp })).code).toBe(1)
  })

  it.each(['bad name', '-x', '../up', ''])('refuses the plugin name %j', async (name) => {
    const r = await run([BIN, 'plugin', 'new', name, join(tmp, 'refused')], { cwd: tmp })
    expect(r.code).not.toBe(0)
  })

  it("type-checks with tsc through its tsconfig.json alone (the gateway's tollgate/plugin, typebox and Node types)", async () => {
    // beside the scaffold (which must check clean), a file whose types must bite: a wrong phase name,
    // a PDK method that does not exist, a config field the schema does not have; a typebox subpath resolves
    const bad = join(dir, 'wrong-types.ts')
    writeFileSync(bad, [
      "import { definePlugin, Type, type PhaseName } from 'tollgate/plugin'",
      "import { Value } from 'typebox/value'",
      "export const phase: PhaseName = 'acces'",
      "export default definePlugin({ name: 'w', version: '1.0.0', priority: 1, schema: Type.Object({ a: Type.String() }),",
      "  access(kong, conf) { kong.request.getQueryArgz('x'); void conf.b; void Value.Check(Type.String(), 1) } })",
    ].join('\n'))
    const r = await run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: ROOT })
    rmSync(bad)
    const errors = r.out.split('\n').filter((l) => /error TS/.test(l))
    expect(errors.filter((l) => !l.includes('wrong-types.ts('))).toEqual([])
    expect(r.out).toMatch(/'"acces"' is not assignable to type/)
    expect(r.out).toMatch(/'getQueryArgz' does not exist/)
    expect(r.out).toMatch(/Property 'b' does not exist/)
    expect(errors).toHaveLength(3)
    expect(r.code).not.toBe(0)
  }, 180_000) // one tsc over the gateway sources the plugin imports (under load, a minute): a bound, not a speed target

  it("runs the scaffold's own test with node --test", async () => {
    const r = await run(['--import', `file://${REGISTER}`, '--test', 'greeter.test.ts'], { cwd: dir })
    expect(r.out).toMatch(/# pass 2\b/)
    expect(r.out).toMatch(/# fail 0\b/)
    expect(r.code).toBe(0)
  })

  it.each([
    ['bundled, one process', { KONG_NGINX_WORKER_PROCESSES: '1' }],
    ['TOLLGATE_NO_BUNDLE=1', { KONG_NGINX_WORKER_PROCESSES: '1', TOLLGATE_NO_BUNDLE: '1' }],
    ['bundled, worker threads', { KONG_NGINX_WORKER_PROCESSES: '2' }],
  ])('a started gateway loads it by path and runs it (%s)', async (_name, env) => {
    const port = await freePort()
    const config = readFileSync(join(dir, 'kong.yaml'), 'utf8').replace('http://127.0.0.1:8080', up.url)
    writeFileSync(join(dir, 'kong.yaml'), config)
    const s = await startCli(['-c', join(dir, 'kong.yaml')], {
      ...env, KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: 'off', KONG_PLUGINS: `bundled,${join(dir, 'greeter.ts')}`,
    })
    started.push(s)
    for (let i = 0; i < 4; i++) {
      const res = await request(`http://127.0.0.1:${port}/hi?name=ada`)
      expect(res.statusCode).toBe(200)
      expect(res.headers['x-greeting']).toBe('Hello, ada!')
      await res.body.dump()
      expect(up.received.at(-1)!.headers['x-greeted']).toBe('ada')
    }
    await s.stop()
  }, 60_000) // a whole gateway process starts (the first one may build the bundle): a bound, not a speed target
})

describe('KONG_PLUGINS entry forms, from a folder outside the repository', () => {
  const plugin = (name: string, imports: string) => `${imports}
export default definePlugin({
  name: '${name}', version: '1.0.0', priority: 10,
  schema: Type.Object({ limit: Type.Integer({ minimum: 1, default: 5 }) }, { additionalProperties: false }),
  access(kong, conf) { kong.response.setHeader('x-${name}', String(conf.limit)) },
})
`
  const ESM = "import { definePlugin, Type } from 'tollgate/plugin'"
  let work: string
  const entries: string[] = []

  beforeAll(() => {
    work = join(tmp, 'forms')
    mkdirSync(join(work, 'folder'), { recursive: true })
    writeFileSync(join(work, 'p-ts.ts'), plugin('p-ts', ESM))
    writeFileSync(join(work, 'p-mts.mts'), plugin('p-mts', ESM))
    writeFileSync(join(work, 'p-mjs.mjs'), plugin('p-mjs', ESM))
    // CommonJS reaches the gateway's copies through import(), so it exports the promise of its plugin;
    // a .js file outside any package is CommonJS to Node
    const CJS = (name: string) => `module.exports = (async () => {\n  const { definePlugin, Type } = await import('tollgate/plugin')\n${plugin(name, '').replace('export default', 'return')}})()\n`
    writeFileSync(join(work, 'p-cjs.cjs'), CJS('p-cjs'))
    writeFileSync(join(work, 'p-js.js'), CJS('p-js'))
    // a .js file with import/export and no package.json: ES module syntax decides (Node 20 alone took it for CommonJS)
    writeFileSync(join(work, 'p-esm-js.js'), plugin('p-esm-js', ESM))
    writeFileSync(join(work, 'not-a-plugin.cjs'), `module.exports = (async () => {})\n`)
    writeFileSync(join(work, 'folder/package.json'), JSON.stringify({ name: 'folder-plugin', type: 'module', main: 'main.js' }))
    writeFileSync(join(work, 'folder/main.js'), plugin('p-folder', ESM))
    mkdirSync(join(work, 'node_modules/tollgate-plugin-npm'), { recursive: true })
    writeFileSync(join(work, 'node_modules/tollgate-plugin-npm/package.json'), JSON.stringify({ name: 'tollgate-plugin-npm', type: 'module', exports: { '.': { import: './index.js' } } }))
    writeFileSync(join(work, 'node_modules/tollgate-plugin-npm/index.js'), plugin('p-npm', ESM))
    entries.push('./p-ts.ts', join(work, 'p-mts.mts'), './p-mjs.mjs', './p-cjs.cjs', './p-js.js', './p-esm-js.js', './folder', 'tollgate-plugin-npm')
  })

  const configWith = (config: string) => `_format_version: "3.0"
plugins:
  - name: p-ts
  - name: p-mts
  - name: p-mjs
  - name: p-cjs
  - name: p-js
  - name: p-esm-js
  - name: p-folder
  - name: p-npm
    config: ${config}
`

  it('loads a .ts, .mts, .mjs, .cjs, CommonJS .js and import/export .js file, a folder with a package.json and an npm package from the working directory', async () => {
    writeFileSync(join(work, 'ok.yaml'), configWith('{ limit: 3 }'))
    const r = await run([BIN, 'config', 'check', 'ok.yaml'], { cwd: work, env: { KONG_PLUGINS: ['bundled', ...entries].join(',') } })
    expect(r.out).toContain('ok.yaml: ok')
    expect(r.code).toBe(0)
  })

  it("checks the plugins' configs with the gateway's TypeBox (one instance): a bad value is refused with its field", async () => {
    writeFileSync(join(work, 'bad.yaml'), configWith('{ limit: 0 }'))
    const r = await run([BIN, 'config', 'check', 'bad.yaml'], { cwd: work, env: { KONG_PLUGINS: ['bundled', ...entries].join(',') } })
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/limit/)
  })

  it.each([
    ['a folder without a package.json', './nothing-here/..', /package\.json/],
    ['a missing file', './missing.ts', /no such file/],
    ['a file of another kind', './ok.yaml', /not a \.ts, \.mts, \.js, \.mjs or \.cjs file/],
    ['an unknown package', 'tollgate-plugin-nobody', /tollgate-plugin-nobody/],
    ['a module that is no plugin', './not-a-plugin.cjs', /not-a-plugin\.cjs/],
  ])('refuses %s at start, naming it', async (_name, entry, message) => {
    writeFileSync(join(work, 'empty.yaml'), '_format_version: "3.0"\n')
    const r = await run([BIN, 'config', 'check', 'empty.yaml'], { cwd: work, env: { KONG_PLUGINS: `bundled,${entry}` } })
    expect(r.code).toBe(1)
    expect(r.out).toMatch(message)
    expect(r.out).toMatch(/^tollgate: [Pp]lugin .* (?:could not|cannot) be loaded/m) // one line, no stack trace
    expect(r.out).not.toMatch(/^\s+at /m)
  })
})
