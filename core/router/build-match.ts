// The path test of a matcher and the RouteMatch it yields: upstream path (Kong's atc.lua
// set_upstream_uri), X-Forwarded-Prefix and uri_captures.

import type { RouteMatch, UriCaptures } from './router.ts'
import type { Matcher } from './route-matcher.ts'
import { escapeUpstreamPath, joinUpstreamPathV0, joinUpstreamPathV1, needsEscape, sanitizePostfix } from './upstream-path.ts'

/** What matched: the prefix, the regex result, or '' for a pathless matcher. */
export type PathHit = string | RegExpExecArray

/**
 * Test the normalized path against the matcher's paths in declared order (Kong's `p1 || p2`
 * takes the first that matches). Null when none does.
 */
export function matchPath(m: Matcher, path: string): PathHit | null {
  if (m.prefixes !== null) {
    for (let i = 0; i < m.prefixes.length; i++) if (path.startsWith(m.prefixes[i]!)) return m.prefixes[i]!
    return null
  }
  if (m.regexes !== null) {
    for (let i = 0; i < m.regexes.length; i++) {
      const r = m.regexes[i]!.exec(path)
      if (r !== null) return r
    }
    return null
  }
  return ''
}

export function buildMatch(m: Matcher, path: string, hit: PathHit): RouteMatch {
  const route = m.route
  const matched = typeof hit === 'string' ? hit : hit[0]
  const strip = route.strip_path
  // Kong strips the matched part only with strip_path; without a path match the "prefix" is "/"
  const prefix = strip && matched !== '' ? matched : '/'
  const postfix = sanitizePostfix(path.slice(prefix.length))
  const joined =
    route.path_handling === 'v1'
      ? joinUpstreamPathV1(m.upstreamBase, strip, postfix, path)
      : joinUpstreamPathV0(m.upstreamBase, strip, postfix, path)
  return {
    route,
    service: m.service,
    // the base is escaped already; the rest comes from the (flat) request path, so scan that
    // rather than the freshly concatenated result
    upstreamPath: needsEscape(path) ? escapeUpstreamPath(joined) : joined,
    preserveHost: route.preserve_host,
    uriCaptures: typeof hit === 'string' ? null : capturesOf(hit, m.groupNames),
    forwardedPrefix: strip && matched !== '' && matched !== '/' ? matched : null,
  }
}

/** Kong returns captures only when some group took part (has_capture: more keys than [0]). */
function capturesOf(r: RegExpExecArray, groupNames: readonly string[]): UriCaptures | null {
  let any = false
  const unnamed: string[] = [r[0]]
  for (let i = 1; i < r.length; i++) {
    const v = r[i]
    if (v !== undefined) any = true
    unnamed.push(v ?? '')
  }
  if (!any) return null
  // names known at compile time: reading them beats enumerating r.groups several times over
  const named: Record<string, string> = {}
  const groups = r.groups
  if (groups !== undefined) {
    for (let i = 0; i < groupNames.length; i++) {
      const v = groups[groupNames[i]!]
      if (v !== undefined) named[groupNames[i]!] = v
    }
  }
  // typed mutable (the PDK's shape) but frozen: the match is cached and shared
  return Object.freeze({ unnamed: Object.freeze(unnamed) as string[], named: Object.freeze(named) })
}
