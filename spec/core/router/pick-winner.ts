// Shared by the router specs: which route wins a request, checked with and without the cache.

import { expect } from 'vitest'
import type { Route } from '../../../core/config/types.ts'
import { compileRouter, type RouterRequest } from '../../../core/router/router.ts'
import { makeRoute } from './route-factory.ts'

export type RouteSpec = Partial<Omit<Route, 'id' | 'name'>> & { name: string }

/** Name of the winning route, or null; checked with and without the match cache. */
export function winner(specs: readonly RouteSpec[], request: RouterRequest): string | null {
  const routes = specs.map((s) => makeRoute({ ...s, id: s.name }))
  const uncached = compileRouter(routes, [], { cacheSize: 0 }).match(request)?.route.name ?? null
  const cached = compileRouter(routes, [])
  expect(cached.match(request)?.route.name ?? null).toBe(uncached)
  expect(cached.match(request)?.route.name ?? null).toBe(uncached) // from the cache this time
  return uncached
}

export interface Case {
  what: string
  routes: RouteSpec[]
  request: RouterRequest
  expected: string | null
}
