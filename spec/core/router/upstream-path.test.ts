// Upstream path construction (kong/router/utils.lua). The big table is Kong's own
// conformance set (spec/fixtures/router_path_handling_tests.lua): service path, route path (or
// none: a host route), strip_path, path_handling, request path → upstream path.

import { describe, expect, it } from 'vitest'
import { compileRouter } from '../../../core/router/router.ts'
import {
  escapeUpstreamPath,
  joinUpstreamPathV0,
  joinUpstreamPathV1,
  sanitizePostfix,
} from '../../../core/router/upstream-path.ts'
import { makeRoute, makeService, req } from './route-factory.ts'

type Strip = boolean | 'both'
type Handling = 'v0' | 'v1' | 'both'
type Row = [service: string, route: string | null, strip: Strip, handling: Handling, request: string, expected: string]

const B = 'both' as const
// prettier-ignore
const ROWS: Row[] = [
  ['/', '/', B, B, '/', '/'], ['/', '/', B, B, '/route', '/route'], ['/', '/', B, B, '/route/', '/route/'],
  ['/', '/', B, B, '/routereq', '/routereq'], ['/', '/', B, B, '/route/req', '/route/req'],
  ['/', '/route', false, B, '/route', '/route'], ['/', '/route', false, B, '/route/', '/route/'],
  ['/', '/route', false, B, '/routereq', '/routereq'], ['/', '/route', true, B, '/route', '/'],
  ['/', '/route', true, B, '/route/', '/'], ['/', '/route', true, B, '/routereq', '/req'],
  ['/', '/route/', false, B, '/route/', '/route/'], ['/', '/route/', false, B, '/route/req', '/route/req'],
  ['/', '/route/', true, B, '/route/', '/'], ['/', '/route/', true, B, '/route/req', '/req'],
  ['/srv', '/rou', false, 'v0', '/roureq', '/srv/roureq'], ['/srv', '/rou', false, 'v1', '/roureq', '/srvroureq'],
  ['/srv', '/rou', true, 'v0', '/roureq', '/srv/req'], ['/srv', '/rou', true, 'v1', '/roureq', '/srvreq'],
  ['/srv/', '/rou', false, B, '/rou', '/srv/rou'], ['/srv/', '/rou', true, 'v0', '/rou', '/srv'],
  ['/srv/', '/rou', true, 'v1', '/rou', '/srv/'],
  ['/service', '/', B, B, '/', '/service'], ['/service', '/', B, 'v0', '/route', '/service/route'],
  ['/service', '/', B, 'v1', '/route', '/serviceroute'], ['/service', '/', B, 'v0', '/route/', '/service/route/'],
  ['/service', '/', B, 'v1', '/route/', '/serviceroute/'],
  ['/service', '/', B, 'v0', '/routereq', '/service/routereq'], ['/service', '/', B, 'v1', '/routereq', '/serviceroutereq'],
  ['/service', '/', B, 'v0', '/route/req', '/service/route/req'], ['/service', '/', B, 'v1', '/route/req', '/serviceroute/req'],
  ['/service', '/route', false, 'v0', '/route', '/service/route'], ['/service', '/route', false, 'v1', '/route', '/serviceroute'],
  ['/service', '/route', false, 'v0', '/route/', '/service/route/'], ['/service', '/route', false, 'v1', '/route/', '/serviceroute/'],
  ['/service', '/route', false, 'v0', '/routereq', '/service/routereq'], ['/service', '/route', false, 'v1', '/routereq', '/serviceroutereq'],
  ['/service', '/route', true, B, '/route', '/service'], ['/service', '/route', true, B, '/route/', '/service/'],
  ['/service', '/route', true, 'v0', '/routereq', '/service/req'], ['/service', '/route', true, 'v1', '/routereq', '/servicereq'],
  ['/service', '/route/', false, 'v0', '/route/', '/service/route/'], ['/service', '/route/', false, 'v1', '/route/', '/serviceroute/'],
  ['/service', '/route/', false, 'v0', '/route/req', '/service/route/req'], ['/service', '/route/', false, 'v1', '/route/req', '/serviceroute/req'],
  ['/service', '/route/', true, 'v0', '/route/', '/service/'], ['/service', '/route/', true, 'v1', '/route/', '/service'],
  ['/service', '/route/', true, 'v0', '/route/req', '/service/req'], ['/service', '/route/', true, 'v1', '/route/req', '/servicereq'],
  ['/service/', '/', B, 'v0', '/route/', '/service/route/'], ['/service/', '/', B, 'v1', '/route/', '/service/route/'],
  ['/service/', '/', B, B, '/', '/service/'], ['/service/', '/', B, B, '/route', '/service/route'],
  ['/service/', '/', B, B, '/routereq', '/service/routereq'], ['/service/', '/', B, B, '/route/req', '/service/route/req'],
  ['/service/', '/route', false, B, '/route', '/service/route'], ['/service/', '/route', false, B, '/route/', '/service/route/'],
  ['/service/', '/route', false, B, '/routereq', '/service/routereq'], ['/service/', '/route', true, 'v0', '/route', '/service'],
  ['/service/', '/route', true, 'v1', '/route', '/service/'], ['/service/', '/route', true, B, '/route/', '/service/'],
  ['/service/', '/route', true, B, '/routereq', '/service/req'],
  ['/service/', '/route/', false, B, '/route/', '/service/route/'], ['/service/', '/route/', false, B, '/route/req', '/service/route/req'],
  ['/service/', '/route/', true, B, '/route/', '/service/'], ['/service/', '/route/', true, B, '/route/req', '/service/req'],
  // host routes (no path)
  ['/', null, B, B, '/', '/'], ['/', null, B, B, '/route', '/route'], ['/', null, B, B, '/route/', '/route/'],
  ['/service', null, B, B, '/', '/service'], ['/service', null, B, 'v0', '/route', '/service/route'],
  ['/service', null, B, 'v1', '/route', '/serviceroute'], ['/service', null, B, 'v0', '/route/', '/service/route/'],
  ['/service', null, B, 'v1', '/route/', '/serviceroute/'],
  ['/service/', null, B, B, '/', '/service/'], ['/service/', null, B, B, '/route', '/service/route'],
  ['/service/', null, B, B, '/route/', '/service/route/'],
  // dots left after the stripped prefix are dropped; encoded dots are dots
  ['/service', '/route', true, 'v0', '/route./req', '/service/req'], ['/service', '/route', true, 'v1', '/route./req', '/servicereq'],
  ['/service/', '/route', true, B, '/route./req', '/service/req'],
  ['/service', '/route', true, 'v0', '/route%2E/req', '/service/req'], ['/service', '/route', true, 'v1', '/route%2E/req', '/servicereq'],
  ['/service/', '/route', true, B, '/route%2E/req', '/service/req'],
  ['/service', '/route', true, 'v0', '/route%2e/req', '/service/req'], ['/service', '/route', true, 'v1', '/route%2e/req', '/servicereq'],
  ['/service/', '/route', true, B, '/route%2e/req', '/service/req'],
  ['/service', '/route', true, 'v0', '/route../req', '/service/req'], ['/service', '/route', true, 'v1', '/route../req', '/servicereq'],
  ['/service/', '/route', true, B, '/route../req', '/service/req'],
  ['/service', '/route', true, 'v0', '/route%2E%2E/req', '/service/req'], ['/service', '/route', true, 'v1', '/route%2E%2E/req', '/servicereq'],
  ['/service/', '/route', true, B, '/route%2E%2E/req', '/service/req'],
  ['/service', '/route', true, 'v0', '/route%2e%2E/req', '/service/req'], ['/service', '/route', true, 'v1', '/route%2e%2E/req', '/servicereq'],
  ['/service/', '/route', true, B, '/route%2e%2E/req', '/service/req'],
  ['/service', '/route', false, 'v0', '/route./req', '/service/route./req'], ['/service', '/route', false, 'v1', '/route./req', '/serviceroute./req'],
  ['/service/', '/route', false, B, '/route./req', '/service/route./req'],
  ['/service', '/route', false, 'v0', '/route%2E/req', '/service/route./req'], ['/service', '/route', false, 'v1', '/route%2E/req', '/serviceroute./req'],
  ['/service/', '/route', false, B, '/route%2E/req', '/service/route./req'],
  ['/service', '/route', false, 'v0', '/route%2e/req', '/service/route./req'], ['/service', '/route', false, 'v1', '/route%2e/req', '/serviceroute./req'],
  ['/service/', '/route', false, B, '/route%2e/req', '/service/route./req'],
  ['/service', '/route', false, 'v0', '/route../req', '/service/route../req'], ['/service', '/route', false, 'v1', '/route../req', '/serviceroute../req'],
  ['/service/', '/route', false, B, '/route../req', '/service/route../req'],
  ['/service', '/route', false, 'v0', '/route%2E%2E/req', '/service/route../req'], ['/service', '/route', false, 'v1', '/route%2E%2E/req', '/serviceroute../req'],
  ['/service/', '/route', false, B, '/route%2E%2E/req', '/service/route../req'],
  ['/service', '/route', false, 'v0', '/route%2e%2E/req', '/service/route../req'], ['/service', '/route', false, 'v1', '/route%2e%2E/req', '/serviceroute../req'],
  ['/service/', '/route', false, B, '/route%2e%2E/req', '/service/route../req'],
]

