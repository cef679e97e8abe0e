// undici is loaded when a config first needs it (core/proxy/load-undici.ts), not at start: an
// http-only config never loads it, a reload that adds an https service or an http-log plugin
// loads it and is then served, and a failure to load it refuses that config with the field's
// path (the running config keeps serving) or fails only the request that needed it.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRequire } from 'node:module'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createServer, type Server } from 'node:https'
import { Readable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { loadUndici, loadUndiciPool, setUndiciRequireForTests, undiciLoadError } from '../../../core/proxy/load-undici.ts'
import { closeAllPools } from '../../../core/proxy/pools.ts'
import { closeHttpLogPools } from '../../../plugins/http-log/sender.ts'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { selfSignedCert } from '../../helpers/fake-idp/tls.ts'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'
import aiProxyAdvanced from '../../../plugins/ai-proxy-advanced/index.ts'
import semanticCache from '../../../plugins/ai-semantic-cache/index.ts'

const realRequire = createRequire(import.meta.url)
const POOL_ID = 'undici/lib/dispatcher/pool.js'

afterEach(() => setUndiciRequireForTests(null))

describe('loadUndiciPool, loadUndici', () => {
  it("the Pool module alone is the package's own Pool class", () => {
    const pkg = realRequire('undici') as typeof import('undici')
    expect(loadUndiciPool()).toBe(pkg.Pool)
    expect(loadUndici().Pool).toBe(pkg.Pool)
    expect(typeof loadUndici().request).toBe('function')
    expect(undiciLoadError('pool')).toBeNull()
    expect(undiciLoadError('package')).toBeNull()
  })

  it("the Pool module alone carries a proxied exchange (dispatch), in a process that never loads undici's index", async () => {
    const script = `
      const { createServer } = require('node:http')
      const server = createServer((req, res) => res.end('pool alone ' + req.url))
      server.listen(0, '127.0.0.1', () => {
        const Pool = require('undici/lib/dispatcher/pool.js')
        const pool = new Pool('http://127.0.0.1:' + server.address().port)
        const chunks = []
        let status = 0
        pool.dispatch({ method: 'GET', path: '/x', headers: [] }, {
          onConnect() {}, onHeaders(s) { status = s; return true }, onData(c) { chunks.push(c); return true },
          onComplete() {
            const index = Object.keys(require.cache).some((f) => f.endsWith('/node_modules/undici/index.js'))
            console.log(JSON.stringify({ status, body: Buffer.concat(chunks).toString(), index }))
            pool.close().then(() => server.close())
          },
          onError(e) { console.log(JSON.stringify({ error: e.message })); process.exit(1) },
        })
      })`
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: new URL('../../..', import.meta.url).pathname, timeout: 10_000 })
    expect(JSON.parse(stdout.trim())).toEqual({ status: 200, body: 'pool alone /x', index: false })
  })

  it('requires each module once, then answers from memory', () => {
    const seen: string[] = []
    setUndiciRequireForTests((id) => { seen.push(id); return realRequire(id) })
    for (let i = 0; i < 5; i++) { loadUndiciPool(); loadUndici() }
    expect(seen).toEqual([POOL_ID, 'undici'])
  })

  it.each([
    ['a missing module', new Error("Cannot find module 'undici'\nRequire stack:\n- /somewhere/secret/path.js")],
    ['a module that throws while loading', new SyntaxError('Unexpected token')],
  ])('a failed load (%s) is a message of one line, and is retried next time', (_name, err) => {
    let fail = true
    setUndiciRequireForTests((id) => { if (fail) throw err; return realRequire(id) })
    for (const what of ['pool', 'package'] as const) {
      const msg = undiciLoadError(what)
      expect(msg).toBe(`cannot load the upstream client (undici): ${err.message.split('\n')[0]}`)
      expect(msg).not.toContain('\n')
    }
    fail = false
    expect(undiciLoadError('pool')).toBeNull()
  })
})

