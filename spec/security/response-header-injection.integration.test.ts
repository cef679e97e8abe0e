// CR/LF in a response header value never splits the response: kong.response.exit refuses such a
// value as setHeader and addHeader do, so a value built from client data (ai-semantic-cache's
// X-Cache-Key names the client's model when the config leaves it open) ends that request with
// Kong's 500 instead of writing a header line the client chose. Read on a raw socket, as a
// client's parser would be the thing fooled.
import { connect } from 'node:net'
import { Type } from 'typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { definePlugin } from '../../core/plugins/contract.ts'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'

let gw: TestGateway

// echoes the decoded query argument `v` into a response header, the way the cache echoes a key
const echo = definePlugin({
  name: 'exit-header-echo', version: '1.0.0', priority: 1000, schema: Type.Object({}),
  access(kong) {
    const v = kong.request.getQueryArg('v')
    kong.response.exit(200, 'ok', { 'X-Echo': typeof v === 'string' ? v : '' })
  },
})

beforeAll(async () => {
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/echo'] }] }],
    plugins: [{ name: 'exit-header-echo' }],
  }), { plugins: [echo] })
})

afterAll(async () => { await gw?.close() })

/** The raw response head for GET `path` (the connection is closed by us after the head). */
function rawHead(path: string): Promise<string> {
  const port = Number(new URL(gw.proxy).port)
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))
    let got = ''
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1')
      const end = got.indexOf('\r\n\r\n')
      if (end >= 0) { s.destroy(); resolve(got.slice(0, end)) }
    })
    s.on('error', reject)
    s.on('close', () => resolve(got))
  })
}

const INJECTIONS: readonly string[] = [
  '%0D%0ASet-Cookie:%20evil=1',
  '%0ASet-Cookie:%20evil=1',
  '%0DSet-Cookie:%20evil=1',
  'a%0D%0A%0D%0A<html>evil',
  'kong_semantic_cache:x:openai-gpt%0D%0ASet-Cookie:%20evil=1',
]

describe('kong.response.exit header values', () => {
  it.each(INJECTIONS)('%s: no header line of the client\'s', async (v) => {
    const head = await rawHead(`/echo?v=${v}`)
    expect(head).toMatch(/^HTTP\/1\.1 500 /)
    expect(head).not.toMatch(/\r\nSet-Cookie/i)
    expect(head).not.toContain('evil')
  })

  it('a plain value is sent', async () => {
    const head = await rawHead('/echo?v=kong_semantic_cache%3Ax%3Aopenai-gpt-4o')
    expect(head).toMatch(/^HTTP\/1\.1 200 /)
    expect(head).toContain('\r\nX-Echo: kong_semantic_cache:x:openai-gpt-4o')
  })
})
