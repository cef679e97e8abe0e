// Kong's `ai.proxy.tried_targets` log field (3.11+): every target the request was sent to, in
// order, the last being the one that answered, beside the other ai.proxy statistics (when a tried
// target has log_statistics). Built in the log phase from each attempt's prepared request. The query is left out (a query-parameter credential lives there); `ip` is given only
// when the target's host is an address (the core resolves names itself and does not say).
import { isIP } from 'node:net'
import type { PreparedRequest } from '../llm/pipeline/state.ts'

export interface TriedTarget {
  provider: string
  model: string | null
  route_type: string
  upstream_scheme: string
  host: string
  port: number
  upstream_uri: string
  ip?: string
}

export function triedTargets(attempts: readonly PreparedRequest[]): TriedTarget[] {
  return attempts.map((p) => {
    const u = p.upstream
    const t: TriedTarget = {
      provider: p.c.driver.id,
      model: p.model.name ?? null,
      route_type: p.c.conf.route_type,
      upstream_scheme: u.scheme,
      host: u.host,
      port: u.port,
      upstream_uri: u.path,
    }
    if (isIP(u.host) !== 0) t.ip = u.host
    return t
  })
}
