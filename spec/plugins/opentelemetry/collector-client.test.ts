// The exporter's two ways to the collector (collector-client.ts): the gateway's HTTP/1.1 client for
// an http:// collector, undici for what it leaves (headers undici treats itself, https). Each
// case runs through both and must give the same outcome: the batch and its headers delivered,
// a collector answering an error status, one that is down, one that never answers (timed out).
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { closeCollectorPools, collectorClient, type CollectorTimeouts } from '../../../plugins/opentelemetry/collector-client.ts'
import { startReceiver, type Receiver } from './otlp-receiver.ts'
import { encodeHeader, encodeSpans, OtlpWriter } from '../../../plugins/opentelemetry/otlp-encode.ts'
import { KIND, LeanSpan } from '../../../plugins/opentelemetry/lean-span.ts'

let rx: Receiver
beforeAll(async () => { rx = await startReceiver() })
afterEach(() => { rx.mode = 'ok' })
afterAll(async () => { await closeCollectorPools(); await rx.close() })

const T: CollectorTimeouts = { connectTimeout: 500, sendTimeout: 100, readTimeout: 100 }
const body = (name: string): Buffer => encodeSpans(new OtlpWriter(), encodeHeader({ 'service.name': 'kong' }, { name: 's', version: '' }),
  [new LeanSpan(name, KIND.internal, 'ab'.repeat(16), 'cd'.repeat(8), null, 1, 2, {})])

const post = (url: string, headers: Record<string, string>, b: Buffer, t = T) =>
  new Promise<{ err: (Error & { code?: string }) | null; status: number }>((resolve) => {
    collectorClient(new URL(url), headers, t).post(b, (err, status) => resolve({ err, status }))
  })

/** a `connection` header is one h1Request leaves to undici (which then sends `connection: close`): that tells the clients apart */
const TRANSPORTS: [string, Record<string, string>, string][] = [
  ['the H1 client', { 'content-type': 'application/x-protobuf', 'x-tenant': 'a' }, 'keep-alive'],
  ['undici (a header h1Request leaves to it)', { 'content-type': 'application/x-protobuf', 'x-tenant': 'a', connection: 'close' }, 'close'],
]

describe.each(TRANSPORTS)('collector client: %s', (_name, headers, connection) => {
  it('delivers the batch with its headers', async () => {
    const n = rx.spans.length
    const name = `span-${Math.random()}`
    const r = await post(rx.url, headers, body(name))
    expect(r).toEqual({ err: null, status: 200 })
    await rx.waitForSpans(n + 1)
    expect(rx.spans.at(-1)!.name).toBe(name)
    expect(rx.requests.at(-1)!.headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'x-tenant': 'a', connection })
  })

  it('a collector that is down: a connect error', async () => {
    const port = await new Promise<number>((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)) }) })
    const r = await post(`http://127.0.0.1:${port}/v1/traces`, headers, body('x'))
    expect(r.status).toBe(0)
    expect(r.err?.code).toBe('ECONNREFUSED')
  })

  it('a collector that never answers: timed out, told once', async () => {
    rx.mode = 'hang'
    const r = await post(rx.url, headers, body('x'))
    expect(r.status).toBe(0)
    expect(r.err).not.toBeNull()
  })
})
