// The request an H1Pool sends, built once per attempt: the request head as undici writes it
// (request line, host, `connection: keep-alive`, the headers, content-length) and the body.
// Anything undici treats specially is not built here (null) and goes through undici, which then
// produces its own answer for it (validation error or special handling): HEAD, CONNECT and other
// methods, a path undici refuses, a header name that is not a token or a value with control
// characters, a duplicate or missing host, and the headers undici handles itself (content-length,
// transfer-encoding, keep-alive, upgrade, connection, expect). So both clients answer the same.

export interface H1Request {
  /** request line and headers, ending with the blank line */
  head: string
  /** non-empty, or null */
  body: Buffer | string | null
  headersTimeout: number
  bodyTimeout: number
  /** a body on a method that expects none: the socket is not reused after the answer (as undici) */
  closeAfter: boolean
}

/** Methods the H1 client sends; others stay on undici. */
const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
/** undici sends `content-length: 0` for an empty body only on these */
const EXPECTS_PAYLOAD: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH'])
/** header names undici consumes or refuses (with `host`, handled below) */
const SPECIAL: ReadonlySet<string> = new Set(['expect', 'upgrade', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'])

// undici's rules (lib/core/util.js): isValidHTTPToken, isValidHeaderValue, invalidPathRegex
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/
const BAD_PATH = /[^\u0021-\u00ff]/

/** The request for an H1Pool, or null when undici must send it. */
export function h1Request(method: string, path: string, headers: readonly string[], body: Buffer | string | null, headersTimeout: number, bodyTimeout: number): H1Request | null {
  if (!METHODS.has(method) || path.charCodeAt(0) !== 47 /* / */ || BAD_PATH.test(path)) return null
  let host: string | null = null
  let rest = ''
  for (let i = 0; i < headers.length; i += 2) {
    const k = headers[i]!, v = headers[i + 1]!
    if (!TOKEN.test(k) || BAD_VALUE.test(v)) return null
    const n = k.length
    if (n === 4 || n === 6 || n === 7 || n === 10 || n === 14 || n === 17) {
      const l = k.toLowerCase()
      if (l === 'host') {
        if (host !== null) return null
        host = v
        continue
      }
      if (SPECIAL.has(l)) return null
    }
    rest += `${k}: ${v}\r\n`
  }
  if (host === null) return null
  const len = body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n${rest}`
  if (len > 0) head += `content-length: ${len}\r\n\r\n`
  else head += EXPECTS_PAYLOAD.has(method) ? 'content-length: 0\r\n\r\n' : '\r\n'
  return { head, body: len > 0 ? body : null, headersTimeout, bodyTimeout, closeAfter: len > 0 && !EXPECTS_PAYLOAD.has(method) }
}
