// kong.request.getHeader's name lookup: the fast path for names already in stored form must give
// exactly what the full transform (lowercase, `_` as `-`) gives, for every kind of name.
import { describe, expect, it } from 'vitest'
import { headerKey } from '../../pdk/request.ts'
import { makeKong } from './context-factory.ts'

const full = (n: string): string => n.toLowerCase().replace(/_/g, '-')

const NAMES: string[] = [
  'traceparent', 'x-b3-traceid', 'TraceParent', 'X-B3-TraceId', 'x_b3_traceid', 'X_B3_TRACEID', 'uber-trace-id',
  'Uber_Trace_Id', '', '_', '-', '__', 'a', 'A', 'Z', '@', '[', '`', '{', 'x-datadog-trace-id', 'X-Datadog_Trace-ID',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'CONSTRUCTOR', '__PROTO__',
  '\u212Aey', 'k\u212A', 'Ä-header', 'ä', 'İ', 'x-é', 'x\u0000y', 'x y', 'x:y', 'x\r\ny', '0123456789',
  'x'.repeat(300), 'X'.repeat(300), `${'x'.repeat(299)}_`, '\uD800', 'x-\uDFFF',
]

describe('headerKey', () => {
  it.each(NAMES)('%j gives the full transform', (n) => {
    expect(headerKey(n)).toBe(full(n))
  })
  it('returns a name already in stored form as it is', () => {
    const n = 'x-b3-traceid'
    expect(headerKey(n)).toBe(n)
  })
})

// (the test context's headers object has Object's prototype, unlike the server's: inherited names
// are covered by the headerKey table above)
describe('kong.request.getHeader name forms', () => {
  const { kong, enter } = makeKong({ headers: { 'x-my-header': 'v', traceparent: 't', 'key': 'k' } })
  enter('access')
  const CASES: [string, string | undefined][] = [
    ['x-my-header', 'v'], ['X-My-Header', 'v'], ['x_my_header', 'v'], ['X_MY_HEADER', 'v'], ['x-my_Header', 'v'],
    ['traceparent', 't'], ['TRACEPARENT', 't'], ['trace_parent', undefined], ['key', 'k'], ['KEY', 'k'],
    ['\u212Aey', 'k'], ['x-my-header ', undefined], ['x-my-header\u0000', undefined], ['', undefined],
  ]
  it.each(CASES)('%j → %j', (name, want) => {
    expect(kong.request.getHeader(name)).toBe(want)
  })
})
