// The bundle `tollgate` runs (core/bin.mjs) is pure ASCII: V8 keeps every script's source for
// Function.prototype.toString, and one non-ASCII character makes that whole string two bytes per
// character (the ~0.7 MB chunk would take ~1.4 MB in every serving thread).
import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../core/paths.ts'
import { runCli } from '../helpers/cli.ts'

describe('the bundle core/bin.mjs builds', () => {
  it('has no character outside ASCII in any script it runs', async () => {
    const r = await runCli(['version'])
    expect(r.code).toBe(0)
    const base = join(ROOT, '.build')
    // the bundle of the current sources: the newest folder with a cli.js (this run built or reused it)
    const dirs = readdirSync(base).map((d) => join(base, d)).filter((d) => !d.includes('.tmp-') && statSync(join(d, 'cli.js'), { throwIfNoEntry: false }))
    const newest = dirs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!
    const scripts = readdirSync(newest).filter((f) => f.endsWith('.js'))
    expect(scripts).toContain('cli.js')
    const offending = scripts.flatMap((f) => [...readFileSync(join(newest, f), 'utf8').matchAll(/[^\x00-\x7f]/g)].map((m) => `${f}: ${m[0]}`))
    expect(offending).toEqual([])
  })
})
