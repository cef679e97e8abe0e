// One matcher per route and path group. Kong splits a route whose paths mix regexes and prefixes
// of different lengths into one ATC matcher per group (split_routes_and_services_by_path), each
// with its own priority; we do the same so `/a` and `/long/prefix` on one route rank apart.

import type { Route, Service } from '../config/types.ts'
import { compileHeaderConditions, matchesHeaders, type HeaderCondition } from './header-condition.ts'
import { compileHostPattern, matchesHost, type HostPattern } from './host-pattern.ts'
import { comparePriority, routePriority, type RoutePriority } from './priority.ts'
import { compileRouteRegex, literalPrefix } from './route-regex.ts'
import type { RouterRequest } from './router.ts'
import { escapeUpstreamPath } from './upstream-path.ts'

export interface Matcher {
  /** position in the global priority order: lower is tried first */
  rank: number
  readonly route: Route
  readonly service: Service | null
  /** service.path or `/`, escaped for the wire once here */
  readonly upstreamBase: string
  readonly priority: RoutePriority
  readonly methods: readonly string[] | null
  readonly hosts: readonly HostPattern[] | null
  /** lowercase, without a trailing dot */
  readonly snis: readonly string[] | null
  readonly headers: readonly HeaderCondition[] | null
  /** this group's prefix paths (all the same length), in declared order */
  readonly prefixes: readonly string[] | null
  /** this group's regex paths, anchored, in declared order */
  readonly regexes: readonly RegExp[] | null
  /**
   * Literal prefixes every matching path starts with (the prefixes themselves, or each regex's
   * literal start), for the index; null when some path has none (the matcher is always tried).
   */
  readonly indexKeys: readonly string[] | null
  /** named groups of this group's regexes (a superset is harmless: absent names are skipped) */
  readonly groupNames: readonly string[]
  /** declaration order of the route, then of the group: the tie-break */
  readonly order: number
}

function routeLabel(route: Route): string {
  return `route '${route.name ?? route.id}'`
}

function nonEmpty<T>(list: readonly T[] | null): list is readonly T[] {
  return list !== null && list.length > 0
}

/** Paths grouped as Kong does: all regexes together, prefixes by byte length; first seen first. */
function groupPaths(paths: readonly string[]): string[][] {
  const groups = new Map<number, string[]>()
  for (const p of paths) {
    const key = p.startsWith('~') ? -1 : Buffer.byteLength(p)
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [p])
    else group.push(p)
  }
  return [...groups.values()]
}

function groupNamesOf(re: RegExp): string[] {
  return Array.from(re.source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g), (m) => m[1]!)
}

/** Compile every route into matchers, sorted by priority with `rank` set. Throws on a bad regex. */
export function compileMatchers(routes: readonly Route[], services: readonly Service[]): Matcher[] {
  const serviceById = new Map(services.map((s) => [s.id, s]))
  const matchers: Matcher[] = []
  for (const route of routes) {
    const label = routeLabel(route)
    const service = route.service === null ? null : (serviceById.get(route.service.id) ?? null)
    const methods = nonEmpty(route.methods) ? route.methods : null
    const hostEntries = nonEmpty(route.hosts) ? route.hosts : []
    const hosts = hostEntries.length > 0 ? hostEntries.map(compileHostPattern) : null
    const snis = nonEmpty(route.snis) ? route.snis.map((s) => s.toLowerCase().replace(/\.$/, '')) : null
    const headerCount = route.headers === null ? 0 : Object.keys(route.headers).length
    const headers = route.headers !== null && headerCount > 0 ? compileHeaderConditions(route.headers, label) : null
    const groups = nonEmpty(route.paths) ? groupPaths(route.paths) : [[]]
    for (const paths of groups) {
      const regex = paths.length > 0 && paths[0]!.startsWith('~')
      const priority = routePriority({
        methods: methods?.length ?? 0,
        hosts: hostEntries,
        headerNames: headerCount,
        snis: snis?.length ?? 0,
        paths,
        regex,
        regexPriority: route.regex_priority,
      })
      const regexes = regex ? paths.map((p) => compileRouteRegex(p.slice(1), true, '', { route: label, field: 'paths' })) : null
      const keys = regexes === null ? paths : regexes.map(literalPrefix)
      matchers.push({
        rank: 0,
        route,
        service,
        upstreamBase: escapeUpstreamPath(service?.path ?? '/'),
        priority,
        methods,
        hosts,
        snis,
        headers,
        prefixes: paths.length > 0 && !regex ? paths : null,
        regexes,
        indexKeys: keys.length > 0 && !keys.includes('') ? keys : null,
        groupNames: regexes === null ? [] : [...new Set(regexes.flatMap(groupNamesOf))],
        order: matchers.length,
      })
    }
  }
  matchers.sort((a, b) => comparePriority(a.priority, b.priority) || a.order - b.order)
  for (let i = 0; i < matchers.length; i++) matchers[i]!.rank = i
  return matchers
}

/**
 * Everything but the path, cheapest test first. `host` is lowercase without port, `port` the
 * request's effective port.
 */
export function acceptsRequest(m: Matcher, req: RouterRequest, host: string, port: number): boolean {
  if (m.methods !== null && !m.methods.includes(req.method)) return false
  if (m.hosts !== null && !matchesHost(m.hosts, host, port)) return false
  if (m.snis !== null && req.sni !== undefined && (req.sni === null || !m.snis.includes(req.sni.toLowerCase()))) return false
  return m.headers === null || matchesHeaders(m.headers, req.headers)
}
