import { afterAll, describe, expect, it } from 'vitest'
import { request, Agent } from 'undici'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closedPort } from '../../../public/testing/upstream.ts'
import { runCli, startCli, type Started } from '../../helpers/cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'))
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p }
const echo = (path: string, message: string) => `_format_version: "3.0"
routes:
  - name: r
    paths: ["${path}"]
    plugins:
      - name: request-termination
        config: { status_code: 200, message: "${message}" }
`
const started: Started[] = []
afterAll(async () => { await Promise.all(started.map((s) => s.stop())) })

describe('tollgate config check', () => {
  it('exits 0 for a valid file', async () => {
    const r = await runCli(['config', 'check', file('ok.yaml', echo('/x', 'hi'))])
    expect(r.code).toBe(0)
    expect(r.out).toContain('ok')
  })

  it("exits 1 with Kong's error body for an invalid file", async () => {
    const r = await runCli(['config', 'check', file('bad.yaml', '_format_version: "3.0"\nservices:\n  - name: s\n    port: 70000\n')])
    expect(r.code).toBe(1)
    const body = JSON.parse(r.out)
    expect(body.code).toBe(14)
    expect(body.fields.services[0].port).toBe('value should be between 0 and 65535')
  })

  it('validates kong.yaml.example', async () => {
    const r = await runCli(['config', 'check', new URL('../../../kong.yaml.example', import.meta.url).pathname])
    expect(r.code).toBe(0)
  })
})

describe('tollgate start', () => {
  it('refuses the slow JavaScript uWS fallback unless KONG_ALLOW_SLOW_SERVER=1', async () => {
    const port = await closedPort()
    const r = await runCli(['start', '-c', file('slow.yaml', echo('/x', 'hi'))], { UWS_USE_FALLBACK: '1', KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: 'off' })
    expect(r.code).toBe(1)
    expect(r.out).toContain('KONG_ALLOW_SLOW_SERVER=1')
  })

  it('loads a TypeScript plugin by path next to the bundled ones', async () => {
    const [proxyPort] = [await closedPort()]
    const plugin = new URL('../../fixtures/plugins/hello-plugin/index.ts', import.meta.url).pathname
    const s = await startCli(['-c', file('hello.yaml', `_format_version: "3.0"
routes:
  - name: r
    paths: ["/hi"]
    plugins:
      - name: hello-plugin
        config: { greeting: Hi }
      - name: request-termination
        config: { status_code: 200, message: ok }
`)], { KONG_PROXY_LISTEN: `127.0.0.1:${proxyPort}`, KONG_ADMIN_LISTEN: 'off', KONG_NGINX_WORKER_PROCESSES: '1', KONG_PLUGINS: `bundled,${plugin}` })
    started.push(s)
    const res = await request(`http://127.0.0.1:${proxyPort}/hi?name=ada`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-hello']).toBe('Hi, ada!')
    await res.body.dump()
  })

  it('serves with worker threads, and a POST /config reaches every worker', async () => {
    const [proxyPort, adminPort] = [await closedPort(), await closedPort()]
    const s = await startCli(['-c', file('w.yaml', echo('/old', 'old'))], {
      KONG_PROXY_LISTEN: `127.0.0.1:${proxyPort}`, KONG_ADMIN_LISTEN: `127.0.0.1:${adminPort}`, KONG_NGINX_WORKER_PROCESSES: '2',
    })
    started.push(s)
    expect(s.output()).toMatch(/uWS native/)
    expect(s.output()).toMatch(/config [0-9a-f]{32}/)
    const info = JSON.parse(await (await request(`http://127.0.0.1:${adminPort}/`)).body.text())
    expect(info.pids.workers).toHaveLength(2)
    const post = await request(`http://127.0.0.1:${adminPort}/config`, { method: 'POST', body: echo('/new', 'new'), headers: { 'content-type': 'text/yaml' } })
    expect(post.statusCode).toBe(201)
    await post.body.dump()
    // 40 fresh connections: the kernel spreads them over both workers' listeners
    for (let i = 0; i < 40; i++) {
      const agent = new Agent({ pipelining: 0 })
      const res = await request(`http://127.0.0.1:${proxyPort}/new`, { dispatcher: agent })
      expect(res.statusCode).toBe(200)
      expect(JSON.parse(await res.body.text()).message).toBe('new')
      await agent.close()
    }
    // SIGTERM: workers close their sockets and end; the process exits cleanly (no native abort)
    await s.stop()
    expect(s.child.exitCode).toBe(0)
    expect(s.output()).not.toContain('Assertion failed')
  })
})
