// Access handlers run back to back, so the runloop's record starts a handler at the reading that
// ended the one before (one performance.now() per handler, not two); nothing of that carries over
// to another request or past a gap: the first handler of a request, of a reused record, starts at
// a reading of its own.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { endTrace, startTrace } from '../../../core/runloop/tracing-hook.ts'
import { makeKong } from '../../pdk/context-factory.ts'
import { timingsBuffer } from '../../../pdk/tracing.ts'

afterEach(() => { vi.restoreAllMocks() })

/** performance.now() as a counter: 1, 2, 3... (each reading is told apart) */
function clock(): { calls: () => number } {
  let t = 0
  const spy = vi.spyOn(performance, 'now').mockImplementation(() => ++t)
  return { calls: () => spy.mock.calls.length }
}

/** the request's access spans [name, start, end] and the clock readings its handlers took */
function accessOf(plugins: readonly string[], c: { calls: () => number }) {
  const { kong, ctx, enter } = makeKong()
  ctx.trace = startTrace()
  const before = c.calls()
  for (const p of plugins) { ctx.trace.enter(p); ctx.trace.leave() }
  const readings = c.calls() - before
  enter('log')
  const t = timingsBuffer()
  expect(kong.tracing.readTimings(t)).toBe(true)
  const spans: [string, number, number][] = []
  for (let i = 0; i < t.accessCount; i++) spans.push([t.accessName(i), t.accessStart(i), t.accessEnd(i)])
  endTrace(ctx)
  return { spans, readings, before }
}

describe('access handler readings', () => {
  it.each([1, 2, 5, 40])('%i handlers back to back: one reading each, plus the first start', (n) => {
    const c = clock()
    const { spans, readings } = accessOf(Array.from({ length: n }, (_, i) => `p${i}`), c)
    expect(readings).toBe(n + 1)
    for (let i = 0; i < n; i++) {
      expect(spans[i]![2]).toBeGreaterThan(spans[i]![1])
      if (i > 0) expect(spans[i]![1]).toBe(spans[i - 1]![2])
    }
  })

  it('a reused record starts its first handler at a reading of its own', () => {
    const c = clock()
    for (let round = 0; round < 5; round++) {
      const { spans, readings, before } = accessOf(['a', 'b'], c)
      // the first start is a fresh reading, taken after every reading of the request before
      expect(spans[0]![1]).toBe(before + 1)
      expect(readings).toBe(3)
    }
  })

  it('a request that ended between leave and enter keeps nothing: the next request reads the clock', () => {
    const c = clock()
    const { ctx } = makeKong()
    ctx.trace = startTrace()
    const t = ctx.trace
    t.enter('only')
    t.leave()
    endTrace(ctx)
    const again = startTrace()
    expect(again).toBe(t) // the same record, reused
    const before = c.calls()
    again.enter('next')
    expect(c.calls()).toBe(before + 1)
    expect(again.accessTimes[0]).toBe(before + 1)
  })

  it('a sampled-out record reads nothing for its handlers', () => {
    const c = clock()
    const t = startTrace()
    t.recording = false
    for (let i = 0; i < 10; i++) { t.enter(`p${i}`); t.leave() }
    expect(c.calls()).toBe(0)
    t.reset()
  })
})

const up = (host: string, port: number) => ({
  scheme: 'http' as const, host, port, method: 'GET', path: '/', query: '', headers: null, body: null, hostHeader: null,
  connectTimeout: 1, readTimeout: 1, writeTimeout: 1, retries: 0, tlsVerify: null,
})

describe('the router\'s end and the first try\'s start are readings taken for something else', () => {
  it.each([0, 1, 3, 20])('routed, then %i handlers: the first starts at the router\'s end; 1 + n readings after the router\'s start', (n) => {
    const c = clock()
    const { kong, ctx, enter } = makeKong()
    const t = ctx.trace = startTrace()
    t.routerStart = performance.now()
    const before = c.calls()
    t.routed()
    for (let i = 0; i < n; i++) { t.enter(`p${i}`); t.leave() }
    expect(c.calls() - before).toBe(1 + n)
    enter('log')
    const b = timingsBuffer()
    expect(kong.tracing.readTimings(b)).toBe(true)
    expect(b.routerEnd).toBeGreaterThan(b.routerStart)
    if (n > 0) expect(b.accessStart(0)).toBe(b.routerEnd)
    for (let i = 1; i < n; i++) expect(b.accessStart(i)).toBe(b.accessEnd(i - 1))
    endTrace(ctx)
  })

  it('a routed request that ran no access handler leaves nothing to the next request on the record', () => {
    const c = clock()
    const { ctx } = makeKong()
    const t = ctx.trace = startTrace()
    t.routed()
    endTrace(ctx)
    const again = startTrace()
    expect(again).toBe(t)
    const before = c.calls()
    again.enter('next')
    expect(c.calls()).toBe(before + 1) // its own reading, not the last request's router end
    expect(again.accessTimes[0]).toBe(before + 1)
    endTrace({ trace: again } as never)
  })

  // [reading given per try (0: none), readings taken, starts expected (null: a reading of its own)]
  it.each([
    [[5], 0, [5]],
    [[0], 1, [null]],
    [[5, 0, 0], 2, [5, null, null]],
    [[5, 0, 9], 1, [5, null, 9]],
  ] as const)('tries given %j read the clock %i times', (given, readings, starts) => {
    const c = clock()
    const { kong, ctx, enter } = makeKong()
    const t = ctx.trace = startTrace()
    const before = c.calls()
    given.forEach((at, i) => t.attempt(up(`h${i}`, 80 + i), at))
    expect(c.calls() - before).toBe(readings)
    enter('log')
    const b = timingsBuffer()
    expect(kong.tracing.readTimings(b)).toBe(true)
    expect(b.tryCount).toBe(given.length)
    starts.forEach((s, i) => {
      if (s === null) expect(b.tryStart(i)).toBeGreaterThan(before)
      else expect(b.tryStart(i)).toBe(s)
      expect([b.tryHost(i), b.tryPort(i)]).toEqual([`h${i}`, 80 + i])
    })
    endTrace(ctx)
  })
})
