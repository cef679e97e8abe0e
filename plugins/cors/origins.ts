// Origin matching for cors (kong/plugins/cors/handler.lua configure_origin): the configured
// origins are compiled once per config; request origins are normalized through a small LRU.
import { LRUCache } from 'lru-cache'
import type { Kong } from '../../pdk/index.ts'
import type { CorsConf } from './schema.ts'
import type { FieldErrors } from '../../core/config/types.ts'
import { compileLinearRegex } from '../../core/linear-regex.ts'

interface Normalized { domain: string; host: string }
type Matcher = { regex: RegExp; byHost: boolean } | { domain: string }

interface Compiled {
  /** `*` or no origins: allow all */
  allowAll: boolean
  /** the single literal origin, sent as is */
  single: string | null
  matchers: Matcher[]
  methods: string
  headers: string | null
  exposed: string | null
}

const LITERAL = /^[A-Za-z0-9.:/-]+$/
const compiled = new WeakMap<CorsConf, Compiled>()
const requestOrigins = new LRUCache<string, Normalized>({ max: 10_000 })

export function normalizeOrigin(origin: string): Normalized {
  try {
    const u = new URL(origin)
    if (!u.hostname) return { domain: origin, host: origin }
    return { domain: `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`, host: u.hostname }
  } catch {
    return { domain: origin, host: origin }
  }
}

/** A regex origin entry, anchored at both ends (Kong 0.x did not anchor: an explicit ^ or $ is kept once). */
function originRegex(entry: string): RegExp {
  let re = entry.endsWith('$') ? entry : `${entry}$`
  if (re.startsWith('^')) re = re.slice(1)
  return compileLinearRegex(`^(?:${re.slice(0, -1)})$`)
}

/**
 * Config-load check of the regex origins: each must compile and run in linear time (an origin
 * is client input; a backtracking regex on it would stall the worker). Errors by index.
 */
export function checkOrigins(origins: readonly string[] | undefined): FieldErrors | null {
  if (!origins) return null
  let bad = false
  const out = origins.map((entry) => {
    if (entry === '*' || LITERAL.test(entry)) return null
    try {
      originRegex(entry)
      return null
    } catch (e) {
      bad = true
      return `invalid regex '${entry}': ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`
    }
  })
  return bad ? out : null
}

export function compile(conf: CorsConf): Compiled {
  let c = compiled.get(conf)
  if (c) return c
  const origins = conf.origins ?? []
  const allowAll = origins.length === 0 || origins.includes('*')
  const single = origins.length === 1 && LITERAL.test(origins[0]!) ? origins[0]! : null
  const matchers: Matcher[] = origins.map((entry) => {
    if (LITERAL.test(entry)) return { domain: normalizeOrigin(entry).domain }
    return { regex: originRegex(entry), byHost: !entry.includes(':') }
  })
  c = {
    allowAll, single, matchers,
    methods: conf.methods.join(','),
    headers: conf.headers?.length ? conf.headers.join(',') : null,
    exposed: conf.exposed_headers?.length ? conf.exposed_headers.join(',') : null,
  }
  compiled.set(conf, c)
  return c
}

/** Sets Access-Control-Allow-Origin (and Vary); returns true when every origin is allowed. */
export function configureOrigin(kong: Kong, c: Compiled, inHeaderFilter: boolean, reqOrigin: string | undefined): boolean {
  if (c.allowAll) {
    kong.response.setHeader('Access-Control-Allow-Origin', '*')
    return true
  }
  addVary(kong, inHeaderFilter)
  if (c.single) {
    kong.response.setHeader('Access-Control-Allow-Origin', c.single)
    return false
  }
  if (reqOrigin) {
    let n = requestOrigins.get(reqOrigin)
    if (!n) requestOrigins.set(reqOrigin, (n = normalizeOrigin(reqOrigin)))
    for (const m of c.matchers) {
      const found = 'regex' in m ? m.regex.test(m.byHost ? n.host : n.domain) : m.domain === n.domain
      if (found) {
        kong.response.setHeader('Access-Control-Allow-Origin', n.domain)
        return false
      }
    }
  }
  kong.response.clearHeader('Access-Control-Allow-Origin')
  return false
}

export function configureCredentials(kong: Kong, conf: CorsConf, allowAll: boolean, inHeaderFilter: boolean, reqOrigin: string | undefined): void {
  if (!conf.credentials) return
  if (!allowAll) {
    kong.response.setHeader('Access-Control-Allow-Credentials', 'true')
    return
  }
  // ACAC cannot be true with ACAO '*': answer with the request's origin instead
  if (reqOrigin) {
    addVary(kong, inHeaderFilter)
    kong.response.setHeader('Access-Control-Allow-Origin', reqOrigin)
    kong.response.setHeader('Access-Control-Allow-Credentials', 'true')
  }
}

function addVary(kong: Kong, inHeaderFilter: boolean): void {
  if (inHeaderFilter) kong.response.addHeader('Vary', 'Origin')
  else kong.response.setHeader('Vary', 'Origin')
}
