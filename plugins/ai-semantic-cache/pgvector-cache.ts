// vectordb.strategy `pgvector` (Kong 3.10): entries in one PostgreSQL table for every namespace,
// searched with pgvector's distance operators (`<=>` cosine distance, `<->` euclidean). The
// expiry is a column written from the gateway's clock: a search skips expired rows; an exact
// lookup finds an expired row (a Refresh: the answer is fetched again and the row rewritten);
// expired rows of a namespace are deleted when it stores. The table is created on first use.
import type { Queryable } from '../ai-proxy-advanced/semantic/pgvector-store.ts'
import type { DistanceMetric } from '../ai-proxy-advanced/semantic/vector-store.ts'
import type { CachedEntry, CacheStore } from './cache-store.ts'

const TABLE = 'tollgate_ai_semantic_cache'

const literal = (v: readonly number[]): string => `[${v.join(',')}]`

function entry(ns: string, row: Record<string, unknown>): CachedEntry {
  return { key: `${ns}:${String(row.key)}`, body: String(row.payload), ttl: Math.floor((Number(row.expires_at) - Date.now()) / 1000) }
}

export class PgvectorCache implements CacheStore {
  readonly strategy = 'pgvector'
  readonly semantic = true
  private started: Promise<void> | null = null

  constructor(private readonly db: Queryable, private readonly metric: DistanceMetric) {}

  start(): Promise<void> {
    this.started ??= (async () => {
      await this.db.query('CREATE EXTENSION IF NOT EXISTS vector')
      await this.db.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (namespace text NOT NULL, key text NOT NULL, payload text NOT NULL, embedding vector, expires_at bigint NOT NULL, PRIMARY KEY (namespace, key))`,
      )
    })().catch((e: unknown) => { this.started = null; throw e })
    return this.started
  }

  async exact(ns: string, key: string): Promise<CachedEntry | null> {
    const { rows } = await this.db.query(`SELECT key, payload, expires_at FROM ${TABLE} WHERE namespace = $1 AND key = $2`, [ns, key])
    return rows[0] ? entry(ns, rows[0]) : null
  }

  async nearest(ns: string, vector: readonly number[], threshold: number | undefined): Promise<CachedEntry | null> {
    const op = this.metric === 'euclidean' ? '<->' : '<=>'
    const { rows } = await this.db.query(
      `SELECT key, payload, expires_at, embedding ${op} $2::vector AS distance FROM ${TABLE}
       WHERE namespace = $1 AND embedding IS NOT NULL AND expires_at > $3 ORDER BY distance LIMIT 1`,
      [ns, literal(vector), Date.now()],
    )
    const row = rows[0]
    if (!row || (threshold !== undefined && Number(row.distance) > threshold)) return null
    return entry(ns, row)
  }

  async put(ns: string, key: string, vector: readonly number[] | null, body: string, ttl: number): Promise<void> {
    const now = Date.now()
    await this.db.query(`DELETE FROM ${TABLE} WHERE namespace = $1 AND expires_at <= $2`, [ns, now])
    await this.db.query(
      `INSERT INTO ${TABLE} (namespace, key, payload, embedding, expires_at) VALUES ($1, $2, $3, $4::vector, $5)
       ON CONFLICT (namespace, key) DO UPDATE SET payload = EXCLUDED.payload, embedding = EXCLUDED.embedding, expires_at = EXCLUDED.expires_at`,
      [ns, key, body, vector === null ? null : literal(vector), now + ttl * 1000],
    )
  }
}
