// The runloop's tracing records are reused request after request (core/runloop/tracing-hook.ts):
// a reused record must show nothing of the request before, kong.tracing.timings() must be the
// same flat lists as before, and a request that ended can no longer write into its old record.
import { describe, expect, it } from 'vitest'
import { endTrace, RequestTrace, requestTiming, startTrace } from '../../../core/runloop/tracing-hook.ts'
import { makeKong } from '../../pdk/context-factory.ts'
import { timingsBuffer } from '../../../pdk/tracing.ts'
import { upstreamHeaders } from '../../../core/proxy/upstream-request.ts'
import type { RequestContext } from '../../../core/runloop/context.ts'

/** The headers an attempt of `ctx` sends, by name (each name must be sent once). */
function sent(ctx: RequestContext): Map<string, string> {
  const flat = upstreamHeaders(ctx, ctx.upstream!, false)
  const m = new Map<string, string>()
  for (let i = 0; i < flat.length; i += 2) {
    expect(m.has(flat[i]!)).toBe(false)
    m.set(flat[i]!, flat[i + 1]!)
  }
  return m
}

const up = (host: string, port: number) => ({
  scheme: 'http' as const, host, port, method: 'GET', path: '/', query: '', headers: null, body: null, hostHeader: null,
  connectTimeout: 1, readTimeout: 1, writeTimeout: 1, retries: 0, tlsVerify: null,
})

/** A request through access (its handlers), `tries` upstream attempts, to its log phase. */
function request(plugins: readonly string[], tries: readonly [string, number][]) {
  const { kong, ctx, enter } = makeKong()
  ctx.trace = startTrace()
  ctx.trace.routerStart = 1
  ctx.trace.routerEnd = 2
  for (const p of plugins) { ctx.trace.enter(p); ctx.trace.leave() }
  for (const [h, port] of tries) ctx.trace.attempt(up(h, port))
  enter('log')
  return { kong, ctx }
}

