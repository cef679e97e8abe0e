// A credential in the query (key-auth's `apikey`, ai-proxy's query `param_name`) never reaches a
// span attribute sent to the collector: the `kong` span's http.url carries the query as the log
// record does, with the secret arguments' values REDACTED, however the client spells the name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { closeOtelPools } from '../../plugins/opentelemetry/span-exporter.ts'
import { startReceiver, type Receiver } from '../plugins/opentelemetry/otlp-receiver.ts'

const KEY = 'k3y-SECRET-5f1e9a'
let gw: TestGateway
let up: FakeUpstream
let rx: Receiver

beforeAll(async () => {
  rx = await startReceiver()
  up = await startUpstream()
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 's', url: up.url, routes: [{ name: 'keyed', paths: ['/keyed'] }, { name: 'open', paths: ['/open'] }] }],
    consumers: [{ username: 'alice', keyauth_credentials: [{ key: KEY }] }],
    plugins: [
      { name: 'opentelemetry', config: { traces_endpoint: rx.url, sampling_rate: 1, batch_flush_delay: 0 } },
      { name: 'key-auth', route: 'keyed', config: { key_names: ['apikey'] } },
    ],
  }), { env: { KONG_TRACING_INSTRUMENTATIONS: 'all' } })
})

afterAll(async () => {
  await gw?.close()
  await closeOtelPools()
  await Promise.all([up?.close(), rx?.close()])
})

async function urlAttribute(path: string): Promise<string> {
  const before = rx.spans.length
  const res = await request(`${gw.proxy}${path}`)
  await res.body.dump()
  // the root span ends the request's spans; at most a request's few spans come before it
  const rootOf = () => rx.spans.slice(before).find((s) => s.name === 'kong')
  for (let n = before + 1; rootOf() === undefined && n <= before + 8; n++) await rx.waitForSpans(n)
  const root = rootOf()
  expect(root).toBeDefined()
  return String(root!.attributes['http.url'])
}

// the route a key is sent to does not matter: a key sent to a route without key-auth is still a key
const KEYED_QUERIES: ReadonlyArray<readonly [path: string]> = [
  [`/keyed/x?apikey=${KEY}`],
  [`/keyed/x?a=1&apikey=${KEY}&b=2`],
  [`/open/x?APIKEY=${KEY}`],
  [`/keyed/x?api%6Bey=${KEY}`],
  [`/open/x?apikey=${KEY}`],
  [`/open/x?apikey=${KEY}&apikey=${KEY}`],
]

describe('opentelemetry http.url', () => {
  it.each(KEYED_QUERIES)('%s: the key is not in the span', async (path) => {
    const url = await urlAttribute(path)
    expect(url).not.toContain(KEY)
    expect(url).toContain('REDACTED')
  })

  it('other query arguments stay as the client sent them', async () => {
    const url = await urlAttribute('/open/x?q=hello&page=2')
    expect(url).toMatch(/\/open\/x\?q=hello&page=2$/)
  })
})
