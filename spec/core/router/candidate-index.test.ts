// The index (host buckets, prefix tree, rank merge) and the match cache must pick exactly what a
// plain scan of every matcher in priority order picks. Random route tables, fixed seed.

import { describe, expect, it } from 'vitest'
import type { Route } from '../../../core/config/types.ts'
import { buildMatch, matchPath } from '../../../core/router/build-match.ts'
import { splitHostPort } from '../../../core/router/host-pattern.ts'
import { normalizePath } from '../../../core/router/normalize-path.ts'
import { acceptsRequest, compileMatchers } from '../../../core/router/route-matcher.ts'
import { compileRouter, type RouteMatch, type RouterRequest } from '../../../core/router/router.ts'
import { makeRoute } from './route-factory.ts'

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PATHS = [
  '/', '/a', '/ab', '/a/b', '/a/b/c', '/b', '/api', '/api/v1', '/apix',
  '~/a/\\d+', '~/api/(?<v>v\\d)', '~/b.*', '~/[ab]/', '~/apix?', '~/a|/c', '~(?i)/API', '~/a\\/b', '~/ap{1,2}',
]
const HOSTS = ['x.com', 'y.com', '*.x.com', 'x.*', 'x.com:8080', 'y.com:80']
const REQ_HOSTS = ['x.com', 'X.com:8080', 'a.x.com', 'x.org', 'y.com', 'y.com:80', '', 'z.com', 'y.com:81']
const REQ_PATHS = ['/', '/a', '/ab', '/a/b/c/d', '/a/12', '/api/v1/x', '/apix', '/b/../a/1', '/c', '/api/v2', '/%61/b', '/API/1', '/ap', '/app']

function randomRoutes(next: () => number, count: number): Route[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const some = <T>(list: readonly T[], max: number): T[] => [...new Set(Array.from({ length: 1 + Math.floor(next() * max) }, () => pick(list)))]
  return Array.from({ length: count }, (_, i) =>
    makeRoute({
      id: `r${i}`,
      paths: next() < 0.7 ? some(PATHS, 3) : null,
      hosts: next() < 0.4 ? some(HOSTS, 2) : null,
      methods: next() < 0.3 ? pick([['GET'], ['POST', 'PUT']]) : null,
      headers: next() < 0.2 ? pick<Record<string, string[]>>([{ 'x-v': ['1'] }, { 'x-v': ['~*^2'], 'x-w': ['a'] }]) : null,
      regex_priority: Math.floor(next() * 4) - 1,
      strip_path: next() < 0.5,
    }),
  )
}

function randomRequest(next: () => number): RouterRequest {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const headers: Record<string, string> = {}
  if (next() < 0.4) headers['x-v'] = pick(['1', '2', '20', '3'])
  if (next() < 0.4) headers['x-w'] = pick(['a', 'A', 'b'])
  return { method: pick(['GET', 'POST', 'PUT']), host: pick(REQ_HOSTS), path: pick(REQ_PATHS), headers }
}

/** The reference: every matcher, in priority order, first full match wins. */
function scanAll(routes: readonly Route[]): (r: RouterRequest) => RouteMatch | null {
  const matchers = compileMatchers(routes, [])
  return (r) => {
    const path = normalizePath(r.path)
    if (path === null) return null
    const { host, port } = splitHostPort(r.host, { host: '', port: -1 })
    for (const m of matchers) {
      if (!acceptsRequest(m, r, host, port >= 0 ? port : 80)) continue
      const hit = matchPath(m, path)
      if (hit !== null) return buildMatch(m, path, hit)
    }
    return null
  }
}

describe('candidate index and cache agree with a full scan', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i', (seed) => {
    const next = rng(seed)
    const routes = randomRoutes(next, 20 + Math.floor(next() * 100))
    const reference = scanAll(routes)
    const uncached = compileRouter(routes, [], { cacheSize: 0 })
    const cached = compileRouter(routes, [], { cacheSize: 64 })
    for (let i = 0; i < 600; i++) {
      const r = randomRequest(next)
      const expected = reference(r)
      expect(uncached.match(r)).toEqual(expected)
      expect(cached.match(r)).toEqual(expected)
    }
  })
})