interface Expanded {
  service: string
  route: string | null
  strip: boolean
  handling: 'v0' | 'v1'
  request: string
  expected: string
}

const CASES: Expanded[] = ROWS.flatMap(([service, route, strip, handling, request, expected]) =>
  (strip === 'both' ? [false, true] : [strip]).flatMap((s) =>
    (handling === 'both' ? (['v0', 'v1'] as const) : [handling]).map((h) => ({ service, route, strip: s, handling: h, request, expected })),
  ),
)

function upstreamOf(c: Expanded, path: readonly string[] | null): string | undefined {
  const svc = makeService({ path: c.service })
  const route = makeRoute({
    service: { id: svc.id },
    strip_path: c.strip,
    path_handling: c.handling,
    paths: path,
    hosts: path === null ? ['localbin.test'] : null,
  })
  return compileRouter([route], [svc]).match(req('GET', c.request, 'localbin.test'))?.upstreamPath
}

describe("upstream path: Kong's path-handling table", () => {
  it.each(CASES)('$service + $route, strip=$strip, $handling, $request → $expected', (c) => {
    expect(upstreamOf(c, c.route === null ? null : [c.route])).toBe(c.expected)
  })

  // Kong runs the same rows with the route path turned into an equivalent regex (v0 only)
  const regexCases = CASES.filter((c) => c.route !== null && c.handling === 'v0')
  it.each(regexCases)('regex ~/[0]?$route, strip=$strip, $request → $expected', (c) => {
    expect(upstreamOf(c, [`~/[0]?${c.route!.slice(1)}`])).toBe(c.expected)
  })
})

