// Requests overlap: each one's spans must carry its own trace, whatever order the others start
// and end in, now that a finished request's tracing state (runloop record, the plugin's live
// record) is reused by the next one. Through the plugin and the PDK, exported to a real collector.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import otel from '../../../plugins/opentelemetry/index.ts'
import type { OtelConf } from '../../../plugins/opentelemetry/schema.ts'
import { closeOtelPools } from '../../../plugins/opentelemetry/span-exporter.ts'
import { endTrace, startTrace } from '../../../core/runloop/tracing-hook.ts'
import { makeKong } from '../../pdk/context-factory.ts'
import { upstreamHeaders } from '../../../core/proxy/upstream-request.ts'
import type { RequestContext } from '../../../core/runloop/context.ts'

const traceparentOf = (ctx: RequestContext): string => {
  const flat = upstreamHeaders(ctx, ctx.upstream!, false)
  return flat[flat.indexOf('traceparent') + 1]!
}
import { startReceiver, type Receiver } from './otlp-receiver.ts'

let receiver: Receiver
let conf: OtelConf
beforeAll(async () => {
  receiver = await startReceiver()
  conf = {
    traces_endpoint: `${receiver.url}/v1/traces`, batch_span_count: 1000, batch_flush_delay: 0, connect_timeout: 1000,
    send_timeout: 5000, read_timeout: 5000, header_type: 'preserve', sampling_rate: 1, propagation: { default_format: 'w3c' },
  } as OtelConf
  otel.configure!(makeKong().kong, [conf])
})
afterAll(async () => {
  otel.configure!(makeKong().kong, null)
  await closeOtelPools()
  await receiver.close()
})

/** One request: started by access, ended by log; what went upstream. */
function request(n: number, parent: string | null) {
  const { kong, ctx, enter } = makeKong({ path: `/r${n}`, headers: parent ? { traceparent: `00-${parent}-00f067aa0ba902b7-01` } : {} })
  ;(ctx as { requestId: string }).requestId = `req-${n}`
  ctx.route = { paths: [`/r${n}`] } as never
  ctx.status = 200
  ctx.trace = startTrace()
  /** the traceparent its attempt's head carried */
  let sent = ''
  return {
    n,
    parent,
    access() { enter('access'); ctx.trace!.enter('opentelemetry'); otel.access!(kong, conf); ctx.trace!.leave(); ctx.trace!.attempt(ctx.upstream!); sent = traceparentOf(ctx) },
    log() { ctx.endAt = performance.now(); enter('log'); otel.log!(kong, conf); endTrace(ctx) },
    traceparent: () => sent,
  }
}

describe('overlapping requests', () => {
  // orders of access (a) and log (l) over requests 0..3: nested, interleaved, one finishing before the next starts
  const ORDERS = ['a0 a1 l0 a2 l1 a3 l2 l3', 'a0 a1 a2 a3 l3 l2 l1 l0', 'a0 l0 a1 l1 a2 l2 a3 l3', 'a0 a1 a2 l1 a3 l0 l3 l2']
  it.each(ORDERS)('%s: every span is in its own request\'s trace, under its own root', async (order) => {
    const before = receiver.spans.length
    const T = ['0af7651916cd43dd8448eb211c80319c', null, '4bf92f3577b34da6a3ce929d0e0e4736', null]
    const reqs = T.map((t, i) => request(i, t))
    for (const step of order.split(' ')) {
      const r = reqs[Number(step[1])]!
      if (step[0] === 'a') r.access(); else r.log()
    }
    // (flush delay 0: each log phase schedules a send)
    await receiver.waitForSpans(before + 4 * 3)
    const spans = receiver.spans.slice(before)
    // no two requests share an id
    const roots = spans.filter((s) => s.name === 'kong')
    expect(new Set(roots.map((s) => s.spanId)).size).toBe(4)
    expect(new Set(roots.map((s) => s.traceId)).size).toBe(4)
    for (const r of reqs) {
      const [, traceId, balancerId] = r.traceparent().split('-')
      if (r.parent) expect(traceId).toBe(r.parent)
      const mine = spans.filter((s) => s.traceId === traceId)
      expect(mine.map((s) => s.name).sort()).toEqual(['kong', 'kong.access.plugin.opentelemetry', 'kong.balancer'])
      const root = mine.find((s) => s.name === 'kong')!
      expect(root.attributes['http.url']).toBe(`http://example.test/r${r.n}`)
      expect(root.attributes['kong.request.id']).toBe(`req-${r.n}`)
      for (const s of mine) if (s !== root) expect(s.parentSpanId).toBe(root.spanId)
      expect(mine.find((s) => s.name === 'kong.balancer')!.spanId).toBe(balancerId)
    }
  })
})
