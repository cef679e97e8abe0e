// A streamed answer's head is copied off the upstream socket's read once the answer goes on past
// that read (core/runloop/detach-head.ts): the client must still get every header byte as the
// upstream sent it, whatever the bytes, whether the first read was small (kept) or large (copied).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import type { ServerResponse } from 'node:http'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { Type } from 'typebox'
import { definePlugin, type AnyPlugin } from '../../../core/plugins/contract.ts'

/** what the log phase reads of the upstream's head, after the whole stream (and any copy of the head) */
const logged: Record<string, string | string[]>[] = []
const headReader = definePlugin({
  name: 'test-head-reader', version: '1.0.0', priority: 10,
  schema: Type.Object({}),
  log(kong) { logged.push(kong.service.response.getHeaders()) },
}) as AnyPlugin

const HEADS: [string, [string, string][]][] = [
  ['an SSE head', [['content-type', 'text/event-stream'], ['cache-control', 'no-cache'], ['x-request-id', 'req_1']]],
  ['obs-text bytes in a value (latin1, never re-encoded)', [['content-type', 'text/event-stream'], ['x-latin', 'caf\xe9 \xff\x80']]],
  ['repeated names and empty values', [['x-a', '1'], ['x-a', '2'], ['x-empty', ''], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']]],
  ['a long value', [['x-long', 'v'.repeat(6000)]]],
  ['many headers', Array.from({ length: 60 }, (_, i) => [`x-h${i}`, `value-${i}`] as [string, string])],
]
// a first event small enough to share a read with the head and leave it there, and one large enough to be copied off
const FIRST = { small: 'data: {"a":1}\n\n', large: `data: {"a":"${'x'.repeat(16 * 1024)}"}\n\n` }

let up: FakeUpstream
let gw: TestGateway
/** the upstream answer waiting for the test to send its last event */
let open: ServerResponse | null = null

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    const q = new URL(req.url!, 'http://x').searchParams
    const flat: string[] = []
    for (const [n, v] of HEADS[Number(q.get('head'))]![1]) flat.push(n, v)
    res.writeHead(200, flat)
    // head and first event leave in one write; the rest once the client has the first event (a second read)
    res.write(FIRST[q.get('first') as 'small' | 'large'])
    open = res
  })
  gw = await startGateway(`
_format_version: "3.0"
services:
  - name: backend
    url: ${up.url}
    routes: [{ name: all, paths: ["/"] }]
plugins:
  - name: test-head-reader
`, { plugins: [headReader] })
})
afterAll(async () => { await gw.close(); await up.close() })

/** The whole response as latin1 text off a raw socket (no client decoding of the head); the upstream ends once the first event arrived. */
function rawGet(port: number, path: string, firstEventEnd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))
    const chunks: Buffer[] = []
    let ended = false
    s.on('data', (c: Buffer) => {
      chunks.push(c)
      if (!ended && Buffer.concat(chunks).toString('latin1').includes(firstEventEnd)) {
        ended = true
        open!.end('data: [DONE]\n\n')
      }
    })
    s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')))
    s.on('error', reject)
  })
}

const CASES = HEADS.flatMap(([name, head], i) => (['small', 'large'] as const).map((first) => [`${name}, ${first} first read`, head, i, first] as const))

describe('a streamed answer\'s head reaches the client byte for byte', () => {
  it.each(CASES)('%s', async (_name, head, i, first) => {
    const text = await rawGet(Number(new URL(gw.proxy).port), `/s?head=${i}&first=${first}`, '"}\n\n'.slice(first === 'small' ? 1 : 0))
    const headText = text.slice(0, text.indexOf('\r\n\r\n'))
    const body = text.slice(text.indexOf('\r\n\r\n') + 4).replace(/\r\n[0-9a-f]+\r\n/g, '')
    const lines = headText.split('\r\n').slice(1)
    for (const [n, v] of head) expect(lines).toContain(`${n}: ${v}`)
    expect(headText.toLowerCase()).toContain('transfer-encoding: chunked')
    expect(body).toContain(FIRST[first])
    expect(body).toContain('data: [DONE]\n\n')
    // the log phase runs off the hot path, after the client got its end
    await expect.poll(() => logged.length).toBeGreaterThan(0)
    const seen = logged.pop()!
    logged.length = 0
    for (const [n, v] of head) expect([seen[n]].flat()).toContain(v)
  })
})
