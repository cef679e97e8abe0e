// How the upstream path is joined from the service path, the matched prefix and the rest of the
// request path (kong/router/utils.lua get_upstream_uri_v0 and
// traditional.lua for v1). Inputs are normalized paths; the result is escaped for the wire.

const SLASH = 0x2f

/** Kong drops a leading `./`, `../`, `.` or `..` left over after the stripped prefix. */
export function sanitizePostfix(postfix: string): string {
  if (postfix === '' || postfix.charCodeAt(0) !== 0x2e) return postfix
  if (postfix === '.' || postfix === '..') return ''
  if (postfix.startsWith('./')) return postfix.slice(2)
  if (postfix.startsWith('../')) return postfix.slice(3)
  return postfix
}

/**
 * path_handling v0 (the default). `base` is service.path or `/`; `postfix` is the sanitized
 * request path after the stripped prefix; `reqPath` the normalized request path.
 */
export function joinUpstreamPathV0(base: string, strip: boolean, postfix: string, reqPath: string): string {
  if (base.charCodeAt(base.length - 1) === SLASH) {
    if (!strip) return base + reqPath.slice(1)
    if (postfix === '') {
      if (base === '/') return '/'
      return reqPath.charCodeAt(reqPath.length - 1) === SLASH ? base : base.slice(0, -1)
    }
    // base's trailing slash and postfix's leading slash would double up
    return postfix.charCodeAt(0) === SLASH ? base.slice(0, -1) + postfix : base + postfix
  }
  if (!strip) return reqPath === '/' ? base : base + reqPath
  if (postfix === '') return reqPath.length > 1 && reqPath.charCodeAt(reqPath.length - 1) === SLASH ? base + '/' : base
  return postfix.charCodeAt(0) === SLASH ? base + postfix : base + '/' + postfix
}

/**
 * path_handling v1 (deprecated in Kong 3): plain concatenation, so `/s` + `/fv0req` gives
 * `/sfv0req`. Only a doubled slash at the join is collapsed.
 */
export function joinUpstreamPathV1(base: string, strip: boolean, postfix: string, reqPath: string): string {
  if (!strip) return base + reqPath.slice(1)
  if (base.charCodeAt(base.length - 1) === SLASH && postfix.charCodeAt(0) === SLASH) return base.slice(0, -1) + postfix
  return base + postfix
}

// Kong's escape(): everything outside reserved + unreserved + `%` is percent-encoded as UTF-8.
// Decoded "other" characters (a space, `\`, non-ASCII) are turned back into valid URI bytes.
const ALLOWED = "!#$&'()*+,/:;=?@[]-_.~%ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const SAFE = new Uint8Array(128)
for (const c of ALLOWED) SAFE[c.charCodeAt(0)] = 1
const UNSAFE_ALL = /[^!#$&'()*+,/:;=?@[\]A-Za-z0-9\-_.~%]/gu

function escapeChar(c: string): string {
  try {
    return encodeURIComponent(c)
  } catch {
    return '%EF%BF%BD' // a lone surrogate has no UTF-8 form: send U+FFFD
  }
}

/** Whether escapeUpstreamPath would change `path`: a table scan, cheaper than a regex test. */
export function needsEscape(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c > 0x7f || SAFE[c] === 0) return true
  }
  return false
}

/** Idempotent: `%` is left alone, so escaping an already escaped part again changes nothing. */
export function escapeUpstreamPath(path: string): string {
  return needsEscape(path) ? path.replace(UNSAFE_ALL, escapeChar) : path
}
