// The Admin API against a browser-borne attacker (CSRF from any page an operator opens, DNS
// rebinding) and against oversized or hostile bodies: every refused request leaves the config
// that is serving untouched, and no answer carries a secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

const GUI = 'https://gui.example.com'
const SECRET = 'admin-api-vault-secret-5f1e'
const TOKEN = 'kong-admin-token-9c2d'
const MB10 = 10 * 1024 * 1024

const configA = (url: string) => `_format_version: "3.0"
services:
  - name: a
    url: ${url}/a
    routes: [{ name: ra, paths: ["/a"] }]
    plugins:
      - name: request-transformer
        config: { add: { headers: ["x-upstream-secret:{vault://env/ADMIN_API_TEST_SECRET}"] } }
`
const configB = (url: string) => `_format_version: "3.0"\nservices:\n  - name: b\n    url: ${url}/b\n    routes: [{ name: rb, paths: ["/b"] }]\n`

interface Raw { status: number; headers: string; body: string }

/** One request written byte for byte (a missing or forged Host, a lying Content-Length); status 0 = closed unanswered. */
function raw(port: number, head: string, body: Buffer | string = ''): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    const got: Buffer[] = []
    s.on('data', (d) => got.push(d))
    s.on('error', () => { /* the server may close while we still write: read what it answered */ })
    s.on('close', () => {
      const text = Buffer.concat(got).toString('latin1')
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text)
      if (!m) return text === '' ? resolve({ status: 0, headers: '', body: '' }) : reject(new Error(`not HTTP: ${JSON.stringify(text.slice(0, 200))}`))
      const split = text.indexOf('\r\n\r\n')
      resolve({ status: Number(m[1]), headers: text.slice(0, split), body: text.slice(split + 4) })
    })
    s.write(head)
    s.end(body)
  })
}

let up: FakeUpstream
let gw: TestGateway
let port: number

async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  const res = await request(`${gw.admin}${path}`, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, text, body: text ? JSON.parse(text) : null }
}
const hash = async () => (await call('/status')).body.configuration_hash as string
async function stillServingA(): Promise<void> {
  const res = await request(`${gw.proxy}/a/x`)
  expect(res.statusCode).toBe(200)
  expect(await res.body.text()).toBe('/a/x')
}

beforeAll(async () => {
  process.env.ADMIN_API_TEST_SECRET = SECRET
  up = await startUpstream((req, res) => res.end(req.url))
  gw = await startGateway(configA(up.url), { env: { KONG_ADMIN_GUI_URL: `${GUI}/manager, http://localhost:8002` } })
  port = gw.node.adminPort!
})
afterAll(async () => { await gw.close(); await up.close(); delete process.env.ADMIN_API_TEST_SECRET })

