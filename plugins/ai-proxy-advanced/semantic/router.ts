// Semantic routing (Kong 3.8 `semantic` algorithm): each target's description is embedded once
// per config load and stored in the vector store under the plugin's namespace (key: sha256 of the
// description); a request's last user message is embedded and the nearest description within
// vectordb.threshold wins. Targets with the same description form a group the balancer spreads
// over and fails over within (Kong 3.13); `CATCHALL` targets take what matches nothing (3.10).
import { createHash } from 'node:crypto'
import { pluginLog } from '../../../core/log.ts'
import { llmError } from '../../llm/errors.ts'
import type { ParsedRequest } from '../../llm/pipeline/state.ts'
import type { ChatMessage } from '../../llm/types.ts'
import type { AdvancedConf } from '../schema.ts'
import { createEmbedder, type Embedder } from './embeddings.ts'
import type { VectorStore } from './vector-store.ts'
import { MemoryVectorStore } from './memory-vector-store.ts'
import { PgvectorStore, pgvectorPool } from './pgvector-store.ts'

const log = pluginLog('ai-proxy-advanced')
const CATCHALL = 'CATCHALL'

/** Kong's semantic 400s, answered as `{"message": ...}` (not the `error.message` envelope). */
export class SemanticMiss extends Error {
  readonly status = 400
}

export interface SemanticRouter {
  /** the targets a request may use: the matched description's group, else the CATCHALL targets */
  route(state: ParsedRequest): Promise<Uint8Array>
}

/** The text of the last user message (string content, or its text parts joined). */
export function lastUserText(messages: readonly ChatMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!
    if (m.role !== 'user') continue
    if (typeof m.content === 'string') return m.content
    if (Array.isArray(m.content)) {
      const text = m.content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).filter(Boolean).join('\n')
      if (text) return text
    }
  }
  return null
}

function storeFor(conf: NonNullable<AdvancedConf['vectordb']>): VectorStore {
  if (conf.strategy === 'pgvector') return new PgvectorStore(pgvectorPool(conf.pgvector ?? {
    host: '127.0.0.1', port: 5432, database: 'kong-pgvector', user: 'postgres', timeout: 5000,
    ssl: false, ssl_required: false, ssl_verify: true, ssl_version: 'tlsv1_2',
  }), conf.distance_metric)
  if (conf.strategy === 'redis') log.warn('vectordb.strategy redis (RediSearch) is not available: semantic vectors are kept in memory on this node')
  return new MemoryVectorStore(conf.distance_metric)
}

export function createSemanticRouter(conf: AdvancedConf, ns: string, deps: { embedder?: Embedder; store?: VectorStore } = {}): SemanticRouter {
  const vdb = conf.vectordb!
  const embedder = deps.embedder ?? createEmbedder(conf.embeddings!, vdb.dimensions)
  const store = deps.store ?? storeFor(vdb)
  const n = conf.targets.length
  const groups = new Map<string, Uint8Array>()
  const catchall = new Uint8Array(n)
  let hasCatchall = false
  conf.targets.forEach((t, i) => {
    const d = t.description ?? ''
    if (d === CATCHALL) { catchall[i] = 1; hasCatchall = true; return }
    const key = createHash('sha256').update(d).digest('hex')
    let g = groups.get(key)
    if (!g) groups.set(key, (g = new Uint8Array(n)))
    g[i] = 1
  })
  const descriptions = new Map(conf.targets.filter((t) => t.description && t.description !== CATCHALL)
    .map((t) => [createHash('sha256').update(t.description!).digest('hex'), t.description!]))

  let loaded: Promise<void> | null = null
  const load = (): Promise<void> => {
    loaded ??= (async () => {
      for (const [key, text] of descriptions) await store.upsert(ns, key, await embedder.embed(text), { description: text })
    })().catch((err: unknown) => {
      loaded = null // the next request tries again
      log.error({ err }, 'semantic routing: target descriptions could not be embedded')
      throw err
    })
    return loaded
  }
  load().catch(() => { /* logged; retried per request */ })

  return {
    async route(state) {
      const req = state.request
      if (req === null || !Array.isArray(req.messages)) throw new SemanticMiss('this LLM route only supports chat requests')
      const text = lastUserText(req.messages)
      if (text === null) throw new SemanticMiss('no user message found in the request')
      try {
        await load()
        const hit = await store.nearest(ns, await embedder.embed(text), vdb.threshold)
        const group = hit ? groups.get(hit.key) : undefined
        if (group) return group
      } catch (err) {
        if (!hasCatchall) throw llmError(500, (err as Error).message)
        log.warn({ err }, 'semantic routing failed: using the CATCHALL targets')
      }
      if (hasCatchall) return catchall
      throw llmError(500, 'no peers found, consider increase threshold or reword the description of targets')
    },
  }
}
