// The gateway on each upstream client (the H1 client by default, undici with
// TOLLGATE_UPSTREAM_CLIENT=undici): the same exchanges give the client the same answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

let up: FakeUpstream
const gws: Record<string, TestGateway> = {}

/** A raw request to the gateway, the raw bytes of its whole answer (the gateway closes after it). */
function rawExchange(port: number, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(request))
    const chunks: Buffer[] = []
    s.on('data', (d: Buffer) => chunks.push(d))
    s.on('end', () => resolve(Buffer.concat(chunks)))
    s.on('error', reject)
  })
}

beforeAll(async () => {
  up = await startUpstream((req, res, body) => {
    if (req.url === '/bytes') {
      // obs-text in a header value: the client must get these bytes, not a re-encoding of them
      res.setHeader('content-disposition', Buffer.from('attachment; filename="café ☕.txt"').toString('latin1'))
      res.end('ok')
    } else if (req.url === '/echo') res.end(`${req.method} ${req.headers['content-length'] ?? '-'} ${body.toString()}`)
    else res.end('plain')
  })
  const config = `
_format_version: "3.0"
services:
  - name: backend
    url: ${up.url}
    routes:
      - name: all
        paths: ["/"]
`
  for (const client of ['h1', 'undici']) {
    const before = process.env.TOLLGATE_UPSTREAM_CLIENT
    process.env.TOLLGATE_UPSTREAM_CLIENT = client // read by the worker thread when it starts
    try { gws[client] = await startGateway(config) } finally {
      if (before === undefined) delete process.env.TOLLGATE_UPSTREAM_CLIENT
      else process.env.TOLLGATE_UPSTREAM_CLIENT = before
    }
  }
})
afterAll(async () => {
  await Promise.all(Object.values(gws).map((g) => g.close()))
  await up.close()
})

describe.each(['h1', 'undici'])('the gateway on the %s upstream client', (client) => {
  const port = () => Number(new URL(gws[client]!.proxy).port)

  it('passes a response header with bytes past ASCII through byte for byte', async () => {
    const answer = await rawExchange(port(), 'GET /bytes HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')
    expect(answer.includes(Buffer.from('filename="café ☕.txt"'))).toBe(true)
  })

  it.each([
    ['POST', 'hello', 'POST 5 hello'],
    ['POST', '', 'POST 0 '],
    ['PUT', 'x'.repeat(70_000), `PUT 70000 ${'x'.repeat(70_000)}`],
    ['DELETE', '', 'DELETE - '],
  ])('%s with a %#th body reaches the upstream with its length', async (method, body, seen) => {
    const res = await fetch(`${gws[client]!.proxy}/echo`, { method, body: body === '' && method !== 'POST' ? undefined : body })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(seen)
  })

  it('reuses upstream connections across sequential requests', async () => {
    const before = up.connections
    for (let i = 0; i < 10; i++) expect(await (await fetch(`${gws[client]!.proxy}/plain`)).text()).toBe('plain')
    expect(up.connections - before).toBeLessThanOrEqual(2)
  })
})