describe('Admin API: browser origins (CSRF)', () => {
  const evilOrigins = [
    'https://evil.example', 'null', 'http://localhost.evil.example', 'http://127.0.0.1.nip.io',
    'https://gui.example.com.evil.example', 'https://gui.example.comevil.example', 'https://evil.example/https://gui.example.com',
    'http://gui.example.com', 'https://gui.example.com:8443', 'HTTPS://GUI.EXAMPLE.COM', 'https://gui.example.co',
    'http://localhost:8003', 'file://', 'https://gui.example.com.', 'https://gui.example.com:443',
  ]

  it.each(evilOrigins)('refuses POST /config (text/plain, as a page sends it) from Origin %j with 403', async (origin) => {
    const before = await hash()
    const r = await call('/config', { method: 'POST', headers: { origin, 'content-type': 'text/plain' }, body: configB(up.url) })
    expect(r.status).toBe(403)
    expect(r.body).toEqual({ message: 'Origin not allowed' })
    expect(r.headers['access-control-allow-origin']).toBeUndefined()
    expect(await hash()).toBe(before)
  })

  it.each(evilOrigins)('refuses a JSON POST /config and a GET /config from Origin %j', async (origin) => {
    const post = await call('/config', { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ config: configB(up.url) }) })
    expect(post.status).toBe(403)
    const get = await call('/config', { headers: { origin } })
    expect(get.status).toBe(403)
    expect(get.text).not.toContain('_format_version')
    expect(get.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('never answers with Access-Control-Allow-Origin: * (no Origin, and an allowed one)', async () => {
    for (const headers of [{}, { origin: GUI }] as Record<string, string>[]) {
      for (const path of ['/', '/status', '/config', '/services', '/nope']) {
        const r = await call(path, { headers })
        expect(r.headers['access-control-allow-origin']).not.toBe('*')
      }
    }
  })

  it.each([GUI, 'http://localhost:8002'])('lets the GUI origin %s read answers (CORS echo, Vary) and preflight', async (origin) => {
    const r = await call('/status', { headers: { origin } })
    expect(r.status).toBe(200)
    expect(r.headers['access-control-allow-origin']).toBe(origin)
    expect(r.headers.vary).toBe('Origin')
    const pre = await call('/config', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    expect(pre.status).toBe(204)
    expect(pre.headers['access-control-allow-origin']).toBe(origin)
    expect(String(pre.headers['access-control-allow-headers'])).toContain('Kong-Admin-Token')
  })

  it('refuses every browser origin when admin_gui_url is unset', async () => {
    const plain = await startGateway(configB(up.url))
    try {
      const r = await request(`${plain.admin}/status`, { headers: { origin: GUI } })
      expect(r.statusCode).toBe(403)
      expect(await r.body.json()).toEqual({ message: 'Origin not allowed' })
      const ok = await request(`${plain.admin}/status`)
      expect(ok.statusCode).toBe(200)
      await ok.body.dump()
    } finally { await plain.close() }
  })
})

describe('Admin API: Host header (DNS rebinding)', () => {
  const evilHosts = () => [
    'evil.example', `evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`,
    `gui.example.com.evil.example:${port}`, `127.0.0.1:${port + 1}`, `localhost:${port}0`, 'localhost', '127.0.0.1',
    `[::1]x:${port}`, `[evil.example]:${port}`, `localhost:${port}@evil.example`, `evil.example#@localhost:${port}`,
    `1.2.3:${port}`, `256.1.1.1:${port}`, `localhost.:${port}`,
  ]

  it('refuses each forged Host with 403 before reading the config', async () => {
    const before = await hash()
    for (const host of evilHosts()) {
      const body = configB(up.url)
      const r = await raw(port, `POST /config HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/yaml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`, body)
      expect({ host, status: r.status }).toEqual({ host, status: 403 })
      expect(JSON.parse(r.body)).toEqual({ message: 'Host not allowed' })
      expect(r.body).not.toContain(host)
    }
    expect(await hash()).toBe(before)
    await stillServingA()
  })

  it('refuses a request without a Host header (uWS drops HTTP/1.1 without Host; 1.0 gets 403)', async () => {
    for (const version of ['1.1', '1.0']) {
      const r = await raw(port, `GET /config HTTP/${version}\r\nConnection: close\r\n\r\n`)
      expect([0, 403]).toContain(r.status)
      expect(r.body).not.toContain('_format_version')
    }
  })

  it('accepts the listener\'s own names: loopback, IP literals, localhost, the GUI host, with its port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, `10.1.2.3:${port}`, `gui.example.com:${port}`]) {
      const r = await raw(port, `GET /status HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
      expect({ host, status: r.status }).toEqual({ host, status: 200 })
    }
  })
})

describe('Admin API: POST /config media types and sizes', () => {
  const refusedTypes = ['text/plain', 'text/plain;charset=utf-8', 'application/octet-stream', 'text/html', 'application/jsonx', 'application/x-yaml-evil', 'text/xml', 'application/ld+json']

  it.each(refusedTypes)('answers Content-Type %j with 415 and keeps the old config', async (type) => {
    const before = await hash()
    const r = await call('/config', { method: 'POST', headers: { 'content-type': type }, body: configB(up.url) })
    expect(r.status).toBe(415)
    expect(r.body).toEqual({ message: 'Unsupported Media Type' })
    expect(await hash()).toBe(before)
  })

  it('answers a POST /config without Content-Type with 415', async () => {
    const body = configB(up.url)
    const r = await raw(port, `POST /config HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`, body)
    expect(r.status).toBe(415)
  })

  it('refuses multipart without a config field (400, Kong message) and unparsable multipart', async () => {
    const form = new FormData()
    form.set('other', configB(up.url))
    const multipart = new Request('http://x', { method: 'POST', body: form })
    const r = await call('/config', { method: 'POST', headers: { 'content-type': multipart.headers.get('content-type')! }, body: Buffer.from(await multipart.arrayBuffer()) })
    expect(r.status).toBe(400)
    expect(r.body).toEqual({ message: 'expected a declarative configuration' })
    const broken = await call('/config', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, body: '--zzz\r\nnonsense' })
    expect(broken.status).toBe(400)
  })

  it('answers a declared body over 10m with 413 without reading it', async () => {
    const r = await raw(port, `POST /config HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/yaml\r\nContent-Length: ${MB10 + 1}\r\n\r\n`)
    expect(r.status).toBe(413)
    expect(JSON.parse(r.body)).toEqual({ message: 'Payload too large' })
  })

  it('answers a chunked body that grows past 10m with 413', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'a')
    const size = chunk.length.toString(16)
    const chunks = Array.from({ length: 11 }, () => Buffer.concat([Buffer.from(`${size}\r\n`), chunk, Buffer.from('\r\n')]))
    const r = await raw(port, `POST /config HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/yaml\r\nTransfer-Encoding: chunked\r\n\r\n`, Buffer.concat([...chunks, Buffer.from('0\r\n\r\n')]))
    expect(r.status).toBe(413)
    await stillServingA()
  })

  it('takes a config just under 10m', async () => {
    const tail = configA(up.url)
    const pad = `# ${'p'.repeat(MB10 - Buffer.byteLength(tail) - 100)}\n`
    const r = await call('/config', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: pad + tail })
    expect(r.status).toBe(201)
  })

  it.each([
    ['application/json', (c: string) => JSON.stringify({ config: c })],
    ['application/json;charset=utf-8', (c: string) => JSON.stringify({ config: c })],
    ['application/x-yaml', (c: string) => c],
    ['text/yaml', (c: string) => c],
    ['application/yaml; charset=utf-8', (c: string) => c],
    ['application/x-www-form-urlencoded', (c: string) => new URLSearchParams({ config: c }).toString()],
  ])('takes Content-Type %s', async (type, encode) => {
    const r = await call('/config', { method: 'POST', headers: { 'content-type': type }, body: encode(configB(up.url)) })
    expect(r.status).toBe(201)
    expect(Object.values(r.body.services).map((s) => (s as { name: string }).name)).toEqual(['b'])
    const back = await call('/config', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: configA(up.url) })
    expect(back.status).toBe(201)
  })

  it('takes a multipart config field, as text and as a file (curl -F config=@kong.yml)', async () => {
    for (const value of [configB(up.url), new Blob([configB(up.url)], { type: 'application/x-yaml' })]) {
      const form = new FormData()
      if (typeof value === 'string') form.set('config', value); else form.set('config', value, 'kong.yml')
      const req = new Request('http://x', { method: 'POST', body: form })
      const r = await call('/config', { method: 'POST', headers: { 'content-type': req.headers.get('content-type')! }, body: Buffer.from(await req.arrayBuffer()) })
      expect(r.status).toBe(201)
      expect((await call('/config', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: configA(up.url) })).status).toBe(201)
    }
    await stillServingA()
  })
})

