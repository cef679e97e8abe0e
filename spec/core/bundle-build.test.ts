// core/bin.mjs builds a missing bundle in a child process of its own (the gateway's process never
// loads esbuild, whose service and garbage stayed in its RSS): the child, started with
// TOLLGATE_INTERNAL_BUILD_DIR, builds into that folder and exits without starting anything.
import { afterAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from '../../core/paths.ts'
import { BIN } from '../helpers/cli.ts'

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
})
