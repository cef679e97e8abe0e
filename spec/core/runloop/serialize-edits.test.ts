// kong.log.setSerializeValue's edits are stored flat and applied when serialize() builds the record
// (core/runloop/serialize-edits.ts). The record must be the one the former implementation built,
// which applied each edit with the function below (kept here verbatim as the reference): tables of
// edit sequences and generated ones, compared record for record.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { makeKong } from '../../pdk/context-factory.ts'
import type { SerializeMode } from '../../../core/runloop/serialize-edits.ts'

function referenceSetPath(obj: Record<string, unknown>, key: string, value: unknown, mode: string): void {
  const parts = key.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'))
  let o = obj
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== 'object' || o[p] === null) o[p] = {}
    o = o[p] as Record<string, unknown>
  }
  const last = parts[parts.length - 1]!
  const has = o[last] !== undefined
  if (mode === 'add' && has) return
  if (mode === 'replace' && !has) return
  o[last] = value
}

type Edit = [key: string, value: unknown, mode?: SerializeMode]

/** The record with `edits` (new way) and the same record without them, edited by the reference. */
function bothRecords(edits: readonly Edit[]): { actual: unknown; expected: unknown } {
  const { kong, ctx, enter } = makeKong({ query: 'q=1&api_key=s', headers: { authorization: 'secret', 'x-a': '1' }, body: '{}' })
  ctx.endAt = ctx.start + 7 // latencies read the clock otherwise
  ctx.status = 200
  enter('access')
  for (const [k, v, mode] of edits) kong.log.setSerializeValue(k, v, mode === undefined ? undefined : { mode })
  enter('log')
  const actual = kong.log.serialize()
  const kept = ctx.serializeEdits
  ctx.serializeEdits = null
  const expected = kong.log.serialize() as unknown as Record<string, unknown>
  ctx.serializeEdits = kept
  for (const [k, v, mode] of edits) referenceSetPath(expected, k, v, mode ?? 'set')
  return { actual, expected }
}

function expectSame(edits: readonly Edit[]): void {
  const { actual, expected } = bothRecords(edits)
  expect(actual).toEqual(expected)
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
}

const TABLE: [string, Edit[]][] = [
  ['none', []],
  ['one top-level key', [['correlation_id', 'abc']]],
  ['Kong ai.proxy fields', [['ai.proxy.meta.provider_name', 'openai'], ['ai.proxy.meta.llm_latency', 12], ['ai.proxy.usage.cost', 0.0042], ['ai.proxy.usage.total_tokens', 30]]],
  ['escaped dot', [['a.b\\.c', 1], ['a\\.b', 2], ['x\\.y\\.z.w', 3]]],
  ['add keeps the present value', [['request.id', 'kept', 'add'], ['request.new', 'added', 'add']]],
  ['replace only a present value', [['nothere', 1, 'replace'], ['request.method', 'EDITED', 'replace'], ['a.b', 1, 'replace']]],
  ['overwrite a nested value', [['a.b.c', 1], ['a.b.c', 2], ['a.b.d', 3]]],
  ['overwrite a table with a value, then go through it', [['a.b.c', 1], ['a.b', 'flat'], ['a.b.c', 2]]],
  ['delete by undefined, then add again', [['a.b', 1], ['a.b', undefined], ['a.b', 'back', 'add']]],
  ['delete a whole subtree', [['a.b.c', 1], ['a', undefined], ['a.x', 2]]],
  ['null is a value, replaced only when present', [['a', null], ['a', 5, 'replace'], ['b', null], ['b', 6, 'add']]],
  ['edit the record’s own fields', [['request.headers.x-edit', 'v'], ['response.status', 599], ['latencies.kong', 1], ['request.querystring.q', '2']]],
  ['an edited object is written into', [['obj', { k: 1 }], ['obj.j', 2], ['arr', [1, 2]], ['arr.0', 'zero']]],
  ['a function value becomes a table when gone through', [['f', () => 1], ['f.g', 1]]],
  ['constructor and prototype as steps', [['constructor.x', 1], ['a.constructor', 2], ['prototype.prototype.y', 3], ['b.prototype', 4]]],
  ['inherited names as steps', [['toString.a', 1], ['hasOwnProperty', 2], ['valueOf.b.c', 3]]],
  ['empty segments', [['', 1], ['a.', 2], ['.b', 3], ['..', 4]]],
  ['a long path', [['a.b.c.d.e.f.g.h.i.j', 1]]],
  ['the same key in every mode', [['m', 1, 'add'], ['m', 2, 'add'], ['m', 3, 'replace'], ['m', 4, 'set'], ['m', undefined], ['m', 5, 'replace']]],
]

