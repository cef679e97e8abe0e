// The balance stage (Kong's ai-proxy-advanced-balance filter) and what follows a request through
// the phases. access: parse the client's request once (plugins/llm), narrow the candidates (model
// alias, semantic match), pick a target, apply the balancer's retries and timeouts, register the
// failover, then run the shared request normalization for that target. On a failover (the core's
// retry hook, in the balancer phase) the upstream request is rewound and normalization runs again
// for the next target, with its own provider, model and auth (Kong's balancer retry re-running
// REQ_TRANSFORMATION). header_filter/body_filter are the shared stages on the current target;
// log feeds the balancer and the circuit breaker.
import type { Kong } from '../../pdk/index.ts'
import type { BodyChunk } from '../../core/plugins/contract.ts'
import type { UpstreamOutcome } from '../../core/runloop/context.ts'
import { parseRequest } from '../llm/pipeline/parse-request.ts'
import { normalizeRequest } from '../llm/pipeline/normalize-request.ts'
import { responseHeaders } from '../llm/pipeline/response-headers.ts'
import { responseBody } from '../llm/pipeline/response-body.ts'
import { bail } from '../llm/pipeline/stages.ts'
import { ResponseMode, type LlmState } from '../llm/pipeline/state.ts'
import { usageOfOpenAi } from '../llm/pipeline/usage.ts'
import { estimateCompletionTokens } from '../llm/pipeline/estimate.ts'
import { llmError } from '../llm/errors.ts'
import { pluginLog } from '../../core/log.ts'
import type { PickContext } from './balancers/types.ts'
import type { AdvancedConf } from './schema.ts'
import { runtimeFor, type Runtime } from './runtime.ts'
import { SemanticMiss } from './semantic/router.ts'

const KEY = 'ai-proxy-advanced'
const log = pluginLog('ai-proxy-advanced')

/** One request's way through the targets. */
class Balanced implements PickContext {
  /** the parsed request; normalization changes only model, stream, dctx and promptEstimate, reset in each copy */
  readonly pristine: LlmState
  state: LlmState
  current = -1
  /** the current target counts this request as in flight (least-connections) */
  inflight = false
  retriesLeft: number
  readonly tried: Uint8Array
  candidates: Uint8Array | null
  /** performance.now() when the current target's request was built, and when its answer ended */
  sentAt = 0
  endAt = 0
  /** answer bytes kept to read usage when the shared stages do not keep them */
  chunks: Buffer[] | null = null
  private now = 0

  constructor(readonly rt: Runtime, parsed: LlmState, readonly hashKey: string) {
    this.pristine = parsed
    this.state = parsed
    this.retriesLeft = rt.conf.balancer.retries
    this.tried = new Uint8Array(rt.targets.length)
    this.candidates = rt.candidatesFor(parsed.requestModel)
  }

  usable(i: number): boolean {
    return this.tried[i] === 0 && (this.candidates === null || this.candidates[i] === 1) &&
      this.rt.targets[i]!.compiled !== null && this.rt.breaker.available(i, this.now)
  }

  pick(): number {
    this.now = Date.now()
    const i = this.rt.balancer.pick(this)
    if (i >= 0) this.rt.breaker.picked(i, this.now)
    return i
  }

  /**
   * builds target i's request: the shared normalization on the parsed request (used as is by the
   * first target when it was parsed with that target's config, else on a fresh copy)
   */
  use(kong: Kong, i: number): void | Promise<void> {
    const c = this.rt.targets[i]!.compiled!
    const first = this.current < 0
    this.current = i
    if (!first || c !== this.pristine.c) this.state = { ...this.pristine, c, model: c.model, stream: false, dctx: null, promptEstimate: 0 }
    this.rt.balancer.begin?.(i)
    this.inflight = true
    this.sentAt = performance.now()
    return normalizeRequest(kong, this.state)
  }

  release(): void {
    if (!this.inflight) return
    this.inflight = false
    this.rt.balancer.end?.(this.current)
  }
}

function balanced(kong: Kong): Balanced | undefined {
  return kong.ctx.plugin[KEY] as Balanced | undefined
}

/**
 * The failover: count the failure against the target's circuit, then, if the criteria and the
 * retries allow and another target is usable, rebuild the request for it and say "send again".
 * Anything going wrong here passes the held answer on (the core logs it).
 */
function failover(kong: Kong, b: Balanced, method: string) {
  const rt = b.rt
  return (outcome: UpstreamOutcome, rewind: () => void): boolean | Promise<boolean> => {
    const failed = b.current
    if (rt.policy.counts(outcome)) rt.failure(failed, Date.now())
    b.tried[failed] = 1
    if (b.retriesLeft <= 0 || !rt.policy.failsOver(outcome, method)) return false
    const next = b.pick()
    if (next < 0) return false
    b.retriesLeft--
    b.release()
    rewind()
    const r = b.use(kong, next)
    return r === undefined ? true : r.then(() => true)
  }
}

