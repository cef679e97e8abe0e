// Service and route path rules with Kong's messages (typedefs.path / typedefs.router_path), Kong's
// path normalization (kong/tools/uri.lua) and the 1.1/2.1 → 3.0 route path migration
// (kong/db/migrations/migrate_path_280_300.lua).

import { translateRegex } from '../router/route-regex.ts'
import { compileLinearRegex } from '../linear-regex.ts'

const RESERVED = new Set("!*'();:@&=+$,/?%#[]".split('').map((c) => c.charCodeAt(0)))
const RFC3986_PATH = /^\/[A-Za-z0-9._\-~/%:@!$&'()*+,;=]*$/

/** typedefs.path's custom validator; `code` tells the route check which failures matter. */
function validatePath(path: string): { message: string; code: 'rfc3986' | 'percent' } | null {
  if (!RFC3986_PATH.test(path)) {
    return { message: `invalid path: '${path}' (characters outside of the reserved list of RFC 3986 found)`, code: 'rfc3986' }
  }
  const raw = path.replace(/%[0-9a-fA-F]{2}/g, '___')
  const at = raw.indexOf('%')
  if (at !== -1) return { message: `invalid url-encoded value: '${raw.slice(at, at + 3)}'`, code: 'percent' }
  return null
}

/** A service `path`. */
export function checkServicePath(path: string): string | null {
  if (!path.startsWith('/')) return 'should start with: /'
  if (path.includes('//')) return 'must not have empty segments'
  return validatePath(path)?.message ?? null
}

/** A route `paths` element: a normalized prefix, or `~` and a regex that compiles. */
export function checkRoutePath(path: string): string | null {
  if (path.includes('//')) return 'must not have empty segments'
  if (!path.startsWith('/') && !path.startsWith('~/')) return 'should start with: / (fixed path) or ~/ (regex path)'
  const invalid = validatePath(path)
  if (invalid?.code === 'percent') return invalid.message
  if (!path.startsWith('~')) {
    const normalized = normalizePath(path, true)
    return normalized === path ? null : `non-normalized path, consider use '${normalized}' instead`
  }
  const source = path.slice(1)
  try {
    toJsRegex(source)
    return null
  } catch (e) {
    const reason = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')
    return `invalid regex: '${source}' (${reason})`
  }
}

/**
 * A route regex (without its `~`) as a JS RegExp, translated exactly as the router will compile
 * it (PCRE named groups, leading inline flags, POSIX classes), so that what passes validation is
 * what matches.
 */
export function toJsRegex(source: string, flags = ''): RegExp {
  const t = translateRegex(source)
  return compileLinearRegex(t.source, t.flags + flags)
}

/** Kong's uri.normalize: decode non-reserved %XX, upper-case the rest, remove dot segments. */
export function normalizePath(uri: string, mergeSlashes: boolean): string {
  if (uri === '' || uri === '/') return uri
  if (uri.includes('%')) {
    uri = uri.replace(/%([0-9a-fA-F]{2})/g, (m, hex: string) => {
      const code = parseInt(hex, 16)
      return RESERVED.has(code) || code >= 0x80 ? m.toUpperCase() : String.fromCharCode(code)
    })
  }
  if (!uri.includes('.') && !(mergeSlashes && uri.includes('//'))) return uri
  const out: string[] = []
  while (uri.length > 0) {
    if (uri === '/.') uri = '/'
    else if (uri === '/..') { uri = '/'; out.pop() }
    else if (uri === '.' || uri === '..') uri = ''
    else if (uri.startsWith('../')) uri = uri.slice(3)
    else if (uri.startsWith('./')) uri = uri.slice(2)
    else if (uri.startsWith('/./')) uri = uri.slice(2)
    else if (uri.startsWith('/../')) { uri = uri.slice(3); out.pop() }
    else if (mergeSlashes && uri.startsWith('//')) uri = uri.slice(1)
    else {
      const i = uri.indexOf('/', 1)
      out.push(i === -1 ? uri : uri.slice(0, i))
      uri = i === -1 ? '' : uri.slice(i)
    }
  }
  return out.join('')
}

const REGEX_META: Readonly<Record<number, string>> = {
  0x2e: '\\.', 0x5e: '\\^', 0x2d: '\\-', 0x7b: '\\{', 0x7d: '\\}', 0x5c: '\\\\', 0x7c: '\\|',
}

/**
 * Format 1.1/2.1 paths: anything but plain path characters was a regex then; 3.0 marks regexes
 * with `~`. Percent-encoded characters in regexes are decoded one last time, as Kong does.
 */
export function migrateRoutePath(path: string): string {
  if (/^[a-zA-Z0-9.\-_~/%]*$/.test(path)) return normalizePath(path, true)
  const decoded = path.replace(/%([0-9a-fA-F]{2})/gi, (m, hex: string) => {
    const code = parseInt(hex, 16)
    if (RESERVED.has(code)) return m.toUpperCase()
    return REGEX_META[code] ?? String.fromCharCode(code)
  })
  return '~' + decoded
}
