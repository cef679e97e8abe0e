// The exporter's bounds: one batch in flight, a bounded queue behind it, spans beyond it dropped
// and counted at once (the request path never waits), batches of batch_span_count.
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeOtelPools, exportStats, SpanExporter, type ExporterOptions } from '../../../plugins/opentelemetry/span-exporter.ts'
import { KIND, LeanSpan } from '../../../plugins/opentelemetry/lean-span.ts'
import { newSpanId, newTraceId } from '../../../plugins/opentelemetry/trace-ids.ts'
import { startReceiver, type Receiver } from './otlp-receiver.ts'

let rx: Receiver
beforeAll(async () => { rx = await startReceiver() })
afterEach(() => { rx.mode = 'ok' })
afterAll(async () => { await closeOtelPools(); await rx.close() })

const opts = (o: Partial<ExporterOptions> = {}): ExporterOptions => ({
  endpoint: rx.url, headers: {}, resourceAttributes: {}, nodeId: 'node-1', batchSpanCount: 5, flushDelay: 0,
  connectTimeout: 1000, sendTimeout: 1000, readTimeout: 1000, maxQueued: 10, ...o,
})

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function spans(n: number): LeanSpan[] {
  const t = newTraceId()
  const now = performance.now()
  return Array.from({ length: n }, (_, i) => new LeanSpan(`s${i}`, KIND.internal, t, newSpanId(), null, now, now + 1, { i }))
}

