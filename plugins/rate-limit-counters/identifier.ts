// Who a rate limit counts: Kong's get_identifier (rate-limiting and ai-rate-limiting-advanced).
// Whatever is missing (no consumer, no header, another path) falls back to the client's
// forwarded IP, as in Kong.
import type { Kong } from '../../pdk/index.ts'

export const LIMIT_BY = ['consumer', 'credential', 'ip', 'service', 'header', 'path'] as const
export type LimitBy = (typeof LIMIT_BY)[number]

/** The `id` of an entity-like value, read as an own property (a credential is plugin data). */
function idOf(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || !Object.hasOwn(v, 'id')) return undefined
  const id = (v as { id: unknown }).id
  return typeof id === 'string' ? id : undefined
}

export function identify(kong: Kong, by: LimitBy, headerName: string | undefined, path: string | undefined): string {
  let id: string | undefined
  switch (by) {
    case 'service': id = kong.router.getService()?.id; break
    case 'consumer': id = kong.client.getConsumer()?.id ?? idOf(kong.client.getCredential()); break
    case 'credential': id = idOf(kong.client.getCredential()); break
    case 'header': id = headerName === undefined ? undefined : kong.request.getHeader(headerName); break
    case 'path': { const p = kong.request.getPath(); if (p === path) id = p; break }
    case 'ip': break
  }
  return id === undefined || id === '' ? kong.client.getForwardedIp() : id
}
