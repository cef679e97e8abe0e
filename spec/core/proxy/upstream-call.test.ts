// The undici handler of one attempt: it forwards undici's callbacks to the sink until the attempt
// ends, then ignores late ones and keeps nothing of the request (context, body, sink), so a
// handler undici still holds cannot keep a finished request alive into the old generation.
import { describe, expect, it, vi } from 'vitest'
import { UpstreamCall, type CallOptions, type ResponseSink } from '../../../core/proxy/upstream-call.ts'
import { RequestContext } from '../../../core/runloop/context.ts'

function setup() {
  const ctx = new RequestContext('GET', '/x', '', Object.create(null) as Record<string, string>, '127.0.0.1', 8000, 0)
  ctx.upstream = {
    scheme: 'http', host: '127.0.0.1', port: 9, method: 'GET', path: '/x', query: null, headers: null, body: null,
    hostHeader: null, connectTimeout: 1000, readTimeout: 1000, writeTimeout: 1000, retries: 0, tlsVerify: null,
  }
  const opts: CallOptions = { body: Buffer.from('the request body'), trustedCa: [], requestIdHeader: false }
  const sink = { onHead: vi.fn(), onData: vi.fn(() => true), onEnd: vi.fn(), onFail: vi.fn(), onBug: vi.fn() } satisfies ResponseSink
  const call = new UpstreamCall(ctx, opts, sink, 0)
  const abort = vi.fn()
  call.onConnect(abort)
  return { ctx, opts, sink, call, abort }
}

/** Everything the handler still points at, one level deep. */
function held(call: UpstreamCall): unknown[] {
  return Object.values(call as unknown as Record<string, unknown>)
}

const ENDINGS: [string, (call: UpstreamCall, sink: ResponseSink) => void][] = [
  ['completed', (call) => { call.onHeaders(200, [], () => {}); call.onData(Buffer.from('answer')); call.onComplete() }],
  ['failed before a head', (call) => call.onError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))],
  ['failed after the head', (call) => { call.onHeaders(200, [], () => {}); call.onError(new Error('reset')) }],
  ['a sink callback threw', (call, sink) => { vi.mocked(sink.onHead).mockImplementation(() => { throw new Error('bug') }); call.onHeaders(200, [], () => {}) }],
]

describe('UpstreamCall', () => {
  it.each(ENDINGS)('%s: nothing of the request stays reachable from the handler', (_name, end) => {
    const { ctx, opts, sink, call } = setup()
    expect(held(call)).toContain(ctx)
    end(call, sink)
    for (const v of [ctx, opts, sink, opts.body]) expect(held(call)).not.toContain(v)
    expect(ctx.abortUpstream).toBeNull()
  })

  it.each(ENDINGS)('%s: later undici callbacks are ignored, without a throw', (_name, end) => {
    const { sink, call } = setup()
    end(call, sink)
    const calls = ['onHead', 'onData', 'onEnd', 'onFail', 'onBug'].map((k) => vi.mocked(sink[k as keyof ResponseSink]).mock.calls.length)
    expect(() => {
      call.onHeaders(200, [], () => {})
      expect(call.onData(Buffer.from('late'))).toBe(true)
      call.onComplete()
      call.onError(new Error('late'))
    }).not.toThrow()
    expect(['onHead', 'onData', 'onEnd', 'onFail', 'onBug'].map((k) => vi.mocked(sink[k as keyof ResponseSink]).mock.calls.length)).toEqual(calls)
  })

  it('a completed attempt reaches the sink once, in order', () => {
    const { sink, call } = setup()
    call.onHeaders(100, [], () => {}) // 1xx: not the answer
    call.onHeaders(200, [Buffer.from('a'), Buffer.from('b')], () => {})
    call.onData(Buffer.from('answer'))
    call.onComplete()
    expect(sink.onHead).toHaveBeenCalledTimes(1)
    expect(sink.onHead.mock.calls[0]![0]).toBe(200)
    expect(sink.onData).toHaveBeenCalledWith(Buffer.from('answer'))
    expect(sink.onEnd).toHaveBeenCalledTimes(1)
    expect(sink.onFail).not.toHaveBeenCalled()
  })

  it('a failure is the sink\'s once, with whether the head was sent; a throw in the sink cancels the upstream', () => {
    const a = setup()
    a.call.onHeaders(200, [], () => {})
    a.call.onError(new Error('reset'))
    expect(a.sink.onFail).toHaveBeenCalledTimes(1)
    expect(a.sink.onFail.mock.calls[0]![1]).toBe(true)

    const b = setup()
    vi.mocked(b.sink.onData).mockImplementation(() => { throw new Error('bug') })
    b.call.onHeaders(200, [], () => {})
    expect(b.call.onData(Buffer.from('x'))).toBe(true)
    expect(b.abort).toHaveBeenCalledTimes(1)
    expect(b.sink.onBug).toHaveBeenCalledTimes(1)
  })
})