describe('kong.log.serialize() with edits: the record the former implementation built', () => {
  it.each(TABLE)('%s', (_name, edits) => expectSame(edits))

  // generated sequences over a small alphabet, so keys collide, nest and overwrite each other
  const segment = fc.constantFrom('a', 'b', 'c', 'request', 'headers', 'id', 'ai', 'proxy', 'x\\.y', '0', '1', 'constructor', 'prototype', '')
  const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('.'))
  const value = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null), fc.constant(undefined), fc.constant(true),
    fc.record({ k: fc.integer() }), fc.array(fc.integer(), { maxLength: 2 }))
  const mode = fc.constantFrom<SerializeMode | undefined>(undefined, 'set', 'add', 'replace')
  const edit = fc.tuple(key, value, mode) as fc.Arbitrary<Edit>
  // Kong reads only own keys (Lua tables have no prototype): `add`/`replace` of a name every object
  // inherits (`constructor`) is the one place the former implementation differed (tested below)
  const inheritedLast = (e: Edit): boolean => e[2] !== undefined && e[2] !== 'set' && e[0].split('.').at(-1) === 'constructor'

  it('generated edit sequences', () => {
    fc.assert(fc.property(fc.array(edit, { maxLength: 12 }), (edits) => {
      fc.pre(!edits.some(inheritedLast))
      expectSame(edits)
    }), { numRuns: 400, seed: 13 })
  })
})

describe('kong.log.serialize() with edits: where the record now follows Kong instead', () => {
  it.each([
    ['constructor', 'add', 'v'],
    ['toString', 'add', 'v'],
    ['hasOwnProperty', 'add', 'v'],
    ['a.constructor', 'add', 'v'],
    ['constructor', 'replace', undefined],
    ['toString', 'replace', undefined],
  ] as const)('%s with mode %s: an inherited property is not a present value', (k, mode, expected) => {
    const { actual } = bothRecords([['a.x', 1], [k, 'v', mode]])
    const path = k.split('.')
    const parent = path.length === 1 ? actual : (actual as Record<string, unknown>)[path[0]!]
    expect(Object.hasOwn(parent as object, path.at(-1)!) ? (parent as Record<string, unknown>)[path.at(-1)!] : undefined).toBe(expected)
  })

  it('an edit into the config’s frozen route or service writes the record’s copy, never the config', () => {
    const { kong, ctx, enter } = makeKong()
    const route = Object.freeze({ id: 'r1', name: 'route', paths: Object.freeze(['/a']), tags: Object.freeze({ t: 1 }) })
    ctx.route = route as never
    enter('access')
    kong.log.setSerializeValue('route.name', 'edited')
    kong.log.setSerializeValue('route.paths.1', '/b')
    kong.log.setSerializeValue('route.tags.u', 2)
    kong.log.setSerializeValue('service.x', 1)
    enter('log')
    const r = kong.log.serialize()
    expect(r.route).toEqual({ id: 'r1', name: 'edited', paths: ['/a', '/b'], tags: { t: 1, u: 2 } })
    expect(Array.isArray((r.route as { paths: unknown }).paths)).toBe(true)
    expect(route).toEqual({ id: 'r1', name: 'route', paths: ['/a'], tags: { t: 1 } })
    // a second record of the same request is built the same way
    expect(kong.log.serialize().route).toEqual(r.route)
  })
})

describe('kong.log.deferSerializeValues', () => {
  it('applies its values only when a record is built, at its place among the edits', () => {
    const { kong, ctx, enter } = makeKong()
    let calls = 0
    enter('access')
    kong.log.setSerializeValue('a.b', 'before')
    kong.log.deferSerializeValues((set) => { calls++; set('a.b', 'deferred'); set('a.c', 1); set('a.d', 'no', 'replace') })
    kong.log.setSerializeValue('a.c', 2)
    expect(calls).toBe(0)
    enter('log')
    expect(kong.log.serialize().a).toEqual({ b: 'deferred', c: 2 })
    expect(calls).toBe(1)
    expect(ctx.serializeEdits).not.toBeNull()
  })

  it('a writer that throws keeps the record and the other edits', () => {
    const { kong, enter } = makeKong()
    enter('access')
    kong.log.deferSerializeValues((set) => { set('x', 1); throw new Error('broken writer') })
    kong.log.setSerializeValue('y', 2)
    enter('log')
    const r = kong.log.serialize()
    expect(r.x).toBe(1)
    expect(r.y).toBe(2)
    expect(r.request.method).toBe('GET')
  })

  it('a plugin’s mode is never taken for a writer', () => {
    const { kong, enter } = makeKong()
    enter('access')
    for (const mode of ['deferred', 'writer', 'DEFERRED', 'other']) kong.log.setSerializeValue(`m.${mode}`, mode, { mode: mode as SerializeMode })
    enter('log')
    expect(kong.log.serialize().m).toEqual({ deferred: 'deferred', writer: 'writer', DEFERRED: 'DEFERRED', other: 'other' })
  })
})