describe('Admin API: YAML alias bombs', () => {
  const laughs = (levels: number, width: number) => {
    let doc = `_format_version: "3.0"\nl0: &l0 [${Array(width).fill('"lol"').join(',')}]\n`
    for (let i = 1; i <= levels; i++) doc += `l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(',')}]\n`
    return doc
  }
  const mergeChain = (n: number) => {
    let doc = '_format_version: "3.0"\nm0: &m0 {a: 1, b: 2}\n'
    for (let i = 1; i <= n; i++) doc += `m${i}: &m${i} {<<: [*m${i - 1}, *m${i - 1}], k${i}: 1}\n`
    return doc
  }
  const bombs: [string, string][] = [
    ['billion laughs 9x9', laughs(9, 9)],
    ['wide 2 levels', laughs(2, 100)],
    ['deep 30x2', laughs(30, 2)],
    ['merge-key chain', mergeChain(40)],
    ['one anchor used 5000 times', `_format_version: "3.0"\nx: &x [1]\ny: [${Array(5000).fill('*x').join(',')}]\n`],
  ]

  it.each(bombs)('refuses %s with a 400 parse error, quickly, keeping the old config', async (_name, doc) => {
    const before = await hash()
    const t0 = performance.now()
    for (const [type, body] of [['text/yaml', doc], ['application/json', JSON.stringify({ config: doc })]] as const) {
      const r = await call('/config', { method: 'POST', headers: { 'content-type': type }, body })
      expect(r.status).toBe(400)
      expect(r.body.code).toBe(14)
      expect(r.body.fields.error).toMatch(/^failed parsing declarative configuration: too many YAML aliases/)
    }
    expect(performance.now() - t0).toBeLessThan(5_000)
    expect(await hash()).toBe(before)
    await stillServingA()
  })

  it('still takes a config that uses a few aliases', async () => {
    const ok = `_format_version: "3.0"\nservices:\n  - name: b\n    url: ${up.url}/b\n    routes:\n      - { name: rb, paths: &paths ["/b"] }\n      - { name: rb2, paths: *paths, methods: [POST] }\n`
    const r = await call('/config', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: ok })
    expect(r.status).toBe(201)
    expect((await call('/config', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: configA(up.url) })).status).toBe(201)
  })
})

