// Request path normalization as Kong does it before routing (kong/tools/uri.lua normalize with
// merge_slashes): percent-decode everything except reserved characters, remove dot segments
// (RFC 3986 5.2.4) and collapse `//`. Routes match against the result and the upstream path is
// built from it, so `/a/../b`, `/b` and `/%62` all route and proxy the same way.

const PERCENT = 0x25
const DOT = 0x2e
const SLASH = 0x2f

// RFC 3986 reserved characters stay encoded (their meaning would change), with the hex in
// uppercase. Unreserved and "other" characters are decoded; escapeUpstreamPath re-escapes the
// others on the way out.
const RESERVED = new Uint8Array(128)
for (const c of "!*'();:@&=+$,/?%#[]") RESERVED[c.charCodeAt(0)] = 1

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The normalized form of a raw request path (no query string), or null when its
 * percent-encoded bytes are not valid UTF-8 (Kong's router refuses such paths: 404).
 */
export function normalizePath(raw: string): string | null {
  if (raw.length <= 1) return raw
  let path = raw
  if (path.indexOf('%') >= 0) {
    const decoded = decodePercents(path)
    if (decoded === null) return null
    path = decoded
  }
  // Dots only matter as whole segments, so a `.` that follows no `/` (as in `/a.json`) leaves
  // the path unchanged and the common case costs three scans and no allocation.
  if (path.indexOf('/.') < 0 && path.indexOf('//') < 0 && path.charCodeAt(0) !== DOT) return path
  return removeDotSegments(path)
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10
  return -1
}

/** The byte a `%XX` triplet at `i` encodes, or -1 if there is no valid triplet there. */
function byteAt(s: string, i: number): number {
  if (i + 2 >= s.length || s.charCodeAt(i) !== PERCENT) return -1
  const hi = hexValue(s.charCodeAt(i + 1))
  const lo = hexValue(s.charCodeAt(i + 2))
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo
}

function decodePercents(s: string): string | null {
  let out = ''
  let from = 0
  let i = s.indexOf('%')
  while (i >= 0) {
    const b = byteAt(s, i)
    if (b < 0) {
      i = s.indexOf('%', i + 1)
      continue
    }
    if (b < 0x80) {
      out += s.slice(from, i) + (RESERVED[b] === 1 ? s.slice(i, i + 3).toUpperCase() : String.fromCharCode(b))
      from = i + 3
    } else {
      // A run of high bytes is one or more UTF-8 sequences: decode them together.
      const bytes: number[] = []
      let j = i
      for (let bb = b; bb >= 0x80; bb = byteAt(s, j)) {
        bytes.push(bb)
        j += 3
      }
      let text: string
      try {
        text = utf8.decode(Uint8Array.from(bytes))
      } catch {
        return null
      }
      out += s.slice(from, i) + text
      from = j
    }
    i = s.indexOf('%', from)
  }
  return out + s.slice(from)
}

/** Kong's dot-segment removal, slash merging included, walking the input by index. */
function removeDotSegments(s: string): string {
  const out: string[] = []
  const n = s.length
  let i = 0
  while (i < n) {
    const rest = n - i
    const c0 = s.charCodeAt(i)
    const c1 = rest > 1 ? s.charCodeAt(i + 1) : -1
    const c2 = rest > 2 ? s.charCodeAt(i + 2) : -1
    const c3 = rest > 3 ? s.charCodeAt(i + 3) : -1
    if (c0 === SLASH && c1 === DOT && rest === 2) {
      out.push('/') // trailing "/." keeps the trailing slash
      break
    }
    if (c0 === SLASH && c1 === DOT && c2 === DOT && rest === 3) {
      out.pop()
      out.push('/')
      break
    }
    if (c0 === DOT && (rest === 1 || (c1 === DOT && rest === 2))) break
    if (c0 === DOT && c1 === DOT && c2 === SLASH) i += 3
    else if (c0 === DOT && c1 === SLASH) i += 2
    else if (c0 === SLASH && c1 === DOT && c2 === SLASH) i += 2
    else if (c0 === SLASH && c1 === DOT && c2 === DOT && c3 === SLASH) {
      i += 3
      out.pop()
    } else if (c0 === SLASH && c1 === SLASH) i += 1
    else {
      let j = s.indexOf('/', i + 1)
      if (j < 0) j = n
      out.push(s.slice(i, j))
      i = j
    }
  }
  return out.join('')
}
