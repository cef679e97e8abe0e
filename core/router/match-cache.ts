// Kong caches router results (positive and negative) in an LRU of 5000 keyed by the request
// fields the routes look at. This one is bounded and approximately LRU: two generations
// (the "hashlru" scheme). A hit costs a Map lookup and a few compares, with no recency
// bookkeeping. When the young generation fills, it becomes the old one and the previous old
// one is dropped; a hit in the old generation is copied to the young one.
//
// Entries are keyed by the raw path and told apart by the other fields, compared in place, so a
// lookup builds no key string.

export interface CacheRequest {
  readonly method: string
  readonly host: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly port?: number
  readonly sni?: string | null
}

/** Which request fields can change the result, besides the path. */
export interface CacheFields {
  readonly method: boolean
  readonly host: boolean
  readonly port: boolean
  readonly sni: boolean
  /** header names some route tests */
  readonly headers: readonly string[]
}

interface Entry<T> {
  readonly method: string
  readonly host: string
  readonly port: number | undefined
  readonly sni: string | null | undefined
  readonly headers: readonly (string | undefined)[]
  readonly value: T
}

// Many variants of one path (one path asked for under many hosts) must not turn a hit into a
// long scan; past this many the oldest variant of that path is dropped.
const MAX_VARIANTS = 8

export class MatchCache<T> {
  private young = new Map<string, Entry<T>[]>()
  private old = new Map<string, Entry<T>[]>()
  private youngCount = 0
  private readonly generation: number

  constructor(
    maxEntries: number,
    private readonly fields: CacheFields,
  ) {
    this.generation = Math.max(1, Math.ceil(maxEntries / 2))
  }

  /** The cached value, or undefined on a miss. */
  get(req: CacheRequest): T | undefined {
    const hit = this.find(this.young.get(req.path), req)
    if (hit !== undefined) return hit.value
    const old = this.find(this.old.get(req.path), req)
    if (old === undefined) return undefined
    this.insert(req.path, old)
    return old.value
  }

  set(req: CacheRequest, value: T): void {
    const f = this.fields
    this.insert(req.path, {
      method: f.method ? req.method : '',
      host: f.host ? req.host : '',
      port: f.port ? req.port : undefined,
      sni: f.sni ? req.sni : undefined,
      headers: f.headers.map((name) => req.headers[name]),
      value,
    })
  }

  private find(entries: Entry<T>[] | undefined, req: CacheRequest): Entry<T> | undefined {
    if (entries === undefined) return undefined
    const f = this.fields
    outer: for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!
      if (f.method && e.method !== req.method) continue
      if (f.host && e.host !== req.host) continue
      if (f.port && e.port !== req.port) continue
      if (f.sni && e.sni !== req.sni) continue
      for (let h = 0; h < f.headers.length; h++) if (e.headers[h] !== req.headers[f.headers[h]!]) continue outer
      return e
    }
    return undefined
  }

  private insert(path: string, entry: Entry<T>): void {
    if (this.youngCount >= this.generation) {
      this.old = this.young
      this.young = new Map()
      this.youngCount = 0
    }
    const entries = this.young.get(path)
    if (entries === undefined) this.young.set(path, [entry])
    else {
      if (entries.length >= MAX_VARIANTS) entries.shift()
      entries.push(entry)
    }
    this.youngCount++
  }
}