describe('a gateway loads undici when a config first needs it', () => {
  let tlsServer: Server
  let tlsPort: number
  let upstream: FakeUpstream
  let logEndpoint: FakeUpstream
  let gw: TestGateway
  const seen: string[] = []

  const httpService = () => ({ name: 'plain', url: upstream.url, routes: [{ name: 'plain', paths: ['/plain'] }, { name: 'unbuffered', paths: ['/unbuffered'], request_buffering: false }] })
  const httpsService = (protocol = 'https') => ({
    name: 'tls', protocol, host: '127.0.0.1', port: tlsPort, tls_verify: false, routes: [{ name: 'tls', paths: ['/tls'] }],
  })
  const httpLog = () => ({ name: 'http-log', route: 'plain', config: { http_endpoint: `${logEndpoint.url}/log` } })
  const otel = (traces_endpoint: string, headers?: Record<string, string>) => ({ name: 'opentelemetry', route: 'plain', config: { traces_endpoint, ...(headers ? { headers } : {}) } })
  const config = (services: object[], plugins: object[] = []) => JSON.stringify({ _format_version: '3.0', services, plugins })
  const reload = (body: string) => request(`${gw.admin}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })

  beforeAll(async () => {
    const { cert, key } = selfSignedCert()
    tlsServer = createServer({ cert, key }, (req, res) => { req.resume(); req.on('end', () => res.end(`tls ${req.url}`)) })
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r))
    tlsPort = (tlsServer.address() as AddressInfo).port
    upstream = await startUpstream()
    logEndpoint = await startUpstream((_req, res) => res.end('ok'))
    // records what the gateway loads through load-undici.ts (this module's own state, fresh in this test file)
    setUndiciRequireForTests((id) => { seen.push(id); return realRequire(id) })
    gw = await startGateway(config([httpService()]))
  })
  afterAll(async () => {
    await gw.close()
    await closeAllPools()
    await closeHttpLogPools()
    await upstream.close()
    await logEndpoint.close()
    tlsServer.closeAllConnections()
    await new Promise<void>((r) => tlsServer.close(() => r()))
  })

  it('an http-only config is served without loading it', async () => {
    setUndiciRequireForTests((id) => { seen.push(id); return realRequire(id) })
    for (const body of [undefined, '{"a":1}']) {
      const res = await request(`${gw.proxy}/plain/x`, { method: body ? 'POST' : 'GET', body })
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
    expect(seen).toEqual([])
  })

  it('a reload that adds an https service loads the Pool module, and the service is served', async () => {
    setUndiciRequireForTests((id) => { seen.push(id); return realRequire(id) })
    const res = await reload(config([httpService(), httpsService()]))
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    expect(seen).toEqual([POOL_ID])
    const tls = await request(`${gw.proxy}/tls/hello`)
    expect(tls.statusCode).toBe(200)
    expect(await tls.body.text()).toBe('tls /hello')
  })

  it('a reload that adds an http-log plugin loads the package, and records are sent', async () => {
    setUndiciRequireForTests((id) => { seen.push(id); return realRequire(id) })
    const res = await reload(config([httpService()], [httpLog()]))
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    expect(seen).toContain('undici')
    await (await request(`${gw.proxy}/plain/logged`)).body.dump()
    await vi.waitFor(() => expect(logEndpoint.received.some((r) => r.url === '/log')).toBe(true))
  })

  describe('when undici cannot be loaded', () => {
    const MESSAGE = "cannot load the upstream client (undici): Cannot find module 'undici'"
    const failing = () => setUndiciRequireForTests(() => { throw new Error("Cannot find module 'undici'\nRequire stack:\n- /x.js") })

    it.each([
      ['an https service', () => config([httpService(), httpsService()]), ['services', 1, 'protocol']],
      ['a grpcs service', () => config([httpService(), httpsService('grpcs')]), ['services', 1, 'protocol']],
      ['a wss service', () => config([httpService(), httpsService('wss')]), ['services', 1, 'protocol']],
      ['an http-log plugin', () => config([httpService()], [httpLog()]), ['plugins', 0, 'config', 'http_endpoint']],
      // the exporter's client is made at configure: a failed load there was logged, the config
      // taken, and every traced request then tried the require again and failed with 500
      ['an opentelemetry plugin with an https collector', () => config([httpService()], [otel('https://127.0.0.1:4318/v1/traces')]), ['plugins', 0, 'config', 'traces_endpoint']],
      ['an opentelemetry plugin with an http collector and a header only undici sends', () => config([httpService()], [otel(`${logEndpoint.url}/v1/traces`, { Connection: 'close' })]), ['plugins', 0, 'config', 'traces_endpoint']],
    ] as const)('a config with %s is refused with the field path; the running config keeps serving', async (_name, body, path) => {
      const before = await reload(config([httpService()]))
      expect(before.statusCode).toBe(201)
      await before.body.dump()
      failing()
      const res = await reload(body())
      expect(res.statusCode).toBe(400)
      const err = (await res.body.json()) as { code: number; fields: Record<string, unknown> }
      expect(err.code).toBe(14)
      let at: unknown = err.fields
      for (const k of path) at = (at as Record<string | number, unknown>)[k]
      expect(at).toBe(MESSAGE)
      const still = await request(`${gw.proxy}/plain/still`)
      expect(still.statusCode).toBe(200)
      await still.body.dump()
    })

    it('an opentelemetry plugin whose http collector the H1 client reaches is taken without undici', async () => {
      failing()
      const res = await reload(config([httpService()], [otel(`${logEndpoint.url}/v1/traces`, { 'X-Tenant': 'a' })]))
      expect(res.statusCode).toBe(201)
      await res.body.dump()
      const still = await request(`${gw.proxy}/plain/traced`)
      expect(still.statusCode).toBe(200)
      await still.body.dump()
    })

    it("an http service's request that only undici sends fails alone with Kong's 500; the next requests are served", async () => {
      const res0 = await reload(config([httpService()]))
      expect(res0.statusCode).toBe(201)
      await res0.body.dump()
      // a fresh start: nothing loaded yet, and nothing can be
      setUndiciRequireForTests(null)
      failing()
      for (const method of ['HEAD', 'TRACE'] as const) {
        const res = await request(`${gw.proxy}/plain/needs-undici`, { method })
        expect(res.statusCode).toBe(500)
        await res.body.dump()
      }
      // bodies past the client body buffer (8m) are streamed upstream, which only undici does: the
      // request is answered (not left waiting on its unread body), with a length or chunked
      const big = Buffer.alloc(9 * 1024 * 1024, 'a')
      for (const body of [big, Readable.from((async function* () { yield big.subarray(0, 100_000); yield big.subarray(100_000) })())]) {
        const res = await request(`${gw.proxy}/unbuffered/streamed`, { method: 'POST', body, headersTimeout: 5000, bodyTimeout: 5000 })
        expect(res.statusCode).toBe(500)
        expect(await res.body.json()).toMatchObject({ message: 'An unexpected error occurred' })
      }
      const ok = await request(`${gw.proxy}/plain/ok`)
      expect(ok.statusCode).toBe(200)
      await ok.body.dump()
    })
  })
})

describe('the embeddings client (undici request API) is loaded by the config that needs it', () => {
  const registry = new PluginRegistry([aiProxyAdvanced as AnyPlugin, semanticCache as AnyPlugin])
  const MESSAGE = "cannot load the upstream client (undici): Cannot find module 'undici'"
  const EMBEDDINGS = { model: { provider: 'openai', name: 'text-embedding-3-small' } }
  const semanticRouting = {
    targets: [{ route_type: 'llm/v1/chat', description: 'd', model: { provider: 'openai', name: 'm' } }],
    balancer: { algorithm: 'semantic' }, embeddings: EMBEDDINGS, vectordb: { strategy: 'memory', dimensions: 3, distance_metric: 'cosine' },
  }
  const semanticCaching = { embeddings: EMBEDDINGS, vectordb: { strategy: 'pgvector', dimensions: 3, distance_metric: 'cosine' } }
  const failing = () => setUndiciRequireForTests(() => { throw new Error("Cannot find module 'undici'\nRequire stack:\n- /x.js") })

  // an embeddings call failed per request (a semantic route's 500, a cache that never hits) on a config that was taken
  it.each([
    ['ai-proxy-advanced, semantic routing', 'ai-proxy-advanced', semanticRouting],
    ['ai-semantic-cache', 'ai-semantic-cache', semanticCaching],
  ] as const)('%s: refused at config.embeddings when undici cannot be loaded, taken when it can', (_name, plugin, config) => {
    failing()
    expect(registry.check(plugin, structuredClone(config))).toEqual({ ok: false, errors: { embeddings: MESSAGE } })
    setUndiciRequireForTests(null)
    expect(registry.check(plugin, structuredClone(config)).ok).toBe(true)
  })

  it('ai-proxy-advanced without semantic routing needs no embeddings client', () => {
    failing()
    const r = registry.check('ai-proxy-advanced', { targets: [{ route_type: 'llm/v1/chat', model: { provider: 'openai', name: 'm' } }] })
    expect(r.ok).toBe(true)
  })
})
