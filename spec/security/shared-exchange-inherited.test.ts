// The LLM exchange and the cache's report are read from kong.ctx.shared by later plugins
// (prometheus, the semantic cache, the outcome itself): only as own properties, so keys that a
// polluted Object.prototype carries are never taken for them, and the shared table's own values,
// whatever their name, are read back as set.
import { afterEach, describe, expect, it } from 'vitest'
import { RequestContext } from '../../core/runloop/context.ts'
import { Phase } from '../../core/runloop/phases.ts'
import { createPdk } from '../../pdk/index.ts'
import { cacheReport, reportCache, sharedExchange } from '../../plugins/llm/pipeline/shared-exchange.ts'

function kongInLog() {
  const ctx = new RequestContext('POST', '/v1/chat/completions', '', { host: 'gw.test' }, '127.0.0.1', 8000, 0)
  ctx.phase = Phase.log
  return createPdk(ctx)
}

const proto = Object.prototype as Record<string, unknown>
afterEach(() => { delete proto['llm.exchange']; delete proto['llm.cache'] })

describe('shared LLM state read from kong.ctx.shared', () => {
  it.each([
    ['an outcome object', { outcome: { requestId: 'evil' } }],
    ['a getter', Object.defineProperty({}, 'outcome', { get: () => { throw new Error('read') } })],
    ['a string', 'x'],
    ['null', null],
  ])('inherited from Object.prototype (%s): not read', (_what, value) => {
    proto['llm.exchange'] = value
    proto['llm.cache'] = value
    const kong = kongInLog()
    expect(sharedExchange(kong)).toBeNull()
    expect(cacheReport(kong)).toBeNull()
  })

  it('own values are read back as set', () => {
    const kong = kongInLog()
    const x = { parsed: null, prepared: null, handler: null, outcome: null }
    kong.ctx.shared['llm.exchange'] = x
    reportCache(kong, { status: 'hit', usage: null, model: 'm' })
    expect(sharedExchange(kong)).toBe(x)
    expect(cacheReport(kong)).toEqual({ status: 'hit', usage: null, model: 'm' })
  })
})
