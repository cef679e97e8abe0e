// tracing_instrumentations and tracing_sampling_rate parsed as Kong's conf_loader does: the valid
// lists and what each records, Kong's messages for bad values, hostile strings, and readSettings'
// defaults (Kong's: off, 0.01).
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { INSTRUMENT, INSTRUMENTATION_TYPES, parseNodeTracing } from '../../../core/runloop/instrumentations.ts'
import { readSettings } from '../../../core/settings.ts'
import { RequestTrace, startTrace, endTrace } from '../../../core/runloop/tracing-hook.ts'
import { RequestContext } from '../../../core/runloop/context.ts'

const { request, router, plugin_access: access, balancer } = INSTRUMENT

describe('parseNodeTracing: valid values', () => {
  const OK: [string, number][] = [
    ['off', 0],
    ['', 0],
    [' , ', 0],
    ['request', request],
    ['router', request | router],
    ['plugin_access', request | access],
    ['balancer', request | balancer],
    [' router , balancer ', request | router | balancer],
    ['all', request | router | access | balancer],
    // Kong (instrumentation.init) turns every type on only when `all` comes first; after another
    // type it adds nothing: the listed types alone
    ['all,router', request | router | access | balancer],
    ['all , balancer', request | router | access | balancer],
    ['request,all', request],
    ['router,all', request | router],
    ['balancer, all,plugin_access', request | balancer | access],
    ['db_query', request],
    ['dns_query,http_client,plugin_rewrite,plugin_header_filter', request],
  ]
  for (const [value, mask] of OK) {
    it(`'${value}' → ${mask}`, () => {
      const t = parseNodeTracing(value, '0.01')
      expect(t.mask).toBe(mask)
      expect(t.samplingRate).toBe(0.01)
      expect(Object.isFrozen(t) && Object.isFrozen(t.instrumentations)).toBe(true)
    })
  }

  for (const rate of ['0', '1', '0.25', ' 0.5 ', '1e-3']) {
    it(`sampling rate '${rate}' → ${Number(rate)}`, () => {
      expect(parseNodeTracing('all', rate).samplingRate).toBe(Number(rate))
    })
  }
})

describe("parseNodeTracing: Kong's messages for bad values", () => {
  const BAD: [string, string, string][] = [
    ['everything', '0.01', 'invalid tracing type: everything'],
    ['ALL', '0.01', 'invalid tracing type: ALL'],
    ['router;balancer', '0.01', 'invalid tracing type: router;balancer'],
    ['__proto__', '0.01', 'invalid tracing type: __proto__'],
    ['constructor', '0.01', 'invalid tracing type: constructor'],
    ['toString', '0.01', 'invalid tracing type: toString'],
    ['off,all', '0.01', 'invalid tracing types: off, other types are mutually exclusive'],
    ['router,off', '0.01', 'invalid tracing types: off, other types are mutually exclusive'],
    ['all', '-0.1', 'tracing_sampling_rate must be between 0 and 1'],
    ['all', '1.0001', 'tracing_sampling_rate must be between 0 and 1'],
    ['all', 'NaN', 'tracing_sampling_rate must be between 0 and 1'],
    ['all', 'Infinity', 'tracing_sampling_rate must be between 0 and 1'],
    ['all', '', 'tracing_sampling_rate must be between 0 and 1'],
    ['all', 'half', 'tracing_sampling_rate must be between 0 and 1'],
  ]
  for (const [types, rate, message] of BAD) {
    it(`'${types}', '${rate}' → ${message}`, () => {
      expect(() => parseNodeTracing(types, rate)).toThrow(message)
    })
  }

  it('every bad value is named in one message', () => {
    expect(() => parseNodeTracing('a,off,b', '2')).toThrow(
      'invalid tracing type: a, invalid tracing type: b, invalid tracing types: off, other types are mutually exclusive, tracing_sampling_rate must be between 0 and 1',
    )
  })

  it('any list: parsed into a mask of the bits its valid types ask for, or refused with an Error naming what is wrong', () => {
    const word = fc.oneof(fc.constantFrom(...INSTRUMENTATION_TYPES), fc.string({ maxLength: 12 }))
    fc.assert(fc.property(fc.array(word, { maxLength: 6 }), (words) => {
      const value = words.join(',')
      let t
      try {
        t = parseNodeTracing(value, '0.5')
      } catch (e) {
        expect(e).toBeInstanceOf(Error)
        expect((e as Error).message).toMatch(/^invalid tracing type/)
        return
      }
      const list = value.split(',').map((w) => w.trim()).filter((w) => w !== '')
      for (const w of list) expect(INSTRUMENTATION_TYPES as readonly string[]).toContain(w)
      if (list.length === 0 || list.includes('off')) {
        expect(t.mask).toBe(0)
        return
      }
      expect(t.mask & request).toBe(request)
      const all = list[0] === 'all'
      expect((t.mask & router) !== 0).toBe(all || list.includes('router'))
      expect((t.mask & access) !== 0).toBe(all || list.includes('plugin_access'))
      expect((t.mask & balancer) !== 0).toBe(all || list.includes('balancer'))
    }), { numRuns: 500 })
  })
})

describe('readSettings', () => {
  it("Kong's defaults: off, 0.01", () => {
    const s = readSettings({})
    expect(s.tracing.instrumentations).toEqual(['off'])
    expect(s.tracing.mask).toBe(0)
    expect(s.tracing.samplingRate).toBe(0.01)
  })

  it('KONG_TRACING_INSTRUMENTATIONS and KONG_TRACING_SAMPLING_RATE', () => {
    const s = readSettings({ KONG_TRACING_INSTRUMENTATIONS: 'router,balancer', KONG_TRACING_SAMPLING_RATE: '0.3' })
    expect(s.tracing.instrumentations).toEqual(['router', 'balancer'])
    expect(s.tracing.samplingRate).toBe(0.3)
  })
})

describe('the record takes only the readings asked for', () => {
  const u = { host: 'h', port: 80 } as never
  function run(value: string): RequestTrace {
    const ctx = new RequestContext('GET', '/', '', {}, '', 0, 0)
    const t = (ctx.trace = startTrace(parseNodeTracing(value, '1')))
    t.routing()
    t.routed()
    t.enter('p')
    t.leave()
    t.attempt(u)
    const copy = Object.assign(new RequestTrace(), { recording: t.recording, routerStart: t.routerStart, routerEnd: t.routerEnd, accessCount: t.accessCount, tryCount: t.tryCount })
    endTrace(ctx)
    return copy
  }
  const ROWS: [string, boolean, boolean, number, number][] = [
    // value, recording, router read, access handlers, tries
    ['off', false, false, 0, 0],
    ['request', true, false, 0, 0],
    ['router', true, true, 0, 0],
    ['plugin_access', true, false, 1, 0],
    ['balancer', true, false, 0, 1],
    ['all', true, true, 1, 1],
  ]
  for (const [value, recording, routerRead, accessCount, tryCount] of ROWS) {
    it(`${value}`, () => {
      const t = run(value)
      expect(t.recording).toBe(recording)
      expect(t.routerStart > 0 && t.routerEnd >= t.routerStart).toBe(routerRead)
      expect(t.routerEnd > 0).toBe(routerRead)
      expect(t.accessCount).toBe(accessCount)
      expect(t.tryCount).toBe(tryCount)
    })
  }

  it('a reused record takes the next request’s settings (off after all, all after off)', () => {
    expect(run('all').accessCount).toBe(1)
    expect(run('off').recording).toBe(false)
    expect(run('all').recording).toBe(true)
  })
})
