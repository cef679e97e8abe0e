// Request path normalization before routing, as kong/tools/uri.lua normalize(uri, true).

import { describe, expect, it } from 'vitest'
import { normalizePath } from '../../../core/router/normalize-path.ts'
import { compileRouter } from '../../../core/router/router.ts'
import { makeRoute, req } from './route-factory.ts'

describe('normalizePath', () => {
  it.each([
    ['/', '/'],
    ['', ''],
    ['/plain/path', '/plain/path'],
    ['/file.json', '/file.json'],
    ['/a/../b', '/b'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/../a', '/a'],
    ['/a/../../b', '/b'],
    ['/a//b', '/a/b'],
    ['//a///b//', '/a/b/'],
    ['/a/.hidden', '/a/.hidden'],
    ['/a/..b/c', '/a/..b/c'],
    ['/route./req', '/route./req'],
    // unreserved and "other" characters are decoded, reserved ones kept (hex uppercased)
    ['/%7Euser', '/~user'],
    ['/%7euser', '/~user'],
    ['/%41%42c', '/ABc'],
    ['/john%20doe', '/john doe'],
    ['/endel%2Fst', '/endel%2Fst'],
    ['/endel%2fst', '/endel%2Fst'],
    ['/a%3Fb%23c', '/a%3Fb%23c'],
    ['/%25', '/%25'],
    ['/%2541', '/%2541'],
    ['/bad%zz/%', '/bad%zz/%'],
    ['/caf%C3%A9', '/café'],
    // an encoded dot segment is a dot segment (/%2e./ is /../)
    ['/a/%2e%2E/b', '/b'],
    ['/a/%2e/b', '/a/b'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizePath(raw)).toBe(expected)
  })

  it('refuses percent-encoded bytes that are not UTF-8', () => {
    expect(normalizePath('/%FC%80%80%80%80%AF')).toBeNull()
    expect(normalizePath('/%C3')).toBeNull()
  })
})

describe('routing on the normalized path', () => {
  const router = compileRouter(
    [
      makeRoute({ name: 'b', paths: ['/b'], strip_path: false }),
      makeRoute({ name: 'tilde', paths: ['/~user'], strip_path: false }),
      makeRoute({ name: 'reserved', paths: ['/endel%2Fst'], strip_path: false }),
      makeRoute({ name: 'regex', paths: ['~/users/(?<name>[a-z ]+)$'], strip_path: false }),
    ],
    [],
  )

  it.each([
    ['/a/../b', 'b', '/b'],
    ['//b//c', 'b', '/b/c'],
    ['/%62', 'b', '/b'],
    ['/%7Euser', 'tilde', '/~user'],
    ['/endel%2fst', 'reserved', '/endel%2Fst'],
    // decoded for matching, escaped again for the upstream
    ['/users/john%20doe', 'regex', '/users/john%20doe'],
  ])('%s routes to %s, upstream %s', (path, name, upstream) => {
    const m = router.match(req('GET', path))
    expect(m?.route.name).toBe(name)
    expect(m?.upstreamPath).toBe(upstream)
  })

  it('captures see the decoded path', () => {
    expect(router.match(req('GET', '/users/john%20doe'))?.uriCaptures?.named).toEqual({ name: 'john doe' })
  })

  it('a path with invalid UTF-8 matches nothing', () => {
    expect(router.match(req('GET', '/b/%FF'))).toBeNull()
  })

  it('a route path with %2F does not match a request with a real slash', () => {
    expect(router.match(req('GET', '/endel/st'))).toBeNull()
  })
})
