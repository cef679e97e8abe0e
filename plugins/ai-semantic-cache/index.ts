// Kong's ai-semantic-cache (Enterprise, 3.8+): answers a chat request from earlier answers to the
// same prompt (exact_caching: the same text) or a near one (its embedding within
// vectordb.threshold), per plugin and model. It runs after ai-proxy / ai-proxy-advanced (765 <
// 770) and reads their published exchange (plugins/llm/pipeline/shared-exchange.ts): access
// looks up and answers a hit (lookup.ts); header_filter applies the answer's Cache-Control and
// says X-Cache-Status; body_filter reads a JSON answer it will store; log stores a Miss's or a
// Refresh's answer after the response, without the request waiting for it.
import { definePlugin } from '../../core/plugins/contract.ts'
import type { Kong } from '../../pdk/index.ts'
import { pluginLog, scrubSecrets } from '../../core/log.ts'
import '../llm/bundled.ts'
import { reportCache, sharedExchange } from '../llm/pipeline/shared-exchange.ts'
import { answerTtl } from './cache-control.ts'
import { lookup, STATE, type CacheState } from './lookup.ts'
import { runtimeFor, type CacheRuntime } from './runtime.ts'
import { schema, type SemanticCacheConf } from './schema.ts'
import { undiciLoadError } from '../../core/proxy/load-undici.ts'
import { AnswerBuffer, assembledStream, convertedAnswer, storableJson } from './stored-answer.ts'

const log = pluginLog('ai-semantic-cache')

const stateOf = (kong: Kong): CacheState | 'Bypass' | undefined => kong.ctx.plugin[STATE] as CacheState | 'Bypass' | undefined

const pending = new Set<Promise<void>>()

/** Resolves when every store this worker started has finished (tests wait on it instead of sleeping). */
export async function storesSettled(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending])
}

function headerFilter(kong: Kong, conf: SemanticCacheConf): void {
  const s = stateOf(kong)
  if (s === undefined) return
  if (s === 'Bypass') { kong.response.setHeader('X-Cache-Status', 'Bypass'); return }
  if (kong.response.getSource() !== 'service' || kong.response.getStatus() !== 200) {
    // nothing to store: an error or another plugin's answer
    kong.response.setHeader('X-Cache-Status', s.status)
    return
  }
  if (conf.cache_control) {
    const ttl = answerTtl(kong.service.response.getHeader('cache-control'))
    if (ttl !== null && ttl <= 0) {
      kong.ctx.plugin[STATE] = 'Bypass'
      reportCache(kong, { status: 'bypass', usage: null, model: null })
      kong.response.setHeader('X-Cache-Status', 'Bypass')
      return
    }
    if (ttl !== null) s.ttl = ttl
  }
  const x = sharedExchange(kong)
  if (x?.prepared?.stream === false && x.prepared.c.format === null) s.answer = new AnswerBuffer()
  kong.response.setHeader('X-Cache-Status', s.status)
}

function store(kong: Kong, rt: CacheRuntime, s: CacheState): void {
  const x = sharedExchange(kong)
  const o = x?.outcome
  if (!x || !o || o.ending !== 'complete' || o.status !== 200 || o.response === 'none') return
  const body = x.prepared?.stream ? assembledStream(x)
    : s.answer !== null ? storableJson(s.answer.text(kong.response.getHeader('content-encoding')))
    : convertedAnswer(x)
  if (body === null) {
    log.debug('answer not stored (too large, unreadable, or a streamed tool call)')
    return
  }
  const p = (async () => {
    const vector = s.vector ?? (rt.store.semantic ? await rt.embedder.embed(s.text) : null)
    await rt.store.put(s.ns, s.key, vector, body, s.ttl)
  })().catch((err: unknown) => log.warn({ reason: scrubSecrets(err instanceof Error ? err.message : String(err)) }, 'cache store failed'))
    .finally(() => { pending.delete(p) })
  pending.add(p)
}

export default definePlugin({
  name: 'ai-semantic-cache',
  version: '3.10.0',
  priority: 765,
  schema,
  check() {
    // the embeddings client (undici's request API) is loaded by the first config with this plugin,
    // not at start: a failure refuses the config rather than failing every lookup
    const loadError = undiciLoadError('package')
    return loadError === null ? null : { embeddings: loadError }
  },
  /** the stores and embeddings clients are built at load, not on a request */
  configure(_kong, configs) {
    for (const conf of configs ?? []) {
      try { runtimeFor(conf) } catch (err) { log.error({ reason: scrubSecrets(String((err as Error).message)) }, 'ai-semantic-cache config could not be prepared') }
    }
  },
  access: (kong, conf) => lookup(kong, runtimeFor(conf)),
  header_filter: (kong, conf) => headerFilter(kong, conf),
  body_filter(kong, _conf, chunk) {
    const s = stateOf(kong)
    if (s !== undefined && s !== 'Bypass' && s.answer !== null) s.answer.push(chunk.data)
  },
  log(kong, conf) {
    const s = stateOf(kong)
    if (s !== undefined && s !== 'Bypass') store(kong, runtimeFor(conf), s)
  },
})
