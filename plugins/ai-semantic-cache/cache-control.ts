// The Cache-Control directives cache_control honours (RFC 9111, as Kong's proxy-cache reads them):
// a request with no-store or no-cache (or an Authorization header) is neither served from nor
// stored in the cache; an answer with private, no-store or no-cache, or a max-age of 0, is not
// stored; an answer's s-maxage or max-age is its TTL.
const NO_CACHE = /(?:^|,)\s*(?:no-store|no-cache)\s*(?:$|,|=)/i
const NOT_STORED = /(?:^|,)\s*(?:private|no-store|no-cache)\s*(?:$|,|=)/i

export function requestBypasses(cacheControl: string | undefined, authorization: string | undefined): boolean {
  return authorization !== undefined || (cacheControl !== undefined && NO_CACHE.test(cacheControl))
}

/** The TTL (s) an answer's Cache-Control allows: null when it says nothing of one, 0 when it must not be stored. */
export function answerTtl(cacheControl: string | undefined): number | null {
  if (cacheControl === undefined) return null
  if (NOT_STORED.test(cacheControl)) return 0
  let ttl: number | null = null
  for (const part of cacheControl.split(',', 32)) {
    const m = /^\s*(s-maxage|max-age)\s*=\s*"?(\d{1,10})"?\s*$/i.exec(part)
    if (!m) continue
    const v = Number(m[2])
    // s-maxage is the shared caches' own and wins over max-age
    if (m[1]!.toLowerCase() === 's-maxage' || ttl === null) ttl = v
  }
  return ttl
}
