// The handler shared by the token strategies (Azure, GCP): `Authorization` from the token cache,
// synchronously on a hit, a promise only while a token is fetched; invalidate() on a 401/403.
import type { AuthHandler, OutboundRequest } from '../types.ts'
import type { IdentitySource, TokenCache } from './token-cache.ts'

export function bearerHandler<S extends IdentitySource<string>>(source: S, cache: TokenCache): AuthHandler & { source: S } {
  const set = (req: OutboundRequest, bearer: string): void => { req.headers.set('authorization', bearer) }
  return {
    source,
    apply(req) {
      const bearer = cache.get(source)
      if (typeof bearer === 'string') return set(req, bearer)
      return bearer.then((b) => set(req, b))
    },
    invalidate() {
      cache.invalidate(source)
    },
  }
}
