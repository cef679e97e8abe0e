// Query-string parsing with Kong's conventions: repeated keys become arrays, a bare key is `true`.
export type QueryArgs = Record<string, string | boolean | (string | boolean)[]>

function decode(s: string): string {
  try { return decodeURIComponent(s.replace(/\+/g, ' ')) } catch { return s }
}

export function parseQuery(raw: string, maxArgs: number): QueryArgs {
  const out: QueryArgs = Object.create(null) // client keys: `__proto__` must be a plain key, not the prototype
  if (!raw) return out
  let n = 0
  for (const part of raw.split('&')) {
    if (!part || n++ >= maxArgs) continue
    const eq = part.indexOf('=')
    const k = decode(eq === -1 ? part : part.slice(0, eq))
    const v: string | boolean = eq === -1 ? true : decode(part.slice(eq + 1))
    const prev = out[k]
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return out
}

export function encodeQuery(args: Record<string, unknown>): string {
  const parts: string[] = []
  for (const k of Object.keys(args).sort()) {
    const v = args[k]
    for (const x of Array.isArray(v) ? v : [v]) {
      if (x === true) parts.push(encodeURIComponent(k))
      else if (x !== false && x !== undefined && x !== null) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(x))}`)
    }
  }
  return parts.join('&')
}
