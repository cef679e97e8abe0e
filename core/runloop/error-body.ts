// Kong's error bodies (kong/tools/http.lua): the format follows the request's Accept header,
// JSON by default, always with the request id. Used for core errors and kong.response.error().
import { KONG_MESSAGES } from '../errors.ts'

const DEFAULT_MESSAGES: Record<number, string> = {
  400: KONG_MESSAGES.badRequest,
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  408: 'Request timeout',
  409: 'Conflict',
  413: KONG_MESSAGES.payloadTooLarge,
  414: 'URI too long',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: KONG_MESSAGES.unexpected,
  502: KONG_MESSAGES.badGateway,
  503: KONG_MESSAGES.unavailable,
  504: KONG_MESSAGES.timeout,
}

export function defaultMessage(status: number): string {
  return DEFAULT_MESSAGES[status] ?? `The upstream server responded with ${status}`
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

type Format = 'json' | 'html' | 'xml' | 'plain'

/** Highest-q acceptable format among the ones Kong renders; JSON when nothing matches. */
export function negotiate(accept: string | undefined): Format {
  if (!accept) return 'json'
  let best: Format = 'json'
  let bestQ = -1
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';')
    let q = 1
    for (const p of params) {
      const [k, v] = p.trim().split('=')
      if (k === 'q') q = Number(v)
    }
    const f: Format | null =
      type === 'application/json' ? 'json'
      : type === 'text/html' ? 'html'
      : type === 'application/xml' || type === 'text/xml' ? 'xml'
      : type === 'text/plain' ? 'plain'
      : type === '*/*' || type === 'application/*' ? 'json'
      : null
    if (f && q > bestQ) { best = f; bestQ = q }
  }
  return best
}

const CONTENT_TYPES: Record<Format, string> = {
  json: JSON_CONTENT_TYPE,
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  plain: 'text/plain; charset=utf-8',
}

function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

export function renderError(message: string, requestId: string, accept: string | undefined): { body: string; contentType: string } {
  const format = negotiate(accept)
  let body: string
  switch (format) {
    case 'json': body = `{\n  "message":${JSON.stringify(message)},\n  "request_id":"${requestId}"\n}`; break
    case 'html': body = `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${escapeMarkup(message)}.</p>\n    <p>request_id: ${requestId}</p>\n  </body>\n</html>\n`; break
    case 'xml': body = `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${escapeMarkup(message)}</message>\n  <requestid>${requestId}</requestid>\n</error>\n`; break
    default: body = `${message}\nrequest_id: ${requestId}\n`
  }
  return { body, contentType: CONTENT_TYPES[format] }
}
