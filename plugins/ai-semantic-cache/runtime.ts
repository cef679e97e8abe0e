// What a config needs per request, built once per config at load (configure): the store of its
// vectordb strategy, the embeddings client, the prompt rules. Keyed by the config object, which is
// frozen for the life of its snapshot.
import { pgvectorPool } from '../ai-proxy-advanced/semantic/pgvector-store.ts'
import { createEmbedder, type Embedder } from '../ai-proxy-advanced/semantic/embeddings.ts'
import type { CacheStore } from './cache-store.ts'
import { PgvectorCache } from './pgvector-cache.ts'
import { RedisCache, redisClient } from './redis-cache.ts'
import type { PromptRules } from './prompt-text.ts'
import type { SemanticCacheConf } from './schema.ts'

export interface CacheRuntime {
  readonly conf: SemanticCacheConf
  readonly store: CacheStore
  readonly embedder: Embedder
  readonly rules: PromptRules
}

const PGVECTOR_DEFAULTS = {
  host: '127.0.0.1', port: 5432, database: 'kong-pgvector', user: 'postgres', timeout: 5000,
  ssl: false, ssl_required: false, ssl_verify: true, ssl_version: 'tlsv1_2' as const,
}
const REDIS_DEFAULTS = {
  host: '127.0.0.1', port: 6379, database: 0, ssl: false, ssl_verify: true,
  connect_timeout: 2000, send_timeout: 2000, read_timeout: 2000, keepalive_pool_size: 256,
}

function storeFor(conf: SemanticCacheConf): CacheStore {
  const v = conf.vectordb
  if (v.strategy === 'pgvector') return new PgvectorCache(pgvectorPool(v.pgvector ?? PGVECTOR_DEFAULTS), v.distance_metric)
  return new RedisCache(redisClient(v.redis ?? REDIS_DEFAULTS))
}

const runtimes = new WeakMap<SemanticCacheConf, CacheRuntime>()

/** The runtime of a config (built at configure; on first use for a config that came another way). */
export function runtimeFor(conf: SemanticCacheConf): CacheRuntime {
  let rt = runtimes.get(conf)
  if (!rt) {
    rt = {
      conf,
      store: storeFor(conf),
      embedder: createEmbedder(conf.embeddings, conf.vectordb.dimensions),
      rules: {
        countback: conf.message_countback,
        system: !conf.ignore_system_prompts,
        assistant: !conf.ignore_assistant_prompts,
        tool: !conf.ignore_tool_prompts,
      },
    }
    runtimes.set(conf, rt)
  }
  return rt
}
