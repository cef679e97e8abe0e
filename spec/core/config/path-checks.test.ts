import { expect, test } from 'vitest'
import { checkRoutePath, migrateRoutePath, normalizePath, toJsRegex } from '../../../core/config/path-checks.ts'
import { luaPretty } from '../../../core/config/lua-pretty.ts'

test("normalizePath: Kong's dot-segment removal and percent-decoding of unreserved characters", () => {
  expect(normalizePath('/a/./b/../c', true)).toBe('/a/c')
  expect(normalizePath('/a/%7e/%2f', true)).toBe('/a/~/%2F')
  expect(normalizePath('/a//b', true)).toBe('/a/b')
})

test('migrateRoutePath: plain characters stay a prefix, anything else becomes a ~ regex', () => {
  expect(migrateRoutePath('/v1/users')).toBe('/v1/users')
  expect(migrateRoutePath('/users/\\d+')).toBe('~/users/\\d+')
  expect(migrateRoutePath('/a$')).toBe('~/a$')
})

test('route regexes compile as JS, with PCRE named groups accepted', () => {
  expect(checkRoutePath('~/orders/(?P<id>\\d+)$')).toBeNull()
  expect(toJsRegex('/orders/(?P<id>\\d+)$').exec('/orders/12')?.groups).toEqual({ id: '12' })
  expect(checkRoutePath('~/a[')).toMatch(/^invalid regex: '\/a\[' \(/)
  expect(checkRoutePath('/a//b')).toBe('must not have empty segments')
})

test('luaPretty renders like penlight: sorted keys, sparse arrays by 1-based index', () => {
  expect(luaPretty({ b: 'x', a: [null, 'y'], '@entity': ['z'] })).toBe('{["@entity"]={"z"},a={[2]="y"},b="x"}')
})
