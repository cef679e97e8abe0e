// kong.tracing.readTimings fills a TimingsBuffer whose readings are unboxed (no heap number per
// reading): its accessors must give what timings()' flat lists give, request after request of
// every size (past the buffer's first capacity, then smaller again), and the flat lists read from
// the buffer (access, tries) must be the same values, also through spread and structuredClone.
import { describe, expect, it } from 'vitest'
import { endTrace, startTrace } from '../../core/runloop/tracing-hook.ts'
import { makeKong } from './context-factory.ts'
import { TimingsBuffer, timingsBuffer, type RequestTimings } from '../../pdk/tracing.ts'

const up = (host: string, port: number) => ({
  scheme: 'http' as const, host, port, method: 'GET', path: '/', query: '', headers: null, body: null, hostHeader: null,
  connectTimeout: 1, readTimeout: 1, writeTimeout: 1, retries: 0, tlsVerify: null,
})

function request(plugins: number, tries: number) {
  const { kong, ctx, enter } = makeKong()
  ctx.trace = startTrace()
  for (let i = 0; i < plugins; i++) { ctx.trace.enter(`p${i}`); if (i < plugins - 1) ctx.trace.leave() }
  for (let i = 0; i < tries; i++) ctx.trace.attempt(up(`h${i}.test`, 1000 + i))
  enter('log')
  return { kong, ctx }
}

/** the buffer read through its accessors, as the flat lists */
function viaAccessors(b: TimingsBuffer): Pick<RequestTimings, 'access' | 'tries'> {
  const access: (string | number)[] = []
  for (let i = 0; i < b.accessCount; i++) access.push(b.accessName(i), b.accessStart(i), b.accessEnd(i))
  const tries: (string | number)[] = []
  for (let i = 0; i < b.tryCount; i++) tries.push(b.tryStart(i), b.tryHost(i), b.tryPort(i))
  return { access, tries }
}

const SIZES: [number, number][] = [[0, 0], [1, 1], [40, 30], [2, 0], [0, 3], [100, 1], [1, 100], [3, 2]]

describe('TimingsBuffer', () => {
  it('accessors and flat lists equal timings(), through growth and shrinking', () => {
    const into = timingsBuffer()
    for (const [plugins, tries] of [...SIZES, ...[...SIZES].reverse()]) {
      const { kong, ctx } = request(plugins, tries)
      expect(kong.tracing.readTimings(into)).toBe(true)
      const t = kong.tracing.timings()!
      expect(into.accessCount).toBe(plugins)
      expect(into.tryCount).toBe(tries)
      expect(viaAccessors(into)).toEqual({ access: t.access, tries: t.tries })
      expect(into.access).toEqual(t.access)
      expect(into.tries).toEqual(t.tries)
      // the last handler still runs: its end reads 0
      if (plugins > 0) expect(into.accessEnd(plugins - 1)).toBe(0)
      expect({ ...into }).toEqual(t)
      expect(structuredClone(into)).toEqual(t)
      endTrace(ctx)
    }
  })

  it.each([
    ['empty', { access: [], tries: [] }],
    ['one of each', { access: ['a', 1.5, 2.25], tries: [3.125, '::1', 443] }],
    ['many, a running handler', { access: Array.from({ length: 60 }, (_, i) => [`n${i}`, i + 0.5, i % 7 ? i + 1 : 0]).flat(), tries: Array.from({ length: 30 }, (_, i) => [i + 0.25, `10.0.0.${i}`, i]).flat() }],
  ])('setFrom reads flat RequestTimings back (%s)', (_n, lists) => {
    const t: RequestTimings = { start: 1, routerStart: 2, routerEnd: 3, proxyStart: 4, upstreamHeadAt: 5, end: 6, ...lists }
    const b = new TimingsBuffer().setFrom({ ...t, access: ['x', 9, 9, 'y', 9, 9, 'z', 9, 9], tries: [9, 'w', 9] }).setFrom(t)
    expect(viaAccessors(b)).toEqual(lists)
    expect({ ...b }).toEqual(t)
  })
})
