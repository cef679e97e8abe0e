// Route `headers`: every listed name must be present (AND) with any one of its values (OR).
// Names and plain values compare case-insensitively, as Kong lowercases both sides; a value
// written `~*regex` is a case-insensitive regex searched anywhere in the header value.

import { compileRouteRegex } from './route-regex.ts'

export interface HeaderCondition {
  /** lowercase, `_` read as `-` (Kong folds both to the same field) */
  readonly name: string
  /** lowercase plain values */
  readonly values: readonly string[]
  readonly patterns: readonly RegExp[]
}

export function compileHeaderConditions(
  headers: Readonly<Record<string, readonly string[]>>,
  route: string,
): HeaderCondition[] {
  return Object.keys(headers).map((raw) => {
    const name = raw.toLowerCase().replaceAll('_', '-')
    const values: string[] = []
    const patterns: RegExp[] = []
    for (const v of headers[raw]!) {
      if (v.startsWith('~*')) patterns.push(compileRouteRegex(v.slice(2), false, 'i', { route, field: `headers.${raw}` }))
      else values.push(asciiLower(v))
    }
    return { name, values, patterns }
  })
}

export function matchesHeaders(conditions: readonly HeaderCondition[], headers: Readonly<Record<string, string>>): boolean {
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i]!
    const v = headers[c.name]
    if (v === undefined || !(matchesValue(c, v) || matchesJoinedValue(c, v))) return false
  }
  return true
}

function matchesValue(c: HeaderCondition, v: string): boolean {
  // a name listed with no values only asks for the header to be present
  if (c.values.length === 0 && c.patterns.length === 0) return true
  for (let i = 0; i < c.values.length; i++) if (equalsLowercase(v, c.values[i]!)) return true
  for (let i = 0; i < c.patterns.length; i++) if (c.patterns[i]!.test(v)) return true
  return false
}

/**
 * Kong sees a repeated header as several values and matches if any does. Our requests carry
 * repeats joined with ", ", so when the whole value fails we also try each part.
 */
function matchesJoinedValue(c: HeaderCondition, v: string): boolean {
  let from = 0
  let comma = v.indexOf(', ')
  if (comma < 0) return false
  while (from <= v.length) {
    const end = comma < 0 ? v.length : comma
    if (matchesValue(c, v.slice(from, end))) return true
    if (comma < 0) return false
    from = comma + 2
    comma = v.indexOf(', ', from)
  }
  return false
}

// Kong folds case with Lua's string.lower, which only knows ASCII; so do we.
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
}

/** `a` equals the already-lowercase `lower`, ignoring ASCII case, without allocating. */
function equalsLowercase(a: string, lower: string): boolean {
  if (a.length !== lower.length) return false
  for (let i = 0; i < a.length; i++) {
    let c = a.charCodeAt(i)
    if (c >= 0x41 && c <= 0x5a) c += 0x20
    if (c !== lower.charCodeAt(i)) return false
  }
  return true
}