describe('Admin API: secrets', () => {
  it('shows vault references, never their values, in every listing and in the POST /config answer', async () => {
    const posted = await call('/config', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: configA(up.url) })
    expect(posted.status).toBe(201)
    const svc = (await call('/services/a')).body
    const plugin = (await call('/plugins')).body.data[0]
    const answers = [posted.text]
    for (const path of ['/config', '/plugins', `/plugins/${plugin.id}`, '/services/a/plugins', `/services/${svc.id}/plugins`, '/', '/status', '/services', '/routes']) {
      const r = await call(path)
      expect(r.status).toBe(200)
      answers.push(r.text)
    }
    for (const text of answers) expect(text).not.toContain(SECRET)
    expect((await call('/config')).text).toContain('{vault://env/ADMIN_API_TEST_SECRET}')
    expect(JSON.stringify(plugin.config)).toContain('{vault://env/ADMIN_API_TEST_SECRET}')
    // the secret does reach the upstream: it was resolved, only hidden from the Admin API
    const res = await request(`${gw.proxy}/a/x`)
    await res.body.dump()
    expect(up.received.at(-1)!.headers['x-upstream-secret']).toBe(SECRET)
  })
})

describe('Admin API: KONG_ADMIN_TOKEN', () => {
  let tgw: TestGateway
  beforeAll(async () => { tgw = await startGateway(configB(up.url), { env: { KONG_ADMIN_TOKEN: TOKEN } }) })
  afterAll(() => tgw.close())

  const wrong = ['', ' ', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), `${TOKEN},${TOKEN}`, `Bearer ${TOKEN}`, 'x'.repeat(5000), TOKEN.replace(/./g, 'a')]

  it('refuses a request without the token with 401', async () => {
    for (const path of ['/', '/config', '/status', '/services']) {
      const r = await request(`${tgw.admin}${path}`)
      expect(r.statusCode).toBe(401)
      expect(await r.body.json()).toEqual({ message: 'Invalid credentials. Token or User credentials required' })
    }
    const post = await request(`${tgw.admin}/config`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: configA(up.url) })
    expect(post.statusCode).toBe(401)
    await post.body.dump()
    expect(tgw.node.gateway.state.snapshot.services.map((s) => s.name)).toEqual(['b'])
  })

  it.each(wrong.map((t, i) => [i, t]))('refuses wrong token #%i with 401 and never echoes a token', async (_i, token) => {
    const r = await request(`${tgw.admin}/config`, { headers: { 'kong-admin-token': token } })
    const text = await r.body.text()
    expect(r.statusCode).toBe(401)
    expect(text).not.toContain(TOKEN)
    if (token.trim()) expect(text).not.toContain(token.trim())
  })

  it('takes the right token, and still refuses an evil Origin that carries it', async () => {
    const ok = await request(`${tgw.admin}/config`, { headers: { 'kong-admin-token': TOKEN } })
    expect(ok.statusCode).toBe(200)
    expect(await ok.body.text()).not.toContain(TOKEN)
    const evil = await request(`${tgw.admin}/config`, { headers: { 'kong-admin-token': TOKEN, origin: 'https://evil.example' } })
    expect(evil.statusCode).toBe(403)
    await evil.body.dump()
    const info = await request(`${tgw.admin}/`, { headers: { 'kong-admin-token': TOKEN } })
    expect(await info.body.text()).not.toContain(TOKEN)
  })
})

describe('Admin API: malformed paths', () => {
  it.each(['/services/%E0%A4%A', '/routes/%', '/plugins/%ZZ', '/consumers/%C0%AF/plugins'])('answers %s with Kong\'s 400, not a 500', async (path) => {
    const r = await call(path)
    expect(r.status).toBe(400)
    expect(r.body).toEqual({ message: 'Bad request' })
  })
})
