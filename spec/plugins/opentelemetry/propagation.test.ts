// Trace context formats, both ways: what each extractor reads from valid headers, what each
// injector writes, `preserve`, and Kong's header_type compatibility. Malformed client headers
// are in spec/security/hostile-trace-headers.test.ts.
import { describe, expect, it } from 'vitest'
import { extract, inject, resolvePropagation, traceparent, type Outgoing } from '../../../plugins/opentelemetry/propagation.ts'
import type { Extractor, OtelConf } from '../../../plugins/opentelemetry/schema.ts'

const T = '4bf92f3577b34da6a3ce929d0e0e4736'
const S = '00f067aa0ba902b7'
const getter = (h: Record<string, string>) => (n: string) => (Object.hasOwn(h, n) ? h[n] : undefined)

describe('extract', () => {
  it.each<[Extractor, Record<string, string>, { traceId: string; spanId: string | null; sampled: boolean | null; single?: boolean }]>([
    ['w3c', { traceparent: `00-${T}-${S}-01` }, { traceId: T, spanId: S, sampled: true }],
    ['w3c', { traceparent: `00-${T}-${S}-00` }, { traceId: T, spanId: S, sampled: false }],
    ['w3c', { traceparent: `00-${T}-${S}-03` }, { traceId: T, spanId: S, sampled: true }],
    ['b3', { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-sampled': '1' }, { traceId: T, spanId: S, sampled: true }],
    ['b3', { 'x-b3-traceid': T.slice(16), 'x-b3-spanid': S }, { traceId: `${'0'.repeat(16)}${T.slice(16)}`, spanId: S, sampled: null }],
    ['b3', { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-flags': '1', 'x-b3-sampled': '0' }, { traceId: T, spanId: S, sampled: true }],
    ['b3', { b3: `${T}-${S}-1-${S}` }, { traceId: T, spanId: S, sampled: true, single: true }],
    ['b3', { b3: `${T}-${S}` }, { traceId: T, spanId: S, sampled: null, single: true }],
    ['b3', { b3: `${T}-${S}-d` }, { traceId: T, spanId: S, sampled: true, single: true }],
    ['jaeger', { 'uber-trace-id': `${T}:${S}:0:1` }, { traceId: T, spanId: S, sampled: true }],
    ['jaeger', { 'uber-trace-id': `abc:def:0:0` }, { traceId: 'abc'.padStart(32, '0'), spanId: 'def'.padStart(16, '0'), sampled: false }],
    ['ot', { 'ot-tracer-traceid': T, 'ot-tracer-spanid': S, 'ot-tracer-sampled': '1' }, { traceId: T, spanId: S, sampled: true }],
    ['datadog', { 'x-datadog-trace-id': '1234', 'x-datadog-parent-id': '5678', 'x-datadog-sampling-priority': '1' },
      { traceId: (1234).toString(16).padStart(32, '0'), spanId: (5678).toString(16).padStart(16, '0'), sampled: true }],
    ['aws', { 'x-amzn-trace-id': `Root=1-${T.slice(0, 8)}-${T.slice(8)};Parent=${S};Sampled=0` }, { traceId: T, spanId: S, sampled: false }],
    ['gcp', { 'x-cloud-trace-context': `${T}/${BigInt(`0x${S}`).toString()};o=1` }, { traceId: T, spanId: S, sampled: true }],
    ['gcp', { 'x-cloud-trace-context': `${T}/123` }, { traceId: T, spanId: (123).toString(16).padStart(16, '0'), sampled: null }],
  ])('%s %j', (format, headers, want) => {
    const got = extract([format], getter(headers))
    expect(got?.from).toBe(format)
    expect(got?.ctx).toMatchObject(want)
  })

  it('takes the first format found, in the configured order', () => {
    const h = getter({ traceparent: `00-${T}-${S}-01`, 'uber-trace-id': `${'1'.repeat(32)}:${S}:0:1` })
    expect(extract(['jaeger', 'w3c'], h)?.from).toBe('jaeger')
    expect(extract(['w3c', 'jaeger'], h)?.from).toBe('w3c')
    expect(extract(['b3', 'ot'], h)).toBeNull()
  })
})

describe('inject', () => {
  const o: Outgoing = { traceId: T, spanId: S, parentId: 'a'.repeat(16), sampled: true }
  const run = (formats: OtelConf['propagation']['inject'], found: Parameters<typeof inject>[1] = null, out: Outgoing = o) => {
    const h: Record<string, string> = {}
    inject({ extract: [], clear: [], inject: formats ?? [], defaultFormat: 'w3c' }, found, out, (n, v) => { h[n] = v })
    return h
  }
  it.each([
    ['w3c', { traceparent: `00-${T}-${S}-01` }],
    ['b3', { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-parentspanid': 'a'.repeat(16), 'x-b3-sampled': '1' }],
    ['b3-single', { b3: `${T}-${S}-1-${'a'.repeat(16)}` }],
    ['jaeger', { 'uber-trace-id': `${T}:${S}:${'a'.repeat(16)}:01` }],
    ['ot', { 'ot-tracer-traceid': T, 'ot-tracer-spanid': S, 'ot-tracer-sampled': '1' }],
    ['datadog', { 'x-datadog-trace-id': BigInt(`0x${T.slice(16)}`).toString(), 'x-datadog-parent-id': BigInt(`0x${S}`).toString(), 'x-datadog-sampling-priority': '1' }],
    ['aws', { 'x-amzn-trace-id': `Root=1-${T.slice(0, 8)}-${T.slice(8)};Parent=${S};Sampled=1` }],
    ['gcp', { 'x-cloud-trace-context': `${T}/${BigInt(`0x${S}`).toString()};o=1` }],
  ] as const)('%s', (format, want) => {
    expect(run([format])).toEqual(want)
  })

  it('writes the sampled-out decision', () => {
    expect(run(['w3c', 'jaeger'], null, { ...o, sampled: false })).toEqual({ traceparent: `00-${T}-${S}-00`, 'uber-trace-id': `${T}:${S}:${'a'.repeat(16)}:00` })
  })

  it('preserve answers in the format extracted, b3 single as b3 single, else default_format', () => {
    const b3single = extract(['b3'], getter({ b3: `${T}-${S}-1` }))
    expect(Object.keys(run(['preserve'], b3single))).toEqual(['b3'])
    const jaeger = extract(['jaeger'], getter({ 'uber-trace-id': `${T}:${S}:0:1` }))
    expect(Object.keys(run(['preserve'], jaeger))).toEqual(['uber-trace-id'])
    expect(Object.keys(run(['preserve']))).toEqual(['traceparent'])
    expect(Object.keys(run(['preserve', 'aws'], jaeger))).toEqual(['uber-trace-id', 'x-amzn-trace-id'])
  })

  it('round-trips: what each injector writes, its extractor reads back', () => {
    for (const f of ['w3c', 'b3', 'b3-single', 'jaeger', 'ot', 'aws', 'gcp'] as const) {
      const h = run([f])
      const got = extract([f === 'b3-single' ? 'b3' : f], getter(h))
      expect(got?.ctx, f).toMatchObject({ traceId: T, spanId: S, sampled: true })
    }
  })
})

describe('resolvePropagation (Kong get_plugin_params)', () => {
  const conf = (p: Partial<OtelConf['propagation']>, header_type: OtelConf['header_type'] = 'preserve') =>
    ({ header_type, propagation: { default_format: 'w3c', ...p } }) as OtelConf
  it('the propagation record wins when it sets extract, inject or clear', () => {
    expect(resolvePropagation(conf({ extract: ['gcp'], inject: ['b3'] }))).toEqual({ extract: ['gcp'], inject: ['b3'], clear: [], defaultFormat: 'w3c' })
    expect(resolvePropagation(conf({ clear: ['x-foo'] }, 'jaeger'))).toEqual({ extract: [], inject: [], clear: ['x-foo'], defaultFormat: 'w3c' })
  })
  it.each([
    ['preserve', { extract: ['b3', 'w3c', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'], inject: ['preserve'] }],
    ['ignore', { extract: [], inject: ['w3c'] }],
    ['jaeger', { extract: ['b3', 'w3c', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'], inject: ['preserve', 'jaeger'] }],
  ] as const)('header_type %s', (ht, want) => {
    expect(resolvePropagation(conf({}, ht))).toMatchObject(want)
  })
})

describe('traceparent', () => {
  // one string from a scratch buffer: the same text as the template it replaces, call after call
  // (the buffer is reused: a shorter or odd id must not leave an earlier id's digits behind)
  it.each<[string, string, boolean]>([
    [T, S, true],
    [T, S, false],
    ['0'.repeat(31) + '1', '0'.repeat(15) + '1', true],
    ['f'.repeat(32), 'f'.repeat(16), false],
    // not the widths a valid id has: the template's text, not the buffer's
    ['abc', 'def', true],
    ['', '', false],
    [T + 'ff', S, true],
    [T, S.slice(1), true],
    ['ABCDEF0123456789'.repeat(2), 'ABCDEF0123456789', true],
  ])('%s %s %s', (traceId, spanId, sampled) => {
    expect(traceparent(T, S, !sampled)).toBe(`00-${T}-${S}-${!sampled ? '01' : '00'}`)
    expect(traceparent(traceId, spanId, sampled)).toBe(`00-${traceId}-${spanId}-${sampled ? '01' : '00'}`)
  })

  it('is a flat string of its own, not a view of the buffer', () => {
    const a = traceparent(T, S, true)
    const b = traceparent('1'.repeat(32), '2'.repeat(16), false)
    expect(a).toBe(`00-${T}-${S}-01`)
    expect(b).toBe(`00-${'1'.repeat(32)}-${'2'.repeat(16)}-00`)
  })
})

describe('w3c extraction by char code', () => {
  // the regex it replaced, as the reference
  const reference = (v: string): { traceId: string; spanId: string; sampled: boolean } | null => {
    if (v.length > 512) return null
    const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(v.trim())
    if (!m || m[1] !== '00' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return null
    return { traceId: m[2]!, spanId: m[3]!, sampled: (parseInt(m[4]!, 16) & 1) === 1 }
  }
  const ours = (v: string) => {
    const got = extract(['w3c'], getter({ traceparent: v }))
    return got === null ? null : { traceId: got.ctx.traceId, spanId: got.ctx.spanId, sampled: got.ctx.sampled }
  }
  const flags = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

  it.each(flags)('flags %s', (f) => {
    expect(ours(`00-${T}-${S}-${f}`)).toEqual(reference(`00-${T}-${S}-${f}`))
    expect(ours(`00-${T}-${S}-${f}`)?.sampled).toBe((parseInt(f, 16) & 1) === 1)
  })

  it.each([
    `00-${T}-${S}-01`, ` 00-${T}-${S}-01\t`, `00-${T}-${S}-01\n`, `01-${T}-${S}-01`, `ff-${T}-${S}-01`,
    `00-${T.toUpperCase()}-${S}-01`, `00-${T}-${S.toUpperCase()}-01`, `00-${T}-${S}-0A`, `00-${T}-${S}-1g`,
    `00-${'0'.repeat(32)}-${S}-01`, `00-${T}-${'0'.repeat(16)}-01`, `00-${T}-${S}-01-`, `00-${T}-${S}-1`,
    `00_${T}-${S}-01`, `00-${T}_${S}-01`, `00-${T}-${S}_01`, `00-${T.slice(1)}0-${S}-01`, `00-${T}${S}-01--`,
    `00-${T}-${S}-01${' '.repeat(500)}`, `00-${T.slice(0, 31)}é-${S}-01`, `00-${T}-${S.slice(0, 15)}\u0000-01`,
    '', '-', '00', `00-${T}-${S}`, `\u00a000-${T}-${S}-01\u2028`, `00-${T}-${S}-01\r\nx: y`,
  ])('%j as the regex reads it', (v) => {
    expect(ours(v)).toEqual(reference(v))
  })

  it('random strings near the shape', () => {
    const alphabet = '0123456789abcdefABG-_ \t\né\u0000'
    let seed = 7
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
    for (let i = 0; i < 3000; i++) {
      const chars = [...`00-${T}-${S}-01`]
      for (let k = rnd(3); k >= 0; k--) chars[rnd(chars.length)] = alphabet[rnd(alphabet.length)]!
      const v = chars.join('')
      expect(ours(v)).toEqual(reference(v))
    }
  })
})
