// access (Kong's search-cache and serve-response filters), after ai-proxy has resolved the
// provider and model: the request's bypass rules, its prompt text and key, the exact lookup, the
// embedding and the nearest entry; a hit is answered here (the upstream is not called), anything
// else goes on to the provider as a Miss (or Refresh) and is stored after the response.
import type { Kong } from '../../pdk/index.ts'
import { pluginLog, scrubSecrets } from '../../core/log.ts'
import { reportCache, sharedExchange } from '../llm/pipeline/shared-exchange.ts'
import type { CachedEntry } from './cache-store.ts'
import { requestBypasses } from './cache-control.ts'
import { cacheKey, promptText } from './prompt-text.ts'
import { hitAnswer } from './serve-hit.ts'
import type { CacheRuntime } from './runtime.ts'
import { AnswerBuffer } from './stored-answer.ts'

const log = pluginLog('ai-semantic-cache')

export type CacheStatus = 'Hit' | 'Miss' | 'Bypass' | 'Refresh'

/** One request's cache state (kong.ctx.plugin), from access to the store in log. */
export interface CacheState {
  status: CacheStatus
  readonly ns: string
  readonly key: string
  readonly text: string
  vector: readonly number[] | null
  /** the TTL the answer is stored with (cache_ttl, or the answer's Cache-Control with cache_control) */
  ttl: number
  /** a JSON answer's bytes, read by body_filter when it will be stored */
  answer: AnswerBuffer | null
}

export const STATE = 'cache'

class Failure extends Error {}

export function bypass(kong: Kong): void {
  kong.ctx.plugin[STATE] = 'Bypass'
  reportCache(kong, { status: 'bypass', usage: null, model: null })
}

/** stop_on_failure: Kong's 500 with its message; else the request goes on uncached (Bypass). */
function fail(kong: Kong, rt: CacheRuntime, message: string, err: unknown): void {
  // the reason only: the clients' errors can carry connection options
  log.warn({ reason: scrubSecrets(err instanceof Error ? err.message : String(err)) }, message)
  if (rt.conf.stop_on_failure) {
    reportCache(kong, { status: 'bypass', usage: null, model: null })
    kong.response.exit(500, { message })
    return
  }
  bypass(kong)
}

async function step<T>(p: Promise<T>, message: string): Promise<T> {
  try { return await p } catch (err) { throw Object.assign(new Failure(message), { cause: err }) }
}

function serve(kong: Kong, rt: CacheRuntime, s: CacheState, e: CachedEntry, stream: boolean, includeUsage: boolean): boolean {
  const cacheTtl = rt.conf.cache_ttl
  const age = cacheTtl - e.ttl
  if (age >= cacheTtl) { s.status = 'Refresh'; return false }
  const x = sharedExchange(kong)!
  const hit = hitAnswer(e.body, e.key, stream, includeUsage, x.prepared!.c.format)
  if (hit === null) return false
  s.status = 'Hit'
  reportCache(kong, { status: 'hit', usage: hit.usage, model: hit.model })
  kong.response.exit(200, hit.body, {
    'Content-Type': hit.contentType,
    'X-Cache-Status': 'Hit',
    'X-Cache-Key': e.key,
    'X-Cache-Ttl': String(e.ttl),
    Age: String(Math.max(0, Math.floor(age))),
  })
  return true
}

export async function lookup(kong: Kong, rt: CacheRuntime): Promise<void> {
  const conf = rt.conf
  const x = sharedExchange(kong)
  const p = x?.prepared
  // no ai-proxy before this plugin: no provider or model to key the cache on
  if (!x || !p) return bypass(kong)
  if (conf.cache_control && requestBypasses(kong.request.getHeader('cache-control'), kong.request.getHeader('authorization'))) return bypass(kong)
  const messages = x.parsed.request?.messages
  if (!Array.isArray(messages)) {
    reportCache(kong, { status: 'bypass', usage: null, model: null })
    return kong.response.exit(400, { message: 'Not a valid llm/chat request' })
  }
  const text = promptText(messages, rt.rules)
  if (text === null || text === '') return bypass(kong)

  const ns = `kong_semantic_cache:${kong.plugin.getId() ?? 'none'}:${p.c.driver.id}-${p.model.name ?? ''}`
  const s: CacheState = { status: 'Miss', ns, key: cacheKey(text), text, vector: null, ttl: conf.cache_ttl, answer: null }
  const stream = p.stream
  const includeUsage = x.parsed.request?.stream_options?.include_usage === true
  const store = rt.store
  const strategy = store.strategy
  try {
    await step(store.start(), `Failed to load the '${strategy}' vector database driver`)
    // Kong's redis driver fails to start without RediSearch: with nothing to look up, that failure stands
    if (!store.semantic && !conf.exact_caching) throw new Failure(`Failed to load the '${strategy}' vector database driver`)
    const query = `Failed to query '${strategy}' for cached response`
    if (conf.exact_caching) {
      const e = await step(store.exact(ns, s.key), query)
      if (e !== null && serve(kong, rt, s, e, stream, includeUsage)) return
    }
    if (store.semantic && s.status === 'Miss') {
      const vector = await step(rt.embedder.embed(text), 'Failed to generate embeddings')
      if (vector.length !== conf.vectordb.dimensions) {
        throw new Failure(`Embedding dimensions do not match the configured vector database. Embeddings were ${vector.length} dimensions, but the vector database is configured for ${conf.vectordb.dimensions} dimensions.`)
      }
      if (!vector.every(Number.isFinite)) throw new Failure('Failed to generate embeddings')
      s.vector = vector
      const e = await step(store.nearest(ns, vector, conf.vectordb.threshold), query)
      if (e !== null && serve(kong, rt, s, e, stream, includeUsage)) return
    }
  } catch (err) {
    if (!(err instanceof Failure)) throw err
    return fail(kong, rt, err.message, err.cause ?? err)
  }
  kong.ctx.plugin[STATE] = s
  reportCache(kong, { status: s.status === 'Refresh' ? 'refresh' : 'miss', usage: null, model: null })
}