describe('tracing records reused', () => {
  const SHAPES: [string, string[], [string, number][]][] = [
    ['none', [], []],
    ['one plugin, one try', ['ai-proxy'], [['a.test', 80]]],
    ['many plugins, retries', ['p1', 'p2', 'p3', 'p4', 'p5'], [['a.test', 1], ['b.test', 2], ['c.test', 3]]],
    ['one plugin again', ['only'], []],
    ['tries only', [], [['z.test', 65535]]],
  ]

  it('each request sees only its own readings, in the flat shape, whatever came before', () => {
    // every order of big and small requests, through the same pool
    for (const order of [SHAPES, [...SHAPES].reverse(), [SHAPES[2]!, SHAPES[0]!, SHAPES[2]!, SHAPES[3]!]]) {
      for (const [, plugins, tries] of order) {
        const { kong, ctx } = request(plugins, tries)
        const t = kong.tracing.timings()!
        expect(t.access.filter((_, i) => i % 3 === 0)).toEqual(plugins)
        for (let i = 0; i < plugins.length; i++) {
          expect(t.access[3 * i + 1]).toBeTypeOf('number')
          expect(t.access[3 * i + 2] as number).toBeGreaterThanOrEqual(t.access[3 * i + 1] as number)
        }
        expect(t.tries.filter((_, i) => i % 3 === 1)).toEqual(tries.map((x) => x[0]))
        expect(t.tries.filter((_, i) => i % 3 === 2)).toEqual(tries.map((x) => x[1]))
        expect([t.routerStart, t.routerEnd]).toEqual([1, 2])
        endTrace(ctx)
        expect(ctx.trace).toBeNull()
        expect(kong.tracing.timings()).toBeNull()
      }
    }
  })

  it('readTimings refills one buffer with what timings() gives, after bigger and smaller requests, and leaves it alone when off', () => {
    const into = timingsBuffer()
    const access = into.access
    for (const [, plugins, tries] of [...SHAPES, ...[...SHAPES].reverse(), SHAPES[2]!, SHAPES[0]!]) {
      const { kong, ctx } = request(plugins, tries)
      expect(kong.tracing.readTimings(into)).toBe(true)
      expect(into).toEqual(kong.tracing.timings())
      // the same lists, refilled (no list per request)
      expect(into.access).toBe(access)
      const before = structuredClone(into)
      ctx.trace!.recording = false
      expect(kong.tracing.readTimings(into)).toBe(false)
      expect(into).toEqual(before)
      endTrace(ctx)
      expect(kong.tracing.readTimings(into)).toBe(false)
      expect(into).toEqual(before)
    }
  })

  it('a reused record starts as new: recording, no headers, no readings', () => {
    const { ctx } = request(['a', 'b'], [['h', 1]])
    const t = ctx.trace!
    t.recording = false
    t.setTraceHeaders(['traceparent', 'x'], ['b3'])
    endTrace(ctx)
    const again = startTrace()
    expect(again).toBe(t)
    const fresh = new RequestTrace()
    expect({ ...again, accessNames: [], accessTimes: [], tryHosts: [], tryTimes: [], upstreamHeaders: [] }).toEqual({ ...fresh })
    expect([again.accessCount, again.tryCount, again.recording, again.upstreamHeaderCount]).toEqual([0, 0, true, 0])
    // a reused record sends no earlier request's trace headers
    const { ctx: next } = makeKong()
    next.trace = again
    again.attempt(next.upstream!)
    const h = sent(next)
    expect([h.has('traceparent'), h.has('b3')]).toEqual([false, false])
    expect(next.upstream!.headers).toBeNull()
    endTrace(next)
  })

  it('a running handler has end 0; leave() then sets it; a sampled-out record records nothing more', () => {
    const { kong, ctx } = makeKong()
    ctx.trace = startTrace()
    ctx.trace.enter('slow')
    ctx.phase = 0
    const tr = ctx.trace
    expect(tr.accessTimes[1]).toBe(0)
    tr.leave()
    expect(tr.accessTimes[1]).toBeGreaterThan(0)
    tr.recording = false
    tr.enter('after')
    tr.attempt(up('x', 1))
    expect([tr.accessCount, tr.tryCount]).toEqual([1, 0])
    void kong
    endTrace(ctx)
  })

  it('the handler that samples its request out is not timed to its end (no clock reading nobody reads)', () => {
    const { ctx } = makeKong()
    const tr = (ctx.trace = startTrace())
    tr.enter('first')
    tr.leave()
    tr.enter('sampler')
    tr.recording = false
    tr.leave()
    expect([tr.accessTimes[1]! > 0, tr.accessTimes[3], tr.lastLeave]).toEqual([true, 0, 0])
    endTrace(ctx)
  })

  it('endTrace twice, or with no record, is harmless', () => {
    const { ctx } = makeKong()
    endTrace(ctx)
    ctx.trace = startTrace()
    endTrace(ctx)
    endTrace(ctx)
    expect(ctx.trace).toBeNull()
    // the pool holds each record once
    const a = startTrace()
    const b = startTrace()
    expect(a).not.toBe(b)
  })
})

describe('trace headers on a reused record', () => {
  // each request's headers after a previous request's (more, fewer, none): only its own reach the upstream
  const SETS: [string[], string[]][] = [
    [['traceparent', '00-a-b-01', 'X-B3-TraceId', 't', 'x-b3-spanid', 's'], ['uber-trace-id']],
    [['traceparent', '00-c-d-00'], []],
    [[], ['B3']],
    [['odd'], []],
    [['traceparent', 'v2'], ['ot-tracer-traceid', 'ot-tracer-spanid']],
  ]
  // the client sends each name some request sets or clears, so replacing and removing are both seen
  const CLIENT = { traceparent: 'client', 'x-b3-traceid': 'client', 'uber-trace-id': 'client', b3: 'client', 'ot-tracer-traceid': 'client', 'x-other': 'kept' }
  it('every attempt gets exactly the last propagate() of its own request', () => {
    for (const [set, clear] of [...SETS, ...SETS.reverse()]) {
      const { kong, ctx, enter } = makeKong({ headers: CLIENT })
      ctx.trace = startTrace()
      enter('access')
      kong.tracing.propagate(['stale', 'x'])
      kong.tracing.propagate(set, clear)
      const want = new Map<string, string | null>(Object.entries(CLIENT))
      for (const c of clear) want.set(c.toLowerCase(), null)
      for (let i = 0; i + 1 < set.length; i += 2) want.set(set[i]!.toLowerCase(), set[i + 1]!)
      for (const retry of [0, 1]) {
        ctx.upstream!.port = retry
        ctx.trace.attempt(ctx.upstream!)
        const h = sent(ctx)
        expect(h.has('stale')).toBe(false)
        for (const [k, v] of want) expect([k, h.get(k) ?? null]).toEqual([k, v])
      }
      // nothing written into the upstream request's own header changes
      expect(ctx.upstream!.headers).toBeNull()
      endTrace(ctx)
    }
  })
  it('a record form propagates the same as the flat form', () => {
    const { kong, ctx, enter } = makeKong({ headers: { 'x-amzn-trace-id': 'client' } })
    ctx.trace = startTrace()
    enter('access')
    kong.tracing.propagate({ TraceParent: 'v', 'x-b3-sampled': '1' }, ['X-Amzn-Trace-Id'])
    ctx.trace.attempt(ctx.upstream!)
    const h = sent(ctx)
    expect([h.get('x-amzn-trace-id'), h.get('traceparent'), h.get('x-b3-sampled')]).toEqual([undefined, 'v', '1'])
    endTrace(ctx)
  })
})

