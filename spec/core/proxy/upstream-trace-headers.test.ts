// The trace headers a tracing plugin propagates (kong.tracing.propagate) reach every attempt's head
// from the request's trace record (core/proxy/upstream-request.ts), not through the upstream
// request's header changes: they replace the client's and the plugins' headers of the same names
// (as Kong's propagation, which sets them after the plugins of higher priority), a cleared one is
// removed wherever it came from, and every other header is as without tracing.
import { describe, expect, it } from 'vitest'
import { upstreamHeaders } from '../../../core/proxy/upstream-request.ts'
import { endTrace, startTrace } from '../../../core/runloop/tracing-hook.ts'
import { makeKong } from '../../pdk/context-factory.ts'

type Edit = [name: string, value: string | string[] | null]

/** Sends one attempt of a request: the client's headers, the plugins' header changes, then the trace's set and clear. */
function attempt(client: Record<string, string>, edits: Edit[], set: string[] | null, clear: string[] = []): [string, string][] {
  const { kong, ctx, enter } = makeKong({ headers: client })
  enter('access')
  for (const [name, value] of edits) {
    if (value === null) kong.service.request.clearHeader(name)
    else kong.service.request.setHeader(name, value)
  }
  if (set !== null) {
    ctx.trace = startTrace()
    kong.tracing.propagate(set, clear)
    ctx.trace.attempt(ctx.upstream!)
  }
  const flat = upstreamHeaders(ctx, ctx.upstream!, false)
  if (ctx.trace !== null) endTrace(ctx)
  const out: [string, string][] = []
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!])
  return out
}

const values = (sent: [string, string][], name: string): string[] => sent.filter((p) => p[0] === name).map((p) => p[1])

describe('trace headers against the client and the plugins', () => {
  it.each<[string, Record<string, string>, Edit[], string[], string[], Record<string, string[]>]>([
    ['a plugin set the trace header', {}, [['traceparent', 'plugin']], ['traceparent', 'trace'], [], { traceparent: ['trace'] }],
    ['a plugin set it twice over', {}, [['traceparent', ['a', 'b']]], ['traceparent', 'trace'], [], { traceparent: ['trace'] }],
    ['the client sent it', { traceparent: 'client' }, [], ['traceparent', 'trace'], [], { traceparent: ['trace'] }],
    ['the client and a plugin', { traceparent: 'client' }, [['traceparent', 'plugin']], ['traceparent', 'trace'], [], { traceparent: ['trace'] }],
    ['a cleared header a plugin set', {}, [['x-b3-sampled', 'plugin']], [], ['x-b3-sampled'], { 'x-b3-sampled': [] }],
    ['a cleared header the client sent', { 'x-b3-sampled': '1' }, [], [], ['X-B3-Sampled'], { 'x-b3-sampled': [] }],
    ['cleared, then set', { b3: 'client' }, [], ['b3', 'trace'], ['b3'], { b3: ['trace'] }],
    ['other headers untouched', { 'x-client': 'c', 'x-gone': 'g' }, [['x-plugin', 'p'], ['x-gone', null]], ['traceparent', 't'], [], { 'x-client': ['c'], 'x-plugin': ['p'], 'x-gone': [], traceparent: ['t'] }],
    ['a plugin header named like a cleared one in another case', {}, [['Uber-Trace-Id', 'p']], [], ['UBER-TRACE-ID'], { 'uber-trace-id': [] }],
  ])('%s', (_, client, edits, set, clear, want) => {
    const sent = attempt(client, edits, set, clear)
    for (const [name, v] of Object.entries(want)) expect([name, values(sent, name)]).toEqual([name, v])
  })

  it('without a trace record the head is the client\'s and the plugins\' headers only', () => {
    const sent = attempt({ traceparent: 'client', 'x-a': 'a' }, [['x-b', 'b']], null)
    expect(values(sent, 'traceparent')).toEqual(['client'])
    expect(values(sent, 'x-b')).toEqual(['b'])
  })

  it('a traced request whose plugins change no header gets no header-changes Map', () => {
    const { kong, ctx, enter } = makeKong({ headers: { 'x-a': 'a' } })
    enter('access')
    ctx.trace = startTrace()
    kong.tracing.propagate(['traceparent', 't'])
    for (let i = 0; i < 3; i++) {
      ctx.trace.attempt(ctx.upstream!)
      const flat = upstreamHeaders(ctx, ctx.upstream!, false)
      expect(flat.filter((x) => x === 'traceparent')).toHaveLength(1)
    }
    expect(ctx.upstream!.headers).toBeNull()
    endTrace(ctx)
  })
})
