// Upstream TLS is verified by default (services with tls_verify unset, every AI provider URL)
// against lua_ssl_trusted_certificate (default `system`): provider keys and cloud tokens never
// go to a server whose certificate nobody checked. A local https upstream with a self-signed
// certificate is refused with Kong's 502, accepted once its certificate is trusted, or when
// verification is turned off for that service (tls_verify: false) or AI target
// (model.options.upstream_tls_verify: false).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { selfSignedCert } from '../helpers/fake-idp/tls.ts'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { loadTrustedCa } from '../../core/settings.ts'

let server: Server
let port: number
const received: { url: string; auth: string | undefined }[] = []
const dir = mkdtempSync(join(tmpdir(), 'tollgate-tls-'))
const caFile = join(dir, 'upstream-ca.pem')
const notPem = join(dir, 'not-a-cert.pem')

beforeAll(async () => {
  const { cert, key } = selfSignedCert()
  writeFileSync(caFile, cert)
  writeFileSync(notPem, 'hello')
  server = createServer({ cert, key }, (req, res) => {
    received.push({ url: req.url!, auth: req.headers.authorization })
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

const config = () => JSON.stringify({
  _format_version: '3.0',
  services: [
    { name: 'default', url: `https://127.0.0.1:${port}`, routes: [{ name: 'default', paths: ['/default'] }] },
    { name: 'verified', url: `https://127.0.0.1:${port}`, tls_verify: true, routes: [{ name: 'verified', paths: ['/verified'] }] },
    { name: 'off', url: `https://127.0.0.1:${port}`, tls_verify: false, routes: [{ name: 'off', paths: ['/off'] }] },
    { name: 'llm', url: 'http://127.0.0.1:9', routes: [
      { name: 'ai', paths: ['/ai'] },
      { name: 'ai-off', paths: ['/ai-off'] },
      { name: 'ai-on', paths: ['/ai-on'] },
    ] },
    // the placeholder service says "don't verify", the AI target says "verify": the target wins
    { name: 'llm-off', url: 'https://127.0.0.1:9', tls_verify: false, routes: [{ name: 'ai-service-off', paths: ['/ai-service-off'] }] },
  ],
  plugins: [
    ...[['ai', undefined], ['ai-off', false], ['ai-on', true], ['ai-service-off', true]].map(([route, verify]) => ({
      name: 'ai-proxy', route,
      config: {
        route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer sk-secret' },
        model: { provider: 'openai', name: 'gpt-4o', options: { upstream_url: `https://127.0.0.1:${port}/v1/chat/completions`, ...(verify !== undefined && { upstream_tls_verify: verify }) } },
      },
    })),
  ],
})

const chat = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] })
async function call(gw: TestGateway, path: string): Promise<{ status: number; body: unknown }> {
  const ai = path.startsWith('/ai')
  const res = await request(`${gw.proxy}${path}`, ai ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat } : {})
  const text = await res.body.text()
  return { status: res.statusCode, body: JSON.parse(text) }
}

const BAD_GATEWAY = 'An invalid response was received from the upstream server'

/** [trust setting, path, status]: 502 = refused before anything was sent. */
const CASES: [string, string, number][] = [
  ['(unset: system)', '/default', 502],
  ['(unset: system)', '/verified', 502],
  ['(unset: system)', '/off', 200],
  ['(unset: system)', '/ai', 502],
  ['(unset: system)', '/ai-on', 502],
  ['(unset: system)', '/ai-service-off', 502],
  ['(unset: system)', '/ai-off', 200],
  ['<ca>', '/default', 200],
  ['<ca>', '/verified', 200],
  ['<ca>', '/ai', 200],
  ['<ca>', '/ai-on', 200],
  ['system,<ca>', '/default', 200],
  ['system,<ca>', '/ai', 200],
  ['system', '/default', 502],
  ['system', '/ai', 502],
]

describe('upstream TLS verification', () => {
  const gateways = new Map<string, TestGateway>()
  afterAll(async () => { await Promise.all([...gateways.values()].map((g) => g.close())) })
  const gateway = async (trust: string): Promise<TestGateway> => {
    let gw = gateways.get(trust)
    if (!gw) {
      const env: Record<string, string> = trust.startsWith('(') ? {} : { KONG_LUA_SSL_TRUSTED_CERTIFICATE: trust.replace('<ca>', caFile) }
      gw = await startGateway(config(), { env })
      gateways.set(trust, gw)
    }
    return gw
  }

  it.each(CASES)('lua_ssl_trusted_certificate %s: %s → %i', async (trust, path, status) => {
    const before = received.length
    const r = await call(await gateway(trust), path)
    expect(r.status).toBe(status)
    if (status === 502) {
      // Kong's message; the key never reached the unverified server
      expect(JSON.stringify(r.body)).toContain(BAD_GATEWAY)
      expect(received.length).toBe(before)
    } else {
      expect(received.length).toBe(before + 1)
      if (path.startsWith('/ai')) expect(received.at(-1)!.auth).toBe('Bearer sk-secret')
    }
  })
})

describe('lua_ssl_trusted_certificate', () => {
  it('system: the system CA store', () => {
    const ca = loadTrustedCa('system')
    expect(ca.length).toBeGreaterThan(0)
    expect(ca.join('')).toContain('-----BEGIN CERTIFICATE-----')
  })

  it('listed files without system: only those files', () => {
    expect(loadTrustedCa(caFile)).toEqual([selfSignedCert().cert])
    expect(loadTrustedCa(` ${caFile} , ${caFile}`)).toHaveLength(2)
  })

  it.each([join(dir, 'missing.pem'), notPem, dir])('refuses to start with %s', (path) => {
    expect(() => loadTrustedCa(`system,${path}`)).toThrow(`lua_ssl_trusted_certificate: failed loading certificate from ${path}`)
  })
})
