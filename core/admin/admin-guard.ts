// Who may talk to the Admin API. It replaces the whole config (and with vault references reads the
// environment), so a web page an operator happens to open must not reach it:
// - CSRF: a cross-site request carries an `Origin` header; only the GUI origins of admin_gui_url
//   (KONG_ADMIN_GUI_URL) are allowed, and with none configured no browser origin is.
// - DNS rebinding: the browser believes it talks to the attacker's domain and sends it as `Host`;
//   only names of this listener are allowed: localhost, an IP literal (a literal cannot be
//   rebound, and a 0.0.0.0 listener is reached by the machine's address), the listen host, and
//   the GUI's host names, each with the listener's port.
// - anything else that can reach the port: an optional shared token (KONG_ADMIN_TOKEN) in the
//   `Kong-Admin-Token` header, compared in constant time.
// Built once per listener; a check is a few string compares.
import { createHash, timingSafeEqual } from 'node:crypto'
import { isIPv4, isIPv6 } from 'node:net'
import { errors, type GatewayError } from '../errors.ts'

export interface AdminGuardOptions {
  /** the port the listener actually bound */
  port: number
  /** the admin_listen host (an address or a name) */
  listenHost: string
  /** allowed browser origins, already normalized (URL.origin) */
  guiOrigins: readonly string[]
  token: string | null
}

export interface AdminGuard {
  /** null when the request may go on; Origin and Host first, then the token */
  check(host: string, origin: string, token: string): GatewayError | null
  /** true for a browser origin allowed to read answers (it gets CORS headers) */
  allowsOrigin(origin: string): boolean
  /** false when a request must prove the token */
  readonly open: boolean
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

export function createAdminGuard(opts: AdminGuardOptions): AdminGuard {
  const origins = new Set(opts.guiOrigins)
  const names = new Set(['localhost', opts.listenHost.toLowerCase()])
  for (const o of opts.guiOrigins) names.add(new URL(o).hostname)
  const port = String(opts.port)
  // a browser leaves the default port out of Host
  const portOptional = opts.port === 80 || opts.port === 443
  // hashing both sides gives equal lengths, so timingSafeEqual never leaks the token's length
  const tokenDigest = opts.token === null ? null : digest(opts.token)

  const hostAllowed = (host: string): boolean => {
    if (host === '') return false
    const m = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d+))?$/.exec(host.toLowerCase())
    if (!m) return false
    const [, name, p] = m
    if (p === undefined ? !portOptional : p !== port) return false
    if (name!.startsWith('[')) return isIPv6(name!.slice(1, -1))
    return isIPv4(name!) || names.has(name!)
  }

  return {
    open: tokenDigest === null,
    allowsOrigin: (origin) => origins.has(origin),
    check(host, origin, token) {
      if (!hostAllowed(host)) return errors.adminForbiddenHost()
      // any Origin at all means a browser; `null` (sandboxed frames, file:) is never allowed
      if (origin !== '' && !origins.has(origin)) return errors.adminForbiddenOrigin()
      if (tokenDigest !== null && (token === '' || !timingSafeEqual(digest(token), tokenDigest))) return errors.adminUnauthorized()
      return null
    },
  }
}
