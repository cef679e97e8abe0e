// Kong's AI metrics (`ai_metrics`), fed by the LLM outcome bus: every ai-proxy and
// ai-proxy-advanced response ends in one LlmOutcome (complete, upstream failed or client aborted;
// streams and failovers included: the outcome names the target that answered last), published
// in the LLM plugin's body_filter or log phase, which run before this plugin's log (priority 770
// above 13). The listener parks the outcome under its request id; this plugin's log phase takes
// it and counts it under that request's consumer and config. Parked outcomes of requests this
// plugin does not run on are bounded (the oldest go first).
import type { LlmCacheStatus, LlmOutcome } from '../llm/outcome/llm-outcome.ts'
import { CounterFamily, HistogramFamily, registerFamily, type CounterSeries, type HistogramSeries } from '../../core/status/metric-family.ts'
import { WORKSPACE } from './http-metrics.ts'

/** Kong's AI_LLM_PROVIDER_LATENCY buckets, ms. */
export const AI_LATENCY_BUCKETS = [250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 10000, 30000, 60000]

/** outcomes waiting for their request's log phase, at most */
export const MAX_PARKED = 1024
/** distinct (provider, model) pairs per worker; a model name can come from the client */
export const MAX_MODELS = 500
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

/** One model's series, by cache status and consumer. */
class ModelSeries {
  readonly byKey = new Map<string, AiSeries>()
  constructor(readonly label: string) {}
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

/**
 * What a parked outcome is counted with: numbers and short names only. The outcome itself holds
 * the logged payloads and, through finishReasons, the response handler with its copy of the
 * answer; an outcome of a route this plugin does not run on stays parked until MAX_PARKED newer
 * ones push it out.
 */
interface Parked {
  readonly provider: string
  readonly requestModel: string | null
  readonly cache: LlmCacheStatus
  readonly cost: number
  // the usage's three counts as fields of their own: one object parked per request, not two
  readonly prompt: number
  readonly completion: number
  readonly total: number
  readonly latencyMs: number
}

function parked1(o: LlmOutcome): Parked {
  const m = o.requestModel
  const u = o.usage
  return {
    provider: o.provider,
    requestModel: m === null ? null : cut(m),
    cache: o.cache,
    cost: o.cost,
    prompt: u.prompt_tokens,
    completion: u.completion_tokens,
    total: u.total_tokens,
    latencyMs: o.latencyMs,
  }
}

function seriesFor(o: Parked, consumer: string): AiSeries {
  const m = modelOf(o.provider, o.requestModel ?? 'UNSPECIFIED')
  const key = o.cache === 'none' ? consumer : `${o.cache}\u0000${consumer}` // a cache status is the rare case
  let s = m.byKey.get(key)
  if (s === undefined) {
    s = makeSeries(o.provider, m.label, CACHE[o.cache], consumer)
    m.byKey.set(key, s)
  }
  return s
}

const parked = new Map<string, Parked>()
let wanted = false

/** configure: whether any prometheus config counts AI metrics (else the listener parks nothing). */
export function setAiMetricsWanted(on: boolean): void {
  wanted = on
  if (!on) parked.clear()
}

/** The outcome bus listener (subscribed once per worker). */
export function parkOutcome(o: LlmOutcome): void {
  if (!wanted) return
  parked.set(o.requestId, parked1(o))
  if (parked.size > MAX_PARKED) parked.delete(parked.keys().next().value!)
}

/** The log phase: counts this request's outcome, if it had one. */
export function recordAi(requestId: string, consumer: string): void {
  if (parked.size === 0) return
  const o = parked.get(requestId)
  if (o === undefined) return
  parked.delete(requestId)
  const s = seriesFor(o, consumer)
  s.requests.value++
  // Kong counts cost only when input_cost and output_cost are set (the cost is 0 otherwise)
  if (o.cost > 0) s.cost.value += o.cost
  s.prompt.value += o.prompt
  s.completion.value += o.completion
  s.total.value += o.total
  if (o.latencyMs >= 0) latency.observe(s.latency, o.latencyMs)
}

/** For tests: outcomes still parked. */
export function parkedCount(): number {
  return parked.size
}
