// A streamed answer's head (no Content-Length) is copied off the upstream socket's read before it
// is kept for the exchange (core/runloop/detach-head.ts): the client must still get every header
// byte as the upstream sent it, whatever the bytes, with the first body bytes in the same read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

const HEADS: [string, [string, string][]][] = [
  ['an SSE head', [['content-type', 'text/event-stream'], ['cache-control', 'no-cache'], ['x-request-id', 'req_1']]],
  ['obs-text bytes in a value (latin1, never re-encoded)', [['content-type', 'text/event-stream'], ['x-latin', 'caf\xe9 \xff\x80']]],
  ['repeated names and empty values', [['x-a', '1'], ['x-a', '2'], ['x-empty', ''], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']]],
  ['a long value', [['x-long', 'v'.repeat(6000)]]],
  ['many headers', Array.from({ length: 60 }, (_, i) => [`x-h${i}`, `value-${i}`] as [string, string])],
]

let up: FakeUpstream
let gw: TestGateway

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    const i = Number(new URL(req.url!, 'http://x').searchParams.get('head'))
    const flat: string[] = []
    for (const [n, v] of HEADS[i]![1]) flat.push(n, v)
    res.writeHead(200, flat)
    // head and first body bytes leave in one write, so they arrive in one read
    res.write('data: {"a":1}\n\n')
    res.end('data: [DONE]\n\n')
  })
  gw = await startGateway(`
_format_version: "3.0"
services:
  - name: backend
    url: ${up.url}
    routes: [{ name: all, paths: ["/"] }]
`)
})
afterAll(async () => { await gw.close(); await up.close() })

/** The whole response as latin1 text, read off a raw socket (no client decoding of the head). */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))
    const chunks: Buffer[] = []
    s.on('data', (c: Buffer) => chunks.push(c))
    s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')))
    s.on('error', reject)
  })
}

describe('a streamed answer\'s head reaches the client byte for byte', () => {
  it.each(HEADS.map(([name, h], i) => [name, h, i] as const))('%s', async (_name, head, i) => {
    const text = await rawGet(Number(new URL(gw.proxy).port), `/s?head=${i}`)
    const [headText, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)]
    const lines = headText.split('\r\n').slice(1)
    for (const [n, v] of head) expect(lines).toContain(`${n}: ${v}`)
    expect(headText.toLowerCase()).toContain('transfer-encoding: chunked')
    expect(body).toContain('data: {"a":1}\n\n')
    expect(body).toContain('data: [DONE]\n\n')
  })
})