function start(kong: Kong, b: Balanced): void | Promise<void> {
  const i = b.pick()
  if (i < 0) throw llmError(500, 'failed to get peer')
  const bc = b.rt.conf.balancer
  // the balancer does the retrying, each time to another target; the core's own retries would go
  // to the same one
  kong.service.setRetries(0)
  kong.service.setTimeouts(bc.connect_timeout, bc.write_timeout, bc.read_timeout)
  const policy = b.rt.policy
  kong.service.request.retryOn({
    id: KEY,
    statuses: policy.statuses,
    errors: policy.wantsErrors(b.rt.breaker.enabled),
    rewind: true,
    retry: failover(kong, b, kong.request.getMethod()),
  })
  return b.use(kong, i)
}

function answer(kong: Kong, e: unknown): void {
  if (e instanceof SemanticMiss) return kong.response.exit(e.status, { message: e.message })
  bail(kong, e)
}

export function advancedAccess(kong: Kong, conf: AdvancedConf): void | Promise<void> {
  try {
    const rt = runtimeFor(conf)
    if (rt.parseWith === null) throw llmError(500, 'failed to get balancer')
    const hashKey = conf.balancer.algorithm === 'consistent-hashing' ? kong.request.getHeader(conf.balancer.hash_on_header) ?? kong.request.getId() : ''
    const b = new Balanced(rt, parseRequest(kong, rt.parseWith), hashKey)
    kong.ctx.plugin[KEY] = b
    if (rt.semantic !== null) {
      return rt.semantic.route(b.pristine).then((group) => {
        b.candidates = group
        const r = start(kong, b)
        if (r) return r
      }).catch((e: unknown) => answer(kong, e))
    }
    const r = start(kong, b)
    if (r) return r.catch((e: unknown) => answer(kong, e))
  } catch (e) {
    answer(kong, e)
  }
}

export function advancedHeaderFilter(kong: Kong): void {
  const b = balanced(kong)
  if (!b || b.current < 0) return
  const status = kong.response.getStatus()
  if (kong.response.getSource() === 'service' && !b.rt.policy.statuses.has(status)) b.rt.success(b.current)
  responseHeaders(kong, b.state)
  const s = b.state
  if (b.rt.needsUsage && (s.mode === ResponseMode.passthrough) && !s.c.statistics && !s.c.payloads) b.chunks = []
}

export function advancedBodyFilter(kong: Kong, chunk: BodyChunk): void {
  const b = balanced(kong)
  if (!b || b.current < 0) return
  if (b.chunks !== null) b.chunks.push(chunk.data)
  responseBody(kong, b.state, chunk)
  if (chunk.eof) b.endAt = performance.now()
}

/** The answer's tokens: the provider's, else (streams) Kong's estimate. */
function tokensOf(b: Balanced): { prompt: number; completion: number; total: number } {
  const s = b.state
  if (s.mode === ResponseMode.stream && s.transcoder) {
    const u = s.transcoder.usage
    const prompt = u.prompt_tokens || s.promptEstimate
    const completion = u.completion_tokens || estimateCompletionTokens(s.transcoder.text)
    return { prompt, completion, total: u.total_tokens || prompt + completion }
  }
  let u = s.usage
  if (u === null && b.chunks !== null) u = usageOfOpenAi(Buffer.concat(b.chunks).toString('utf8')).usage
  return u ? { prompt: u.prompt_tokens, completion: u.completion_tokens, total: u.total_tokens } : { prompt: 0, completion: 0, total: 0 }
}

export function advancedLog(kong: Kong): void {
  const b = balanced(kong)
  if (!b || b.current < 0) return
  b.release()
  const s = b.state
  if (!b.rt.balancer.report || b.endAt === 0 || s.mode === ResponseMode.none || s.mode === ResponseMode.untouched) return
  try {
    const t = tokensOf(b)
    const o = s.model.options
    const cost = o.input_cost !== undefined && o.output_cost !== undefined ? (t.prompt * o.input_cost + t.completion * o.output_cost) / 1e6 : 0
    b.rt.report(b.current, {
      e2eMs: b.endAt - b.sentAt, promptTokens: t.prompt, completionTokens: t.completion, totalTokens: t.total, cost,
    }, Date.now())
  } catch (err) {
    log.debug({ err }, 'no balancer datapoint for this answer')
  }
}
