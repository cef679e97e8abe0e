// The exporter's bounds: one batch in flight, a bounded queue behind it, spans beyond it dropped
// and counted at once (the request path never waits), batches of batch_span_count.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
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

  it.each([0, 1, 3])('never queues more than maxQueued (%i already in)', (already) => {
    rx.mode = 'hang'
    const e = new SpanExporter(opts({ maxQueued: 4, flushDelay: 60_000, batchSpanCount: 100 }))
    e.add(spans(already))
    for (let i = 0; i < 10; i++) e.add(spans(3))
    expect(e.queued).toBe(4)
  })
})
