// Vectors in PostgreSQL with the pgvector extension (vectordb.strategy `pgvector`, Kong 3.10,
// vectordb.pgvector.*). One table for every namespace; the extension and the table are created
// on first use if the role may. Distances are pgvector's own operators: `<=>` cosine distance,
// `<->` euclidean. https://github.com/pgvector/pgvector#querying
import type pg from 'pg'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { VectordbConf } from '../schema.ts'
import type { DistanceMetric, VectorHit, VectorStore } from './vector-store.ts'

/** The one call made on the database (pg's Pool has it), so a test can hand in any client. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>
}

const TABLE = 'tollgate_ai_semantic_vectors'

const literal = (v: readonly number[]): string => `[${v.join(',')}]`

export class PgvectorStore implements VectorStore {
  private ready: Promise<void> | null = null

  constructor(private readonly db: Queryable, private readonly metric: DistanceMetric) {}

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await this.db.query('CREATE EXTENSION IF NOT EXISTS vector')
      await this.db.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (namespace text NOT NULL, key text NOT NULL, payload jsonb NOT NULL, embedding vector NOT NULL, PRIMARY KEY (namespace, key))`,
      )
    })().catch((e: unknown) => { this.ready = null; throw e })
    return this.ready
  }

  async upsert(ns: string, key: string, vector: readonly number[], payload: Record<string, unknown>): Promise<void> {
    await this.init()
    await this.db.query(
      `INSERT INTO ${TABLE} (namespace, key, payload, embedding) VALUES ($1, $2, $3, $4::vector)
       ON CONFLICT (namespace, key) DO UPDATE SET payload = EXCLUDED.payload, embedding = EXCLUDED.embedding`,
      [ns, key, JSON.stringify(payload), literal(vector)],
    )
  }

  async nearest(ns: string, vector: readonly number[], threshold: number | undefined): Promise<VectorHit | null> {
    await this.init()
    const op = this.metric === 'euclidean' ? '<->' : '<=>'
    const { rows } = await this.db.query(
      `SELECT key, payload, embedding ${op} $2::vector AS distance FROM ${TABLE} WHERE namespace = $1 ORDER BY distance LIMIT 1`,
      [ns, literal(vector)],
    )
    const row = rows[0]
    if (!row) return null
    const d = Number(row.distance)
    if (threshold !== undefined && d > threshold) return null
    return { key: String(row.key), payload: row.payload as Record<string, unknown>, distance: d }
  }
}

const pools = new Map<string, pg.Pool>()
// loaded on first use: most gateways never open a vector store, and pg costs ~14 MB and 40 ms to load
const requirePg = (): typeof pg => createRequire(import.meta.url)('pg') as typeof pg

/** The worker's connection pool for vectordb.pgvector (one per server and credentials). */
export function pgvectorPool(conf: NonNullable<VectordbConf['pgvector']>): pg.Pool {
  const key = JSON.stringify(conf)
  let pool = pools.get(key)
  if (pool) return pool
  const ssl = conf.ssl || conf.ssl_required
    ? {
        rejectUnauthorized: conf.ssl_verify,
        ...(conf.ssl_cert && { cert: readFileSync(conf.ssl_cert) }),
        ...(conf.ssl_cert_key && { key: readFileSync(conf.ssl_cert_key) }),
        ...(conf.ssl_version !== 'any' && { minVersion: conf.ssl_version === 'tlsv1_3' ? 'TLSv1.3' as const : 'TLSv1.2' as const }),
      }
    : false
  pool = new (requirePg().Pool)({
    host: conf.host,
    port: conf.port,
    database: conf.database,
    user: conf.user,
    ...(conf.password !== undefined && { password: conf.password }),
    ssl,
    connectionTimeoutMillis: conf.timeout,
    statement_timeout: conf.timeout,
    max: 4,
    allowExitOnIdle: true,
  })
  pool.on('error', () => { /* an idle client died: the pool replaces it */ })
  pools.set(key, pool)
  return pool
}

/** Closes this worker's pools (tests, shutdown). */
export async function closePgvectorPools(): Promise<void> {
  const all = [...pools.values()]
  pools.clear()
  await Promise.all(all.map((p) => p.end()))
}
