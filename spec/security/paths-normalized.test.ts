// kong.request.getPath() is the normalized path (Kong 3.x), so a plugin comparing paths sees what
// the router saw: `/a/../b`, `//b` and `%62` are `/b`. getRawPath() is the path as sent.
import { describe, expect, it } from 'vitest'
import { makeKong } from '../pdk/context-factory.ts'

const CASES: [raw: string, normalized: string][] = [
  ['/b', '/b'],
  ['/a/../b', '/b'],
  ['//b', '/b'],
  ['/%62', '/b'],
  ['/a/./b', '/a/b'],
  ['/a/%2e%2e/b', '/b'],
  ['/a/%2E%2E/%2e/b', '/b'],
  ['/../../b', '/b'],
  ['/admin/..', '/'],
  ['/a//b///c', '/a/b/c'],
  ['/a%2Fb', '/a%2Fb'], // a reserved escape keeps its meaning
  ['/a%2fb', '/a%2Fb'],
  ['/%7Euser', '/~user'],
  ['/caf%C3%A9', '/café'],
]

describe('getPath() is normalized, getRawPath() is raw', () => {
  it.each(CASES)('%s → %s', (raw, normalized) => {
    const { kong, enter } = makeKong({ path: raw })
    enter('access')
    expect(kong.request.getPath()).toBe(normalized)
    expect(kong.request.getPath()).toBe(normalized) // computed once, same answer
    expect(kong.request.getRawPath()).toBe(raw)
  })

  it('a path whose escapes are not UTF-8 (the router refuses it) is returned raw', () => {
    const { kong, enter } = makeKong({ path: '/a/%ff' })
    enter('access')
    expect(kong.request.getPath()).toBe('/a/%ff')
  })

  it('both are request-phase functions', () => {
    const { kong, enter } = makeKong({ path: '/a' })
    enter('init_worker')
    expect(() => kong.request.getPath()).toThrow(/cannot be called in init_worker phase/)
    expect(() => kong.request.getRawPath()).toThrow(/cannot be called in init_worker phase/)
  })
})