describe('SpanExporter', () => {
  it('sends batches of batch_span_count, with the resource', async () => {
    const e = new SpanExporter(opts({ resourceAttributes: { 'service.name': 'edge' }, maxQueued: 20 }))
    const before = rx.spans.length
    const requests = rx.requests.length
    e.add(spans(12))
    await rx.waitForSpans(before + 12)
    expect(rx.requests.length - requests).toBe(3) // 5 + 5 + 2
    expect(rx.spans.at(-1)!.resource).toMatchObject({ 'service.name': 'edge', 'service.instance.id': 'node-1' })
  })

  it('credentials in the endpoint URL go as Basic authorization, with the configured headers', async () => {
    const u = new URL(rx.url)
    u.username = 'us%3Aer'
    u.password = 'p%40ss'
    const e = new SpanExporter(opts({ endpoint: u.href, headers: { 'x-tenant': 't1' }, batchSpanCount: 1 }))
    const requests = rx.requests.length
    e.add(spans(1))
    await rx.waitForSpans(rx.spans.length + 1)
    expect(rx.requests.length).toBeGreaterThan(requests)
    expect(rx.requests.at(-1)!.headers).toMatchObject({ authorization: `Basic ${Buffer.from('us:er:p@ss').toString('base64')}`, 'x-tenant': 't1', 'content-type': 'application/x-protobuf' })
  })

  // the writer's buffers travel with their batches and come back once sent: a batch never carries
  // another's bytes, whether it was sealed while one was in flight or after
  it.each([[5, 1], [30, 3], [12, 7]])('%i batches of %i spans, each sent once, intact, in order', async (batches, per) => {
    const e = new SpanExporter(opts({ batchSpanCount: per, maxQueued: batches * per }))
    const t = newTraceId()
    const now = performance.now()
    const names: string[] = []
    for (let b = 0; b < batches; b++) {
      const spans = Array.from({ length: per }, (_, i) => new LeanSpan(`b${b}-s${i}-${'x'.repeat((b * 37) % 300)}`, KIND.internal, t, newSpanId(), null, now, now + 1, { b, i }))
      names.push(...spans.map((s) => s.name))
      e.add(spans)
      // some batches are sealed while another is in flight, some after it was answered
      if (b % 3 === 2) await rx.waitForSpans(rx.spans.length + 1)
    }
    const mine = () => rx.spans.filter((s) => s.traceId === t).map((s) => s.name)
    while (mine().length < names.length) await rx.waitForSpans(rx.spans.length + 1)
    expect(mine()).toEqual(names)
  })

  // Requests logged in one loop turn while a batch is ready and none in flight (the usual state
  // under load: the exporter runs a batch behind) share one scheduled send, not one each.
  it.each([
    // [requests in the turn, spans per request, batch size, flush delay ms]
    [1, 6, 5, 3000], [40, 6, 5, 3000], [40, 6, 200, 0], [200, 1, 1, 3000], [500, 6, 50, 0],
  ])('%i requests of %i spans in one turn (batches of %i, flush delay %i): one Immediate, every span arrives', async (requests, per, batch, delay) => {
    const e = new SpanExporter(opts({ batchSpanCount: batch, flushDelay: delay, maxQueued: requests * per }))
    const t = newTraceId()
    const now = performance.now()
    const real = globalThis.setImmediate
    let immediates = 0
    const spy = vi.spyOn(globalThis, 'setImmediate').mockImplementation(((cb: () => void) => { immediates++; return real(cb) }) as typeof setImmediate)
    try {
      for (let r = 0; r < requests; r++) e.add(Array.from({ length: per }, (_, i) => new LeanSpan(`r${r}-${i}`, KIND.internal, t, newSpanId(), null, now, now + 1, {})))
    } finally { spy.mockRestore() }
    expect(immediates).toBe(1)
    const mine = () => rx.spans.filter((s) => s.traceId === t).length
    // batches left after the first send go out as each is answered, the last one at the flush
    // delay: flush() sends it now (a no-op while a batch is in flight; bounded, one loop turn each)
    for (let turn = 0; turn < 100_000 && mine() < requests * per; turn++) {
      e.flush()
      await new Promise((r) => real(r))
    }
    expect(mine()).toBe(requests * per)
  })

  it('while a batch hangs, the queue holds maxQueued spans and drops the rest at once', () => {
    rx.mode = 'hang'
    const e = new SpanExporter(opts({ readTimeout: 60_000, sendTimeout: 60_000 }))
    const dropped = exportStats.dropped
    e.add(spans(10))
    e.add(spans(25))
    // synchronously: 10 queued (the first batch leaves on the next tick), 25 dropped
    expect(e.queued).toBe(10)
    expect(exportStats.dropped - dropped).toBe(25)
  })

  // spans of several requests fill one batch, in the order they came, whatever the add() sizes
  it.each([[[1, 1, 1, 1, 1, 1, 1]], [[3, 4]], [[2, 0, 5]], [[7]], [[6, 1]]])('adds of %j: every span sent, in the order added', async (adds) => {
    const e = new SpanExporter(opts({ maxQueued: 20 }))
    const t = newTraceId()
    let k = 0
    for (const n of adds) {
      const now = performance.now()
      e.add(Array.from({ length: n }, () => new LeanSpan(`n${k++}`, KIND.internal, t, newSpanId(), null, now, now + 1, { k })))
    }
    expect(e.queued).toBe(7) // nothing leaves before the next tick
    // (spans of an earlier test's hung batch may arrive meanwhile: this trace's only)
    const mine = () => rx.spans.filter((s) => s.traceId === t).map((s) => s.name)
    while (mine().length < 7) await rx.waitForSpans(rx.spans.length + 1)
    expect(mine()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6'])
    expect(e.queued).toBe(0)
  })

  // a queued span is bytes in the batch, not an object graph the GC traces and copies while the
  // batch fills (at sampling 1.0 that retention cost more than the rest of the plugin)
  it.each([1, 5, 50])('keeps no span object once added (%i spans queued behind a hung batch)', async (n) => {
    rx.mode = 'hang'
    const e = new SpanExporter(opts({ readTimeout: 60_000, sendTimeout: 60_000, flushDelay: 60_000, batchSpanCount: 100, maxQueued: 100 }))
    const refs = ((): WeakRef<LeanSpan>[] => {
      const batch = spans(n)
      e.add(batch)
      return batch.map((s) => new WeakRef(s))
    })()
    // a WeakRef holds its target until the current job ends: let it end, then collect
    await new Promise(setImmediate)
    gc()
    expect(e.queued).toBe(n)
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0)
  })

  it.each([0, 1, 3])('never queues more than maxQueued (%i already in)', (already) => {
    rx.mode = 'hang'
    const e = new SpanExporter(opts({ maxQueued: 4, flushDelay: 60_000, batchSpanCount: 100 }))
    e.add(spans(already))
    for (let i = 0; i < 10; i++) e.add(spans(3))
    expect(e.queued).toBe(4)
  })
})
