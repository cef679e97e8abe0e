// Static credentials from `config.auth` (Kong's configure_request and body-param injection):
// a header, a query parameter or a JSON body parameter. With `allow_override` a credential the
// client sent itself under the same name wins. The fallback strategy: it serves every config no
// cloud-identity strategy claims, including configs with no credentials at all.
import type { AuthConf, AuthHandler, AuthStrategy, OutboundRequest } from '../types.ts'

/** A query argument's name, decoded; a broken escape (the client's business) is compared as sent, never thrown. */
function argName(kv: string): string {
  const raw = kv.split('=')[0]!.replace(/\+/g, ' ')
  try { return decodeURIComponent(raw) } catch { return raw }
}

function withQueryParam(query: string | null, name: string, encoded: string): string {
  const kept = query ? query.split('&').filter((kv) => kv !== '' && argName(kv) !== name) : []
  kept.push(encoded)
  return kept.join('&')
}

function hasQueryParam(query: string | null, name: string): boolean {
  if (!query) return false
  for (const kv of query.split('&')) if (argName(kv) === name) return true
  return false
}

export function createHeaderAuth(auth: AuthConf): AuthHandler {
  const override = auth.allow_override === true
  const header = auth.header_name && auth.header_value !== undefined ? [auth.header_name.toLowerCase(), auth.header_value] as const : null
  const param = auth.param_name && auth.param_value !== undefined && auth.param_location ? auth.param_name : null
  const paramValue = auth.param_value ?? ''
  const encodedParam = param ? `${encodeURIComponent(param)}=${encodeURIComponent(paramValue)}` : ''
  const inBody = auth.param_location === 'body'
  return {
    apply(req: OutboundRequest, client): void {
      if (header && !(override && client.header(header[0]) !== undefined)) req.headers.set(header[0], header[1])
      if (!param) return
      if (!inBody) {
        if (override && hasQueryParam(req.target.query, param)) return
        req.target.query = withQueryParam(req.target.query, param, encodedParam)
        return
      }
      // body parameter: only a JSON object body can carry it
      if (req.body === null) return
      let obj: unknown
      try { obj = JSON.parse(typeof req.body === 'string' ? req.body : req.body.toString('utf8')) } catch { return }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return
      const rec = obj as Record<string, unknown>
      if (override && rec[param] !== undefined) return
      rec[param] = paramValue
      req.body = JSON.stringify(rec)
    },
  }
}

export const headerAuth: AuthStrategy = {
  id: 'header',
  matches: () => true,
  create: (auth) => createHeaderAuth(auth),
}
