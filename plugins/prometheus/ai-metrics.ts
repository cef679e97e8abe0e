// Kong's AI metrics (`ai_metrics`): every ai-proxy and ai-proxy-advanced response ends in one
// LlmOutcome (complete, upstream failed or client aborted; streams and failovers included: the
// outcome names the target that answered last), set on the request's shared exchange before this
// plugin's log phase, which counts it under that request's consumer and config. Series are found
// through nested maps (provider, model, cache status, consumer), so a request builds no key; the
// maps a client or an upstream can grow are capped.
import type { LlmCacheStatus, LlmOutcome } from '../llm/outcome/llm-outcome.ts'
import { CounterFamily, HistogramFamily, registerFamily, type CounterSeries, type HistogramSeries } from '../../core/status/metric-family.ts'
import { WORKSPACE } from './http-metrics.ts'

/** Kong's AI_LLM_PROVIDER_LATENCY buckets, ms. */
export const AI_LATENCY_BUCKETS = [250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 10000, 30000, 60000]

/** distinct (provider, model) pairs per worker; a model name can come from the client */
export const MAX_MODELS = 500
/** cached series of a model and cache status, by consumer (config reloads can bring new consumers) */
export const MAX_CONSUMERS_PER_MODEL = 1000
/** a longer model name is cut (label values are stored per series) */
export const MAX_MODEL_LABEL = 200
/** the model label past MAX_MODELS */
export const OVERFLOW_MODEL = 'other'

const LABELS = ['ai_provider', 'ai_model', 'cache_status', 'vector_db', 'embeddings_provider', 'embeddings_model', 'workspace', 'consumer']
const requests = registerFamily(new CounterFamily('kong_ai_llm_requests_total', 'AI requests total per ai_provider in Kong', LABELS))
const cost = registerFamily(new CounterFamily('kong_ai_llm_cost_total', 'AI requests cost per ai_provider/cache in Kong', LABELS))
const tokens = registerFamily(new CounterFamily('kong_ai_llm_tokens_total', 'AI tokens total per ai_provider/cache in Kong', [...LABELS.slice(0, 7), 'token_type', 'consumer']))
const latency = registerFamily(new HistogramFamily('kong_ai_llm_provider_latency_ms', 'AI latencies per ai_provider in Kong', LABELS, AI_LATENCY_BUCKETS))

/** Kong's cache_status values (semantic cache); '' without a cache. */
const CACHE: Record<LlmCacheStatus, string> = { none: '', hit: 'Hit', miss: 'Miss', bypass: 'Bypass', refresh: 'Refresh' }

interface AiSeries {
  requests: CounterSeries
  cost: CounterSeries
  prompt: CounterSeries
  completion: CounterSeries
  total: CounterSeries
  latency: HistogramSeries
}

function makeSeries(provider: string, model: string, cache: string, consumer: string): AiSeries {
  const l = [provider, model, cache, '', '', '', WORKSPACE, consumer]
  const t = (type: string) => tokens.series([...l.slice(0, 7), type, consumer])
  return {
    requests: requests.series(l), cost: cost.series(l), latency: latency.series(l),
    prompt: t('prompt_tokens'), completion: t('completion_tokens'), total: t('total_tokens'),
  }
}

/** One model's series by consumer, without a cache status (the common case) and per cache status. */
class ModelSeries {
  readonly plain = new Map<string, AiSeries>()
  private byCache: Map<LlmCacheStatus, Map<string, AiSeries>> | null = null
  constructor(readonly label: string) {}

  cached(status: LlmCacheStatus): Map<string, AiSeries> {
    const byCache = this.byCache ??= new Map()
    let m = byCache.get(status)
    if (m === undefined) { m = new Map(); byCache.set(status, m) }
    return m
  }

  size(): number {
    let n = this.plain.size
    if (this.byCache !== null) for (const m of this.byCache.values()) n += m.size
    return n
  }
}

// provider → model → (cache status, consumer) → series: nested maps, so a request builds no key
const byProvider = new Map<string, Map<string, ModelSeries>>()
let models = 0

/**
 * At most MAX_MODEL_LABEL characters, in a string of their own: V8's slice of a long string is a
 * view that keeps the whole original alive.
 */
function cut(name: string): string {
  return name.length > MAX_MODEL_LABEL ? Buffer.from(name.slice(0, MAX_MODEL_LABEL), 'utf16le').toString('utf16le') : name
}

function modelOf(provider: string, name: string): ModelSeries {
  // the map key is the label: a client's 1 MiB model name must not be kept whole
  const asked = cut(name)
  let byModel = byProvider.get(provider)
  if (byModel === undefined) { byModel = new Map(); byProvider.set(provider, byModel) }
  let m = byModel.get(asked)
  if (m !== undefined) return m
  if (models >= MAX_MODELS) {
    // past the cap every new name shares the provider's `other` series (and adds no map entry)
    m = byModel.get(OVERFLOW_MODEL)
    if (m === undefined) { m = new ModelSeries(OVERFLOW_MODEL); byModel.set(OVERFLOW_MODEL, m) }
    return m
  }
  models++
  m = new ModelSeries(asked)
  byModel.set(asked, m)
  return m
}

function seriesFor(o: LlmOutcome, consumer: string): AiSeries {
  const m = modelOf(o.provider, o.requestModel ?? 'UNSPECIFIED')
  const cache = o.cache
  const byConsumer = cache === 'none' ? m.plain : m.cached(cache)
  let s = byConsumer.get(consumer)
  if (s === undefined) {
    s = makeSeries(o.provider, m.label, CACHE[cache], consumer)
    // consumers come from the config, but reloads can bring new ones: past the cap the series is
    // found through the family each time (slower, still exact, and the family is capped itself)
    if (byConsumer.size < MAX_CONSUMERS_PER_MODEL) byConsumer.set(consumer, s)
  }
  return s
}

/**
 * The log phase: counts the request's LLM outcome. ai-proxy and ai-proxy-advanced publish it on
 * their exchange in body_filter, or in their own log phase (priority 770, before this one), so it
 * is read here from the request itself: nothing is parked between the two phases, nothing of the
 * outcome (payloads, the answer behind finishReasons) outlives the call.
 */
export function recordAi(o: LlmOutcome, consumer: string): void {
  const s = seriesFor(o, consumer)
  s.requests.value++
  // Kong counts cost only when input_cost and output_cost are set (the cost is 0 otherwise)
  if (o.cost > 0) s.cost.value += o.cost
  const u = o.usage
  s.prompt.value += u.prompt_tokens
  s.completion.value += u.completion_tokens
  s.total.value += u.total_tokens
  if (o.latencyMs >= 0) latency.observe(s.latency, o.latencyMs)
}

/** For tests: the models and the series cached for them in this worker. */
export function cachedAi(): { models: number; series: number } {
  let series = 0
  for (const byModel of byProvider.values()) for (const m of byModel.values()) series += m.size()
  return { models, series }
}
