// The handler shared by the token strategies (Azure, GCP): `Authorization` from the token cache,
// synchronously on a hit, a promise only while a token is fetched; invalidate() on a 401/403.
// `clientKeys` are the provider's other credential headers (Azure's `api-key`, Google's
// `x-goog-api-key`): a client's own key beside the gateway's token would let the client pick the
// credential the provider honours, so the pipeline clears them.
import type { AuthHandler, OutboundRequest } from '../types.ts'
import type { IdentitySource, TokenCache } from './token-cache.ts'

export function bearerHandler<S extends IdentitySource<string>>(source: S, cache: TokenCache, clientKeys: readonly string[]): AuthHandler & { source: S } {
  const set = (req: OutboundRequest, bearer: string): void => { req.headers.set('authorization', bearer) }
  return {
    source,
    dropClientHeaders: clientKeys,
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
