// No request can end the gateway: a worker thread that dies anyway (a plugin's uncaught throw in
// a timer, an unhandled rejection, process.exit) takes only itself down; the main thread logs
// the death and starts a replacement on the current config, and a POST /config that was waiting
// on the dead worker answers instead of hanging. Runs the real CLI in a child process, so a
// native abort of the whole process shows as a dead child, not a dead test runner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent, request } from 'undici'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closedPort } from '../../public/testing/upstream.ts'
import { startCli, type Started } from '../helpers/cli.ts'

const PLUGIN = fileURLToPath(new URL('./worker-crash.plugin.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'tollgate-worker-crash-'))
const config = (extra = '') => `_format_version: "3.0"
routes:
  - name: crash
    paths: ["/crash"]
    plugins:
      - name: worker-crash
${extra}`

let s: Started
let proxyPort: number
let adminPort: number

/** Resolves once `re` has matched the output `count` times (event-driven: each chunk of output is checked). */
function logged(re: RegExp, count: number): Promise<string[]> {
  const all = () => s.output().match(new RegExp(re.source, 'g')) ?? []
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = all()
      if (m.length >= count) { s.child.stdout!.off('data', check); s.child.stderr!.off('data', check); s.child.off('exit', dead); resolve(m) }
    }
    const dead = () => reject(new Error(`gateway exited: ${s.output().slice(-2000)}`))
    s.child.stdout!.on('data', check)
    s.child.stderr!.on('data', check)
    s.child.once('exit', dead)
    check()
  })
}

const restarted = (count: number) => logged(/"thread_id":\d+,"msg":"proxy worker restarted"/, count)
const threadOf = (line: string) => Number(/"thread_id":(\d+)/.exec(line)![1])

/** 40 fresh connections (the kernel spreads them over the workers' listeners): their statuses and serving threads. */
async function spread(path: string): Promise<{ statuses: number[]; threads: Set<number> }> {
  const statuses: number[] = []
  const threads = new Set<number>()
  for (let i = 0; i < 40; i++) {
    const agent = new Agent({ pipelining: 0 })
    const res = await request(`http://127.0.0.1:${proxyPort}${path}`, { dispatcher: agent })
    statuses.push(res.statusCode)
    const t = res.headers['x-thread']
    if (typeof t === 'string') threads.add(Number(t))
    await res.body.dump()
    await agent.close()
  }
  return { statuses, threads }
}

beforeAll(async () => {
  ;[proxyPort, adminPort] = [await closedPort(), await closedPort()]
  const file = join(dir, 'kong.yaml')
  writeFileSync(file, config())
  s = await startCli(['-c', file], {
    KONG_PROXY_LISTEN: `127.0.0.1:${proxyPort}`, KONG_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    KONG_NGINX_WORKER_PROCESSES: '2', KONG_PLUGINS: `bundled,${PLUGIN}`,
  })
})
afterAll(async () => { await s?.stop() })

describe('a worker thread that dies', () => {
  let restarts = 0

  it.each(['timer-throw', 'unhandled-rejection', 'process-exit'])('%s: only that worker dies, is logged and replaced, and requests are served again', async (how) => {
    const agent = new Agent({ pipelining: 0 })
    // the answer may or may not leave before the thread ends: only the aftermath matters
    await request(`http://127.0.0.1:${proxyPort}/crash`, { dispatcher: agent, headers: { 'x-crash': how } })
      .then((r) => r.body.dump(), () => {})
    await agent.close()

    restarts++
    const lines = await restarted(restarts)
    const fresh = threadOf(lines[restarts - 1]!)
    expect(s.output().match(/proxy worker died; starting a new one/g)).toHaveLength(restarts)
    expect(s.child.exitCode).toBeNull()

    const { statuses, threads } = await spread('/crash')
    expect(statuses.every((st) => st === 200)).toBe(true)
    expect(threads.has(fresh)).toBe(true) // the replacement serves too
    expect(threads.size).toBe(2)
  })

  it('a POST /config whose broadcast meets a dying worker answers, and the replacement runs the new config', async () => {
    const marker = join(dir, `die-once-${Date.now()}`)
    const next = `${config(`        config: { die_once_file: "${marker}" }\n`)}  - name: fresh
    paths: ["/fresh"]
    plugins:
      - name: worker-crash
`
    const before = restarts
    const post = await request(`http://127.0.0.1:${adminPort}/config`, { method: 'POST', body: next, headers: { 'content-type': 'text/yaml' } })
    const body = await post.body.text()
    // one worker ended while applying it: the admin reports that instead of waiting forever
    expect(post.statusCode).toBe(500)
    expect(JSON.parse(body).message).toMatch(/proxy worker \d+ exited \(code 9\)/)

    restarts = before + 1
    const lines = await restarted(restarts)
    const fresh = threadOf(lines[restarts - 1]!)
    const { statuses, threads } = await spread('/fresh')
    expect(statuses.every((st) => st === 200)).toBe(true)
    expect(threads.has(fresh)).toBe(true)
    expect(s.child.exitCode).toBeNull()
  })

  it('the process ends cleanly afterwards (no native abort)', async () => {
    await s.stop()
    expect(s.child.exitCode).toBe(0)
    expect(s.output()).not.toContain('uv_loop_close')
    expect(s.output()).not.toContain('Assertion failed')
  })
})