describe('upstream path: §6.4 joining rules', () => {
  // [base, strip, postfix, request path, v0 result]
  it.each([
    ['/', true, '', '/r', '/'],
    ['/s/', true, '', '/r/', '/s/'],
    ['/s/', true, '', '/r', '/s'],
    ['/s/', true, '/x', '/r/x', '/s/x'],
    ['/s/', true, 'x', '/rx', '/s/x'],
    ['/s/', false, 'ignored', '/r/x', '/s/r/x'],
    ['/s', true, '', '/r/', '/s/'],
    ['/s', true, '', '/r', '/s'],
    ['/s', true, '', '/', '/s'],
    ['/s', true, '/x', '/r/x', '/s/x'],
    ['/s', true, 'x', '/rx', '/s/x'],
    ['/s', false, 'ignored', '/', '/s'],
    ['/s', false, 'ignored', '/r/x', '/s/r/x'],
  ] as const)('v0: base %s strip=%s postfix %j req %s → %s', (base, strip, postfix, path, expected) => {
    expect(joinUpstreamPathV0(base, strip, postfix, path)).toBe(expected)
  })

  it('Kong examples with service path /s', () => {
    expect(joinUpstreamPathV0('/s', false, '', '/fv0req')).toBe('/s/fv0req')
    expect(joinUpstreamPathV0('/s', true, 'req', '/fv0req')).toBe('/s/req')
    expect(joinUpstreamPathV0('/s', true, 'req', '/tv0/req')).toBe('/s/req') // route /tv0/ leaves "req"
    expect(joinUpstreamPathV0('/s', true, '/req', '/tv0/req')).toBe('/s/req') // route /tv0 leaves "/req"
    expect(joinUpstreamPathV1('/s', true, 'req', '/fv1req')).toBe('/sreq')
    expect(joinUpstreamPathV1('/s', false, '', '/fv0req')).toBe('/sfv0req')
    expect(joinUpstreamPathV1('/s/', true, '/req', '/r/req')).toBe('/s/req') // `//` collapsed
  })

  it.each([
    ['', ''],
    ['/x', '/x'],
    ['.', ''],
    ['..', ''],
    ['./x', 'x'],
    ['../x', 'x'],
    ['.x', '.x'],
  ])('sanitizePostfix(%j) → %j', (postfix, expected) => {
    expect(sanitizePostfix(postfix)).toBe(expected)
  })

  it.each([
    ['/a/b', '/a/b'],
    ['/john doe', '/john%20doe'],
    ['/\\d', '/%5Cd'],
    ['/café', '/caf%C3%A9'],
    ["/keep!$&'()*+,;=:@[]~%2F", "/keep!$&'()*+,;=:@[]~%2F"],
    ['/a"b<c>{d}|e^f`g', '/a%22b%3Cc%3E%7Bd%7D%7Ce%5Ef%60g'],
  ])('escapeUpstreamPath(%j) → %j', (path, expected) => {
    expect(escapeUpstreamPath(path)).toBe(expected)
  })
})

