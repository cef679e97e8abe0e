// Body decoding for kong.request.getBody / kong.service.response.getBody.
import { parseQuery } from './query.ts'

/** `[value, error, mimetype]`, the shape of Kong's three return values. */
export type DecodedBody = [unknown, string | undefined, string | undefined]

export function decodeBody(raw: Buffer | undefined, contentType: string | undefined): DecodedBody {
  if (raw === undefined) return [undefined, 'request body too large to be buffered', undefined]
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (mime === 'application/json' || mime.endsWith('+json')) {
    if (raw.length === 0) return [undefined, 'empty body', mime]
    try { return [JSON.parse(raw.toString('utf8')), undefined, mime] } catch { return [undefined, 'invalid json body', mime] }
  }
  if (mime === 'application/x-www-form-urlencoded') return [parseQuery(raw.toString('latin1'), 100), undefined, mime]
  return [undefined, 'missing content type', mime || undefined]
}
