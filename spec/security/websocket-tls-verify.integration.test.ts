// A realtime session's upstream TLS is verified like every other upstream call: against
// lua_ssl_trusted_certificate, unless model.options.upstream_tls_verify is false. A wss upstream
// with a self-signed certificate nobody trusts is refused with Kong's 502 before the provider key
// is sent; trusted, or with verification off for that target, the session opens.
import { afterAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket, { WebSocketServer } from 'ws'
import { selfSignedCert } from '../helpers/fake-idp/tls.ts'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'

const { cert, key } = selfSignedCert()
const dir = mkdtempSync(join(tmpdir(), 'tollgate-wss-'))
const caFile = join(dir, 'upstream-ca.pem')
writeFileSync(caFile, cert)

const seen: (string | undefined)[] = []
let server: Server
let wss: WebSocketServer
const gateways: TestGateway[] = []

async function upstream(): Promise<number> {
  if (!server) {
    server = createServer({ cert, key })
    wss = new WebSocketServer({ server })
    wss.on('connection', (ws, req) => {
      seen.push(req.headers.authorization)
      ws.send(JSON.stringify({ type: 'session.created', session: { model: 'gpt-4o-realtime-preview' } }))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  }
  return (server.address() as AddressInfo).port
}

afterAll(async () => {
  for (const g of gateways) await g.close()
  for (const c of wss?.clients ?? []) c.terminate()
  server?.closeAllConnections()
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
})

async function gateway(env: Record<string, string>, verify: boolean | undefined): Promise<number> {
  const port = await upstream()
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'rt', paths: ['/rt'] }] }],
    plugins: [{ name: 'ai-proxy', route: 'rt', config: {
      route_type: 'realtime/v1/realtime', auth: { header_name: 'Authorization', header_value: 'Bearer sk-secret' },
      model: { provider: 'openai', name: 'gpt-4o-realtime-preview', options: { upstream_url: `https://127.0.0.1:${port}/v1/realtime`, ...(verify !== undefined && { upstream_tls_verify: verify }) } },
    } }],
  }
  const gw = await startGateway(JSON.stringify(config), { env })
  gateways.push(gw)
  return Number(new URL(gw.proxy).port)
}

/** 101 → the first upstream message; otherwise the refusal's status. */
function session(port: number): Promise<{ status: number; first?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rt/v1/realtime`)
    ws.once('message', (d) => { resolve({ status: 101, first: String(d) }); ws.close() })
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode! }))
    ws.once('error', reject)
  })
}

describe('wss upstream certificate checks', () => {
  it.each([
    ['untrusted (system roots), verification on by default', {}, undefined, 502],
    ['untrusted, upstream_tls_verify: true', {}, true, 502],
    ['trusted through lua_ssl_trusted_certificate', { KONG_LUA_SSL_TRUSTED_CERTIFICATE: caFile }, undefined, 101],
    ['untrusted, upstream_tls_verify: false', {}, false, 101],
  ] as const)('%s', async (_name, env, verify, status) => {
    const before = seen.length
    const r = await session(await gateway({ ...env }, verify))
    expect(r.status).toBe(status)
    if (status === 101) {
      expect(JSON.parse(r.first!).type).toBe('session.created')
      expect(seen.slice(before)).toEqual(['Bearer sk-secret'])
    } else expect(seen.length).toBe(before) // the key never went to an unverified server
  })
})
