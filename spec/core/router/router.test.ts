// Route selection checked against Kong's documented traditional_compatible behaviour
// (cases after Kong/kong spec/01-unit/08-router_spec.lua).

import { describe, expect, it } from 'vitest'
import { compileRouter } from '../../../core/router/router.ts'
import { winner, type Case } from './pick-winner.ts'
import { makeRoute, makeService, req } from './route-factory.ts'

const priorityCases: Case[] = [
  {
    what: '[host] beats [method] (plain host bit)',
    routes: [{ name: 'method', methods: ['TRACE'] }, { name: 'host', hosts: ['domain-1.org', 'domain-2.org'] }],
    request: req('TRACE', '/', 'domain-2.org'),
    expected: 'host',
  },
  {
    what: '[uri] beats [method] (prefix length)',
    routes: [{ name: 'method', methods: ['TRACE'] }, { name: 'uri', paths: ['/my-route'] }],
    request: req('TRACE', '/my-route', 'domain.org'),
    expected: 'uri',
  },
  {
    what: 'more matching fields win over a longer prefix',
    routes: [
      { name: 'long', paths: ['/api/v1/very/long'] },
      { name: 'path+method', paths: ['/api'], methods: ['GET'] },
    ],
    request: req('GET', '/api/v1/very/long/x'),
    expected: 'path+method',
  },
  {
    what: 'a route whose extra field fails does not win',
    routes: [{ name: 'path', paths: ['/api'] }, { name: 'path+method', paths: ['/api'], methods: ['GET'] }],
    request: req('POST', '/api'),
    expected: 'path',
  },
  {
    what: 'plain host beats a wildcard host at equal weight, whatever the order',
    routes: [{ name: 'wild', hosts: ['*.example.com'] }, { name: 'plain', hosts: ['api.example.com'] }],
    request: req('GET', '/', 'api.example.com'),
    expected: 'plain',
  },
  {
    what: 'a route mixing plain and wildcard hosts is not plain-host-only',
    routes: [{ name: 'mixed', hosts: ['api.example.com', '*.example.org'] }, { name: 'plain', hosts: ['api.example.com'] }],
    request: req('GET', '/', 'api.example.com'),
    expected: 'plain',
  },
  {
    what: 'more header names beat a longer path',
    routes: [
      { name: 'one-header', headers: { version: ['v1'] }, paths: ['/my-route/hello'] },
      { name: 'two-headers', headers: { version: ['v1'], location: ['us-east'] }, paths: ['/my-route'] },
    ],
    request: req('GET', '/my-route/hello', 'domain.org', { version: 'v1', location: 'us-east' }),
    expected: 'two-headers',
  },
  {
    what: 'regex beats prefix at equal weight',
    routes: [{ name: 'prefix', paths: ['/users/123/profile'] }, { name: 'regex', paths: ['~/users/\\d+'] }],
    request: req('GET', '/users/123/profile'),
    expected: 'regex',
  },
  {
    what: 'prefix still matches where the regex does not',
    routes: [{ name: 'prefix', paths: ['/users'] }, { name: 'regex', paths: ['~/users/\\d+'] }],
    request: req('GET', '/users/abc'),
    expected: 'prefix',
  },
  {
    what: 'higher regex_priority wins among regexes',
    routes: [
      { name: 'low', paths: ['~/status/\\d+'], regex_priority: 1 },
      { name: 'high', paths: ['~/status/2\\d\\d'], regex_priority: 5 },
    ],
    request: req('GET', '/status/200'),
    expected: 'high',
  },
  {
    what: 'negative regex_priority ranks below the default',
    routes: [
      { name: 'neg', paths: ['~/s/\\d+'], regex_priority: -1 },
      { name: 'zero', paths: ['~/s/.*'] },
    ],
    request: req('GET', '/s/1'),
    expected: 'zero',
  },
  {
    what: 'regex_priority is ignored for prefix paths',
    routes: [
      { name: 'regex', paths: ['~/.*'], hosts: ['domain-1.org'] },
      { name: 'root', paths: ['/'], hosts: ['domain-2.org'], regex_priority: 5 },
      { name: 'v1', paths: ['/v1'], hosts: ['domain-2.org'] },
    ],
    request: req('GET', '/v1', 'domain-2.org'),
    expected: 'v1',
  },
  {
    what: 'longer prefix wins, declared first or last',
    routes: [{ name: 'short', paths: ['/a'] }, { name: 'long', paths: ['/a/b'] }, { name: 'root', paths: ['/'] }],
    request: req('GET', '/a/b/c'),
    expected: 'long',
  },
  {
    what: 'a prefix is a plain string prefix: /foo matches /foobar',
    routes: [{ name: 'foo', paths: ['/foo'] }],
    request: req('GET', '/foobar'),
    expected: 'foo',
  },
  {
    what: 'ties keep declaration order',
    routes: [{ name: 'first', paths: ['/same'] }, { name: 'second', paths: ['/same'] }],
    request: req('GET', '/same'),
    expected: 'first',
  },
  {
    what: 'split route: regex group and prefix group rank apart (regex)',
    routes: [
      { name: 'mixed', paths: ['~/some/thing/else', '/foo'], hosts: ['domain-1.org'] },
      { name: 'foobar', paths: ['/foo/bar'], hosts: ['domain-1.org'] },
    ],
    request: req('GET', '/some/thing/else', 'domain-1.org'),
    expected: 'mixed',
  },
  {
    what: 'split route: its short prefix group loses to a longer prefix elsewhere',
    routes: [
      { name: 'mixed', paths: ['~/some/thing/else', '/foo'], hosts: ['domain-1.org'] },
      { name: 'foobar', paths: ['/foo/bar'], hosts: ['domain-1.org'] },
    ],
    request: req('GET', '/foo/bar', 'domain-1.org'),
    expected: 'foobar',
  },
  {
    what: 'split route: overlapping prefixes of one route get their own priority',
    routes: [
      { name: 'foo+baz', paths: ['/foo', '/foo/bar/baz'], hosts: ['domain-1.org'] },
      { name: 'foobar', paths: ['/foo/bar'], hosts: ['domain-1.org'] },
    ],
    request: req('GET', '/foo/bar/baz/1', 'domain-1.org'),
    expected: 'foo+baz',
  },
  {
    what: 'split route: the short group of that route still loses to /foo/bar',
    routes: [
      { name: 'foo+baz', paths: ['/foo', '/foo/bar/baz'], hosts: ['domain-1.org'] },
      { name: 'foobar', paths: ['/foo/bar'], hosts: ['domain-1.org'] },
    ],
    request: req('GET', '/foo/bar', 'domain-1.org'),
    expected: 'foobar',
  },
  {
    what: 'half a [host + uri] match does not supersede another route',
    routes: [
      { name: 'host1', hosts: ['host1.com'], paths: ['/v1/path'] },
      { name: 'host2', hosts: ['host2.com'], paths: ['/'] },
    ],
    request: req('GET', '/v1/path', 'host2.com'),
    expected: 'host2',
  },
  {
    what: 'route protocols are not part of the match',
    routes: [{ name: 'https-only', paths: ['/'], protocols: ['https'] }],
    request: req('GET', '/x'),
    expected: 'https-only',
  },
]

