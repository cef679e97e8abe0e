// core/bin.mjs builds a missing bundle in a child process of its own (the gateway's process never
// loads esbuild, whose service and garbage stayed in its RSS): the child, started with
// TOLLGATE_INTERNAL_BUILD_DIR, builds into that folder and exits without starting anything.
import { afterAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, rmSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from '../../core/paths.ts'
import { BIN, runCli } from '../helpers/cli.ts'

const dir = join(ROOT, '.build', `test-build-${process.pid}`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the bundle build child', () => {
  it('builds the bundle into the folder it is given, and only that', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'start'], {
      env: { ...process.env, TOLLGATE_INTERNAL_BUILD_DIR: dir, KONG_PROXY_LISTEN: '127.0.0.1:1' }, timeout: 60_000,
    })
    // `start` was not run: nothing listened, nothing logged
    expect(stdout).toBe('')
    expect(existsSync(join(dir, 'cli.js'))).toBe(true)
    expect(existsSync(join(dir, 'worker.js'))).toBe(true)
    expect(readdirSync(join(ROOT, '.build')).filter((d) => d.startsWith(`test-build-${process.pid}.tmp-`))).toEqual([])
  })

  it("a build drops bundles of older sources, never the current sources' (a running gateway loads its chunks and workers from it later)", async () => {
    // the current sources' bundle, built by a normal start if missing
    expect((await runCli(['version'])).code).toBe(0)
    const base = join(ROOT, '.build')
    const bundles = () => readdirSync(base).filter((d) => /^[0-9a-f]{16}$/.test(d) && existsSync(join(base, d, 'cli.js')))
    expect(bundles().length).toBeGreaterThan(0)
    // all of them older than the cleanup's 10 minutes: only the current one may stay
    const hourAgo = new Date(Date.now() - 3_600_000)
    for (const d of bundles()) utimesSync(join(base, d), hourAgo, hourAgo)
    rmSync(dir, { recursive: true, force: true })
    await promisify(execFile)(process.execPath, [BIN], { env: { ...process.env, TOLLGATE_INTERNAL_BUILD_DIR: dir }, timeout: 60_000 })
    expect(bundles().length).toBe(1)
    // and a normal start finds it (no build: the folder is the one it was)
    const [kept] = bundles()
    expect((await runCli(['version'])).code).toBe(0)
    expect(bundles()).toEqual([kept])
  })
})
