// Where cached answers live (Kong's kong/llm/vectordb strategies): an entry is the answer's
// normalized OpenAI body under `<namespace>:<sha256 of the prompt text>`, with a TTL, and (where
// the store searches vectors) the prompt's embedding.
export interface CachedEntry {
  /** the entry's key (`<namespace>:<sha256>`): X-Cache-Key and the served answer's id */
  readonly key: string
  /** the stored OpenAI answer, as JSON text */
  readonly body: string
  /** the seconds it has left; 0 or less when it has none left (Redis: no expiry at all) */
  readonly ttl: number
}

export interface CacheStore {
  readonly strategy: 'redis' | 'pgvector'
  /** the driver's start (connection, capabilities), once; rejects when the database cannot be reached */
  start(): Promise<void>
  /** after start: the store searches by vector (else exact keys only) */
  readonly semantic: boolean
  exact(ns: string, key: string): Promise<CachedEntry | null>
  /** the nearest unexpired entry within `threshold` (a distance), or null */
  nearest(ns: string, vector: readonly number[], threshold: number | undefined): Promise<CachedEntry | null>
  put(ns: string, key: string, vector: readonly number[] | null, body: string, ttl: number): Promise<void>
}
