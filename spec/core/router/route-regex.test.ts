// Regex paths: anchoring, captures (Kong's uri_captures), PCRE/Rust syntax, invalid regexes.

import { describe, expect, it } from 'vitest'
import { isGatewayError } from '../../../core/errors.ts'
import { compileRouter } from '../../../core/router/router.ts'
import { compileRouteRegex, literalPrefix, translateRegex } from '../../../core/router/route-regex.ts'
import { makeRoute, req } from './route-factory.ts'

function match(path: string, requestPath: string) {
  return compileRouter([makeRoute({ paths: [path], strip_path: false })], []).match(req('GET', requestPath))
}

describe('regex paths', () => {
  it.each([
    ['~/users/\\d+', '/users/42', true],
    ['~/users/\\d+', '/users/42/more', true], // anchored at the start only
    ['~/users/\\d+$', '/users/42/more', false],
    ['~/users/\\d+', '/api/users/42', false],
    ['~/a|/b', '/b', true],
    ['~/a|/b', '/x/b', false], // the whole alternation is anchored
  ])('%s on %s → %s', (path, requestPath, matches) => {
    expect(match(path, requestPath) !== null).toBe(matches)
  })

  it('returns numbered and named captures, [0] the whole match', () => {
    const m = match('~/users/(?P<user_id>\\d+)/profile/?(?P<scope>[a-z]*)', '/users/1984/profile/email')
    expect(m?.uriCaptures).toEqual({
      unnamed: ['/users/1984/profile/email', '1984', 'email'],
      named: { user_id: '1984', scope: 'email' },
    })
  })

  it('an empty group match is an empty string', () => {
    const m = match('~/users/(?<user_id>\\d+)/profile/?(?<scope>[a-z]*)', '/users/1984/profile')
    expect(m?.uriCaptures).toEqual({ unnamed: ['/users/1984/profile', '1984', ''], named: { user_id: '1984', scope: '' } })
  })

  it('an optional group that took no part is absent from named (Kong #13014)', () => {
    const m = match('~/(users/)?1984/(?<subpath>profile)$', '/1984/profile')
    expect(m?.uriCaptures?.unnamed[1]).toBe('')
    expect(m?.uriCaptures?.named).toEqual({ subpath: 'profile' })
  })

  it('no captures from a regex without groups, nor from a prefix', () => {
    expect(match('~/users/\\d+/profile', '/users/1984/profile')?.uriCaptures).toBeNull()
    expect(match('/hello', '/hello/world')?.uriCaptures).toBeNull()
  })

  it('special characters in regex and prefix paths', () => {
    const router = compileRouter([makeRoute({ name: 'p', paths: ['/\\d'] }), makeRoute({ name: 'r', paths: ['~/\\d+"'] })], [])
    expect(router.match(req('GET', '/\\d'))?.route.name).toBe('p')
    expect(router.match(req('GET', '/123"'))?.route.name).toBe('r')
  })
})

describe('translateRegex', () => {
  it.each([
    ['(?P<id>\\d+)', '(?<id>\\d+)', ''],
    ['(?P<a>x)(?P=a)', '(?<a>x)\\k<a>', ''],
    ['(?i)/Users', '/Users', 'i'],
    ['\\A/a\\z', '^/a$', ''],
    ['[[:alpha:]][[:digit:]]+', '[a-zA-Z][0-9]+', ''],
    ['[]a]', '[\\]a]', ''],
    ['[^]a]', '[^\\]a]', ''],
    ['\\p{L}+', '\\p{L}+', 'u'],
    ['[\\[(?P<]', '[\\[(?P<]', ''],
  ])('%s → %s /%s', (pattern, source, flags) => {
    expect(translateRegex(pattern)).toEqual({ source, flags })
  })
})

describe('literalPrefix (index key of a path regex)', () => {
  it.each([
    ['/items/(?<id>\\d+)$', '/items/'],
    ['/a\\/b\\.json', '/a/b.json'],
    ['/apix?', '/api'],
    ['/ap{1,2}', '/a'],
    ['/a\\.?', '/a'],
    ['^/v1/x', '/v1/x'],
    ['/v\\d+', '/v'],
    ['/a|/b', ''],
    ['/(a|b)/c', '/'],
    ['/[ab]', '/'],
    ['(?i)/API', '/'], // folded to /[aA][pP][iI] for the linear engine: only the slash is literal
    ['.*', ''],
  ])('%s → %j', (pattern, expected) => {
    expect(literalPrefix(compileRouteRegex(pattern, true, '', { route: 'r', field: 'paths' }))).toBe(expected)
  })
})

describe('invalid regexes fail at compile time', () => {
  it.each([
    ['path', makeRoute({ name: 'broken-path', paths: ['/ok', '~/users/(\\d+'] })],
    ['header', makeRoute({ name: 'broken-header', headers: { 'x-a': ['~*[a-'] } })],
    ['unsupported flag', makeRoute({ name: 'broken-flag', paths: ['~(?x)/a'] })],
    ['unbalanced, valid only once wrapped', makeRoute({ name: 'broken-parens', paths: ['~/a)|(/b'] })],
  ])('%s', (_, route) => {
    let thrown: unknown
    try {
      compileRouter([makeRoute({ paths: ['/fine'] }), route], [])
    } catch (e) {
      thrown = e
    }
    expect(isGatewayError(thrown)).toBe(true)
    expect(thrown).toMatchObject({ code: 'GW_ERR_CONFIG' })
    expect((thrown as Error).message).toContain(`'${route.name}'`) // the route is named
  })
})
