// Values of request-transformer entries: literal text, or templates reading the request
// ($(headers.x), $(headers["x-y"]), $(query_params.x), $(uri_captures.name), $(uri_captures[1]),
// $(shared.x)). Kong renders arbitrary Lua there (pl.template); Tollgate supports these
// lookups, which are what the Kong docs show. Entries are parsed once per config.
import type { Kong } from '../../pdk/index.ts'

type Part = string | { source: 'headers' | 'query_params' | 'uri_captures' | 'shared'; key: string }
/** [name, value parts] ; value null = "name" only */
export type Entry = [string, Part[] | null]

const EXPR = /\$\((headers|query_params|uri_captures|shared)(?:\.([\w-]+)|\[\s*["']?([^"'\]]+)["']?\s*\])\)/g

export function parseValue(text: string): Part[] {
  const parts: Part[] = []
  let last = 0
  for (const m of text.matchAll(EXPR)) {
    if (m.index > last) parts.push(text.slice(last, m.index))
    parts.push({ source: m[1] as 'headers', key: (m[2] ?? m[3])! })
    last = m.index + m[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

const entries = new WeakMap<readonly string[], Entry[]>()
/** Kong's `^([^:]+):*(.-)$` split, once per config list. */
export function parseEntries(list: readonly string[]): Entry[] {
  let e = entries.get(list)
  if (!e) {
    e = list.map((s) => {
      const i = s.indexOf(':')
      if (i === -1) return [s, null] as Entry
      const value = s.slice(i + 1).replace(/^:+/, '')
      return [s.slice(0, i), value === '' ? null : parseValue(value)] as Entry
    })
    entries.set(list, e)
  }
  return e
}

/** Lazily built template environment, one per request that needs it. */
export class TemplateEnv {
  private headers?: Record<string, string>
  private query?: Record<string, unknown>
  private captures?: Record<string, string>
  constructor(private readonly kong: Kong) {}

  private lookup(source: string, key: string): string {
    let v: unknown
    if (source === 'headers') v = (this.headers ??= this.kong.request.getHeaders())[key.toLowerCase().replace(/_/g, '-')]
    else if (source === 'query_params') v = (this.query ??= this.kong.request.getQuery())[key]
    else if (source === 'uri_captures') {
      if (!this.captures) {
        const c = this.kong.request.getUriCaptures()
        this.captures = { ...c.named }
        c.unnamed.forEach((x, i) => { this.captures![String(i)] = x })
      }
      v = this.captures[key]
    } else v = this.kong.ctx.shared[key]
    if (Array.isArray(v)) v = v[0]
    return v === undefined || v === null ? '' : String(v)
  }

  render(parts: Part[]): string {
    if (parts.length === 1 && typeof parts[0] === 'string') return parts[0]
    let out = ''
    for (const p of parts) out += typeof p === 'string' ? p : this.lookup(p.source, p.key)
    return out
  }
}
