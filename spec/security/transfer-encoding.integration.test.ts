// A Transfer-Encoding other than `chunked` gets nginx's 501 at once: uWS frames no body for it,
// so the request used to wait for body bytes that would never be delivered (held open, never
// answered, nothing upstream). `chunked`, in any case, still streams its body upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

let up: FakeUpstream
let gw: TestGateway

beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway(JSON.stringify({ _format_version: '3.0', services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/'] }] }] }))
})
afterAll(async () => { await gw?.close(); await up?.close() })

/** One request written byte for byte on its own connection; resolves with what came back once the server closes. */
function exchange(text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(gw.node.proxyPort, '127.0.0.1', () => s.write(text))
    const got: Buffer[] = []
    s.on('data', (d) => got.push(d))
    s.on('error', () => { /* closed while writing: read what was answered */ })
    s.on('close', () => resolve(Buffer.concat(got).toString('latin1')))
  })
}

const head = (path: string, te: string) => `POST ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\nTransfer-Encoding: ${te}\r\n\r\n`

describe('Transfer-Encoding', () => {
  const unsupported: [string, string][] = [
    ['identity', ''], ['identity', 'abc'], ['gzip', ''], ['foo', 'abc'], ['deflate', '3\r\nabc\r\n0\r\n\r\n'],
    ['gzip, chunked', '3\r\nabc\r\n0\r\n\r\n'], ['chunked, identity', '3\r\nabc\r\n0\r\n\r\n'], ['x-chunked', ''],
  ]
  it.each(unsupported)('%j (body %j): Kong\'s 501 at once, nothing upstream', async (te, body) => {
    const before = up.received.length
    const answer = await exchange(head('/te', te) + body)
    expect(answer).toMatch(/^HTTP\/1\.1 501 /)
    expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toContain('"message":"The upstream server responded with 501"')
    expect(up.received.length).toBe(before)
  }, 5000)

  it.each(['chunked', 'Chunked', 'CHUNKED'])('%j: the body is proxied', async (te) => {
    const answer = await exchange(`${head('/ok', te)}3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n`)
    expect(answer).toMatch(/^HTTP\/1\.1 200 /)
    expect(up.received.at(-1)!.body.toString()).toBe('abcde')
  }, 5000)
})
