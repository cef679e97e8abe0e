// Kong's router, traditional_compatible flavor (kong/router/): compiled once per
// config snapshot, then match() picks the highest-priority route whose methods, hosts, headers,
// snis and paths all accept the request, and says how to call its service. The router does no
// I/O and keeps no per-request state beyond its match cache.

import type { Route, Service } from '../config/types.ts'
import { CandidateIndex } from './candidate-index.ts'
import { splitHostPort, type HostPort } from './host-pattern.ts'
import { MatchCache, type CacheFields } from './match-cache.ts'
import { buildMatch, matchPath } from './build-match.ts'
import { acceptsRequest, compileMatchers, type Matcher } from './route-matcher.ts'
import { normalizePath } from './normalize-path.ts'

export interface RouterRequest {
  /** as sent, uppercase (`GET`); compared exactly */
  method: string
  /** Host header value as received, may include :port ('' when absent) */
  host: string
  /** raw request path, no query string */
  path: string
  /** lowercase names; repeated headers already joined with ", " */
  headers: Readonly<Record<string, string>>
  /** port the request arrived on; a route host with a port compares it when Host has none (default 80) */
  port?: number
  /** TLS server name; undefined for a plain-HTTP request, where route snis are not checked (Kong) */
  sni?: string | null
}

/**
 * Kong's uri_captures: `unnamed[0]` is the whole match; a group that took no part is '' there
 * and absent from `named`. Frozen at run time: a cached match is shared by later requests.
 */
export interface UriCaptures {
  unnamed: string[]
  named: Record<string, string>
}

export interface RouteMatch {
  readonly route: Route
  /** null: the route has no service (the caller answers 503) */
  readonly service: Service | null
  /** upstream URI path built per strip_path/path_handling, percent-escaped for the wire (no query) */
  readonly upstreamPath: string
  readonly preserveHost: boolean
  /** null unless a regex path matched with at least one group taking part */
  readonly uriCaptures: UriCaptures | null
  /** for X-Forwarded-Prefix: the stripped prefix when strip_path and it is not "/" */
  readonly forwardedPrefix: string | null
}

export interface Router {
  /** The winning route, or null (Kong's 404). A result may be shared by later calls (the cache): read-only. */
  match(req: RouterRequest): RouteMatch | null
}

export interface RouterOptions {
  /** match cache size (Kong: 5000); 0 disables the cache */
  cacheSize?: number
}

const DEFAULT_CACHE_SIZE = 5000
// Entries hold the path: a flood of long unique paths must not pin megabytes in the cache
const MAX_CACHED_PATH = 2048
const DEFAULT_PORT = 80

/** Compile routes once per config. Throws (GW_ERR_CONFIG, naming the route) on an invalid regex. */
export function compileRouter(routes: readonly Route[], services: readonly Service[], options: RouterOptions = {}): Router {
  const matchers = compileMatchers(routes, services)
  const index = new CandidateIndex(matchers)
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE
  const cache = cacheSize > 0 ? new MatchCache<RouteMatch | null>(cacheSize, cacheFields(matchers)) : null
  const usesPorts = matchers.some((m) => m.hosts?.some((h) => h.port >= 0) === true)

  // Scratch reused by every match (matching is synchronous, so calls never overlap): the
  // candidate lists, their cursors and the parsed host.
  const lists: Matcher[][] = []
  const cursors: number[] = []
  const hostPort: HostPort = { host: '', port: -1 }

  function select(req: RouterRequest): RouteMatch | null {
    const path = normalizePath(req.path)
    if (path === null) return null
    let host = ''
    let port = -1
    if (index.usesHosts) {
      splitHostPort(req.host, hostPort)
      host = hostPort.host
      port = hostPort.port >= 0 || !usesPorts ? hostPort.port : (req.port ?? DEFAULT_PORT)
    }
    const n = index.collect(host, path, lists)
    for (let k = 0; k < n; k++) cursors[k] = 0
    let lastRank = -1
    for (;;) {
      // k-way merge by rank: the lists are short and few (one per stored prefix of the path)
      let best = -1
      let bestRank = Number.MAX_SAFE_INTEGER
      for (let k = 0; k < n; k++) {
        const list = lists[k]!
        const c = cursors[k]!
        if (c < list.length && list[c]!.rank < bestRank) {
          best = k
          bestRank = list[c]!.rank
        }
      }
      if (best < 0) return null
      const m = lists[best]![cursors[best]!++]!
      if (m.rank === lastRank) continue // the same matcher reached through a second list
      lastRank = m.rank
      if (!acceptsRequest(m, req, host, port)) continue
      const result = matchPath(m, path)
      if (result !== null) return buildMatch(m, path, result)
    }
  }

  return {
    match(req) {
      if (cache === null || req.path.length > MAX_CACHED_PATH) return select(req)
      const hit = cache.get(req)
      if (hit !== undefined) return hit
      const result = select(req)
      cache.set(req, result)
      return result
    },
  }
}

function cacheFields(matchers: readonly Matcher[]): CacheFields {
  const headers = new Set<string>()
  for (const m of matchers) for (const h of m.headers ?? []) headers.add(h.name)
  return {
    method: matchers.some((m) => m.methods !== null),
    host: matchers.some((m) => m.hosts !== null),
    port: matchers.some((m) => m.hosts?.some((h) => h.port >= 0) === true),
    sni: matchers.some((m) => m.snis !== null),
    headers: [...headers].sort(),
  }
}
