// Which request values are credentials and so never reach a log record (kong.log.serialize, read
// by file-log, http-log and every log plugin): built-in header names, plus the names every
// enabled plugin config declares through the contract's `secrets`. Resolved once per config load,
// for the whole config rather than per route: a client that sends route A's key to route B (or to
// no route at all) must not have it logged in clear there either. A request then only does set
// lookups on the headers and query arguments it has.
import type { Snapshot } from '../config/types.ts'
import type { AnyPlugin, SecretNames } from '../plugins/contract.ts'

/** What a redacted value is logged as. */
export const REDACTED = 'REDACTED'

/** Credential headers whatever the plugins: HTTP auth, cookies, and the common API-key headers (OpenAI/Azure, Anthropic, Gemini, AWS session). */
export const SECRET_HEADERS: readonly string[] = [
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie',
  'api-key', 'x-api-key', 'x-goog-api-key', 'x-amz-security-token',
]

export interface Redaction {
  /** lowercase header names */
  readonly headers: ReadonlySet<string>
  /** lowercase (decoded) query argument names */
  readonly query: ReadonlySet<string>
}

export const BASE_REDACTION: Redaction = Object.freeze({ headers: new Set(SECRET_HEADERS), query: new Set<string>() })

const bySnapshot = new WeakMap<Snapshot, Redaction>()

/** At config load: the names to redact for requests on this snapshot. */
export function prepareRedaction(snapshot: Snapshot, pluginNamed: (name: string) => AnyPlugin | undefined): Redaction {
  let headers: Set<string> | null = null
  let query: Set<string> | null = null
  for (const entity of snapshot.plugins) {
    const plugin = pluginNamed(entity.name)
    if (!entity.enabled || !plugin?.secrets) continue
    const names: SecretNames = plugin.secrets(entity.config as never)
    for (const h of names.headers ?? []) if (h) (headers ??= new Set(SECRET_HEADERS)).add(h.toLowerCase())
    for (const q of names.query ?? []) if (q) (query ??= new Set()).add(q.toLowerCase())
  }
  const r: Redaction = headers || query ? { headers: headers ?? BASE_REDACTION.headers, query: query ?? BASE_REDACTION.query } : BASE_REDACTION
  bySnapshot.set(snapshot, r)
  return r
}

/** The names prepared for this snapshot (the built-in ones when none was prepared). */
export function redactionOf(snapshot: Snapshot | null): Redaction {
  return (snapshot && bySnapshot.get(snapshot)) || BASE_REDACTION
}

function argName(pair: string, eq: number): string {
  const raw = (eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' ')
  try {
    return decodeURIComponent(raw).toLowerCase()
  } catch {
    return raw.toLowerCase()
  }
}

/** A raw query string with the values of secret arguments replaced; the same string when none is there. */
export function redactQuery(raw: string, names: ReadonlySet<string>): string {
  if (names.size === 0 || raw === '') return raw
  const pairs = raw.split('&')
  let changed = false
  for (let i = 0; i < pairs.length; i++) {
    const eq = pairs[i]!.indexOf('=')
    if (eq === -1 || !names.has(argName(pairs[i]!, eq))) continue
    pairs[i] = `${pairs[i]!.slice(0, eq)}=${REDACTED}`
    changed = true
  }
  return changed ? pairs.join('&') : raw
}