describe('plugin records kept on the runloop record (kong.tracing.keep)', () => {
  // sequences of requests through one pool of records: what a plugin kept is its own, for its own request only
  const CASES: [string, [string, object][], boolean][] = [
    ['one plugin', [['otel', { a: 1 }]], true],
    ['two plugins, each its own', [['otel', { a: 1 }], ['zipkin', { b: 2 }]], true],
    ['a second keep replaces the first', [['otel', { a: 1 }], ['otel', { a: 2 }]], true],
    ['prototype-named owners', [['__proto__', { p: 1 }], ['constructor', { c: 1 }]], true],
    ['sampled out: nothing kept', [['otel', { a: 1 }]], false],
  ]
  it.each(CASES)('%s; the next request on the reused record sees none of it', (_what, keeps, recording) => {
    const { kong, ctx, enter } = makeKong()
    ctx.trace = startTrace()
    const record = ctx.trace
    enter('access')
    if (!recording) kong.tracing.stop()
    for (const [owner, r] of keeps) kong.tracing.keep(owner, r)
    enter('log')
    const last = new Map(keeps)
    for (const [owner] of keeps) expect(kong.tracing.kept(owner)).toBe(recording ? last.get(owner) : null)
    expect(kong.tracing.kept('nobody')).toBeNull()
    endTrace(ctx)
    expect(kong.tracing.kept(keeps[0]![0])).toBeNull()
    const next = makeKong()
    next.ctx.trace = startTrace()
    expect(next.ctx.trace).toBe(record)
    next.enter('log')
    for (const [owner] of keeps) expect(next.kong.tracing.kept(owner)).toBeNull()
    // the records are not held past their request
    expect(record.kept.filter((x) => typeof x === 'object')).toHaveLength(0)
    endTrace(next.ctx)
  })
})

describe('an access handler that settles after its request ended', () => {
  it.each([['resolves', true], ['rejects', false]])('%s: the record another request now uses is untouched', async (_, ok) => {
    const { runPhase } = await import('../../../core/runloop/runner.ts')
    const { ctx } = makeKong()
    ctx.trace = startTrace()
    const mine = ctx.trace
    let settle!: () => void
    const pending = new Promise<void>((resolve, reject) => { settle = ok ? resolve : () => reject(new Error('late')) })
    const plugin = { name: 'slow', version: '1', priority: 1, schema: {}, access: () => pending } as never
    const done = runPhase(ctx, [{ plugin, conf: {} }], 'access')
    expect(mine.accessCount).toBe(1)
    // the client leaves: the request ends, its record goes to the next request, which is inside a handler
    endTrace(ctx)
    const next = startTrace()
    expect(next).toBe(mine)
    next.enter('other')
    settle()
    await done
    expect(next.accessCount).toBe(1)
    expect(next.accessNames[0]).toBe('other')
    // still running: its end is not the late handler's
    expect(next.accessTimes[1]).toBe(0)
  })
})

describe('records kept for reuse', () => {
  it('are dropped when no tracing plugin is left, and kept while one is', () => {
    requestTiming('test-owner', true)
    const { ctx } = makeKong()
    ctx.trace = startTrace()
    const t = ctx.trace
    endTrace(ctx)
    requestTiming('test-owner', true)
    expect(startTrace()).toBe(t)
    endTrace({ trace: t } as never)
    requestTiming('test-owner', false)
    expect(startTrace()).not.toBe(t)
  })
})
