// kong.log.setSerializeValue keys are dotted paths a plugin may build from request data (a header
// name, a model name). A step named `__proto__`, `constructor` or `prototype` must stay a key of
// the log record: never reach Object.prototype, never change the record's prototype, never leak
// into the next request's record.
import { afterEach, describe, expect, it } from 'vitest'
import { makeKong } from '../pdk/context-factory.ts'
import type { SerializeMode } from '../../core/runloop/serialize-edits.ts'
import { INJECTED, INJECTED_KEYS } from './prototype-pollution-payloads.ts'

const HOSTILE = ['__proto__', 'constructor', 'prototype']
const KEYS: string[] = []
for (const h of HOSTILE) {
  KEYS.push(h, `${h}.polluted`, `a.${h}.polluted`, `${h}.${h}.polluted`, `request.headers.${h}.polluted`, `request.${h}`,
    `a.b.${h}`, `${h}\\.x.polluted`, `route.${h}.polluted`, `tries.${h}.polluted`)
}
KEYS.push('__proto__.__proto__.polluted', 'constructor.prototype.polluted', '__proto__.constructor.prototype.polluted')
const MODES: (SerializeMode | undefined)[] = [undefined, 'add', 'replace']
const VALUES: [string, () => unknown][] = [
  ['string', () => 'yes'],
  ['parsed object with own __proto__', () => JSON.parse(`{"__proto__":${INJECTED}}`)],
  ['parsed object', () => JSON.parse(INJECTED)],
]
const CASES = KEYS.flatMap((k) => MODES.flatMap((m) => VALUES.map(([vn, v]) => [k, m ?? 'set', vn, v, m] as const)))

const before = Object.getOwnPropertyNames(Object.prototype).sort()
afterEach(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before)
  for (const k of INJECTED_KEYS) expect(({} as Record<string, unknown>)[k]).toBeUndefined()
})

describe('hostile log-record keys', () => {
  it.each(CASES)('%s (mode %s, value %s)', (key, _m, _vn, value, mode) => {
    const { kong, ctx, enter } = makeKong({ headers: { 'x-a': '1' } })
    ctx.route = Object.freeze({ id: 'r1', name: 'route' }) as never
    enter('access')
    kong.log.setSerializeValue('a.x', 1)
    kong.log.setSerializeValue(key, value(), mode === undefined ? undefined : { mode })
    enter('log')
    const r = kong.log.serialize()
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(r.request.headers)).toBeNull()
    expect((r as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(r.request)).toBe(Object.prototype)
    // the record is still plain data a logging plugin can encode
    expect(() => JSON.stringify(r)).not.toThrow()
    // a fresh request's record carries nothing of it
    const next = makeKong()
    next.enter('log')
    const clean = next.kong.log.serialize() as Record<string, unknown>
    expect(Object.hasOwn(clean, '__proto__')).toBe(false)
    expect(clean.a).toBeUndefined()
  })

  it.each(HOSTILE)('`%s` set at the top is an own key of the record, in its JSON', (h) => {
    const { kong, enter } = makeKong()
    enter('access')
    kong.log.setSerializeValue(`${h}.polluted`, 'yes')
    enter('log')
    const r = kong.log.serialize()
    expect(Object.hasOwn(r, h)).toBe(true)
    expect(JSON.stringify(r)).toContain(`"${h}":{"polluted":"yes"}`)
    const parsed = JSON.parse(JSON.stringify(r)) as Record<string, Record<string, unknown>>
    expect(Object.hasOwn(parsed, h) && parsed[h]!.polluted).toBe('yes')
  })
})
