import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { mkdtempSync, readFileSync, existsSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'
import { closeLogFiles } from '../../../plugins/file-log/writer.ts'

const dir = mkdtempSync(join(tmpdir(), 'file-log-'))
const kept = join(dir, 'kept.log')
const reopened = join(dir, 'reopen.log')
let h: PluginHarness

const lines = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { request: { uri: string; headers: Record<string, string> }; response: { status: number }; correlation_id?: string }) : [])

beforeAll(async () => {
  h = await pluginHarness({
    declarative: {
      routes: [{ name: 'reopen', paths: ['/reopen'], service: 'harness' }],
      plugins: [{ name: 'file-log', route: 'reopen', config: { path: reopened, reopen: true } }],
    },
    enable: [{ name: 'file-log', config: { path: kept } }, { name: 'correlation-id' }],
  })
})
afterAll(async () => { await h.close(); await closeLogFiles() })

describe('file-log', () => {
  it("appends one JSON line per request: Kong's record, with plugin-added fields, secrets redacted", async () => {
    await h.request('/a', { headers: { authorization: 'Bearer secret' } })
    await h.request('/b')
    await vi.waitFor(() => expect(lines(kept).map((l) => l.request.uri)).toEqual(['/a', '/b']))
    const [a] = lines(kept)
    expect(a!.response.status).toBe(200)
    expect(a!.request.headers.authorization).toBe('REDACTED')
    expect(a!.correlation_id).toMatch(/#\d+$/)
  })

  it('reopen: writes land in a new file after the old one is moved away', async () => {
    await h.request('/reopen/1')
    await vi.waitFor(() => expect(lines(reopened)).toHaveLength(1))
    renameSync(reopened, `${reopened}.1`)
    await h.request('/reopen/2')
    await vi.waitFor(() => expect(lines(reopened).map((l) => l.request.uri)).toEqual(['/reopen/2']))
    expect(lines(`${reopened}.1`).map((l) => l.request.uri)).toEqual(['/reopen/1'])
  })

  it('refuses an invalid path at config load', async () => {
    const res = await fetch(`${h.gateway.admin}/config`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _format_version: '3.0', plugins: [{ name: 'file-log', config: { path: '/tmp/a*b' } }] }),
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { fields: { plugins: { config: { path: string } }[] } }).fields.plugins[0]!.config.path).toBe('not a valid filename')
  })
})