describe('router: priority (traditional_compatible)', () => {
  it.each(priorityCases)('$what', ({ routes, request, expected }) => {
    expect(winner(routes, request)).toBe(expected)
  })
})

describe('router: result', () => {
  it('returns null when nothing matches', () => {
    const router = compileRouter([makeRoute({ paths: ['/a'] })], [])
    expect(router.match(req('GET', '/b'))).toBeNull()
    expect(router.match(req('GET', '/b'))).toBeNull() // negative cache
  })

  it('an empty config matches nothing', () => {
    expect(compileRouter([], []).match(req('GET', '/'))).toBeNull()
  })

  it('a route without a service still matches, with service null', () => {
    const m = compileRouter([makeRoute({ paths: ['/foo', '/bar/baz'] })], []).match(req('GET', '/bar/baz'))
    expect(m?.service).toBeNull()
    expect(m?.upstreamPath).toBe('/')
  })

  it('resolves the service by id', () => {
    const svc = makeService({ id: 's1', path: '/base' })
    const m = compileRouter([makeRoute({ paths: ['/x'], service: { id: 's1' } })], [svc]).match(req('GET', '/x/y'))
    expect(m?.service).toBe(svc)
    expect(m?.upstreamPath).toBe('/base/y')
  })

  it('preserve_host is reported per route', () => {
    const router = compileRouter(
      [makeRoute({ paths: ['/keep'], preserve_host: true }), makeRoute({ paths: ['/drop'] })],
      [],
    )
    expect(router.match(req('GET', '/keep'))?.preserveHost).toBe(true)
    expect(router.match(req('GET', '/drop'))?.preserveHost).toBe(false)
  })

  it('cached results are shared; the captures plugins can reach are frozen', () => {
    const router = compileRouter([makeRoute({ paths: ['~/u/(?<id>\\d+)'] })], [])
    const a = router.match(req('GET', '/u/1'))
    expect(router.match(req('GET', '/u/1'))).toBe(a)
    expect(Object.isFrozen(a?.uriCaptures)).toBe(true)
    expect(Object.isFrozen(a?.uriCaptures?.unnamed)).toBe(true)
    expect(Object.isFrozen(a?.uriCaptures?.named)).toBe(true)
  })

  it('the cache keys on the header values routes test', () => {
    const router = compileRouter(
      [makeRoute({ name: 'v1', paths: ['/'], headers: { version: ['v1'] } }), makeRoute({ name: 'any', paths: ['/'] })],
      [],
    )
    expect(router.match(req('GET', '/x', 'h', { version: 'v1' }))?.route.name).toBe('v1')
    expect(router.match(req('GET', '/x', 'h', { version: 'v2' }))?.route.name).toBe('any')
    expect(router.match(req('GET', '/x', 'h', { version: 'v1' }))?.route.name).toBe('v1')
  })

  it('the cache stays correct past its size', () => {
    const router = compileRouter([makeRoute({ paths: ['/a'] })], [], { cacheSize: 4 })
    for (let i = 0; i < 50; i++) {
      expect(router.match(req('GET', `/a/${i % 7}`))?.upstreamPath).toBe(`/${i % 7}`)
      expect(router.match(req('GET', `/b/${i}`))).toBeNull()
    }
  })
})