describe('strip_path, X-Forwarded-Prefix, regex strip', () => {
  const svc = makeService({ id: 'svc' })
  const service = { id: 'svc' }
  const router = compileRouter(
    [
      makeRoute({ name: 'strip', paths: ['/my-route', '/xx-route'], service }),
      makeRoute({ name: 'keep', paths: ['/my-route', '/xx-route'], methods: ['POST'], strip_path: false, service }),
      makeRoute({ name: 'root', paths: ['/'], service }),
      makeRoute({ name: 'regex', paths: ['~/users/(\\d+)/profile'], service }),
      makeRoute({ name: 'host', hosts: ['h.test'], service }),
    ],
    [svc],
  )

  it.each([
    ['GET', '/my-route/hello/world', 'example.com', 'strip', '/hello/world', '/my-route'],
    ['GET', '/my-route', 'example.com', 'strip', '/', '/my-route'],
    ['GET', '/xx-route/a', 'example.com', 'strip', '/a', '/xx-route'],
    ['POST', '/my-route/hello/world', 'example.com', 'keep', '/my-route/hello/world', null],
    ['GET', '/other/path', 'example.com', 'root', '/other/path', null],
    ['GET', '/users/123/profile/hello/world', 'example.com', 'regex', '/hello/world', '/users/123/profile'],
    ['GET', '/x/y', 'h.test', 'host', '/x/y', null],
  ])('%s %s (host %s) → %s, upstream %s, prefix %s', (method, path, host, name, upstream, prefix) => {
    const m = router.match(req(method, path, host))
    expect(m?.route.name).toBe(name)
    expect(m?.upstreamPath).toBe(upstream)
    expect(m?.forwardedPrefix).toBe(prefix)
  })
})
