// The balance stage (Kong's ai-proxy-advanced-balance filter) and what follows a request through
// the phases. access: parse the client's request once (plugins/llm), narrow the candidates (model
// alias, semantic match), pick a target, apply the balancer's retries and timeouts, register the
// failover, then prepare the upstream request for that target (the shared normalization). On a
// failover (the core's retry hook, in the balancer phase) the upstream request is rewound and a
// new one is prepared for the next target from the same parsed request, with its own provider,
// model and auth (Kong's balancer retry re-running REQ_TRANSFORMATION). header_filter/body_filter
// are the shared stages on the current target; log ends the request's LlmOutcome (if the answer
// did not end it) and hands a complete answer's outcome to the learning balancers.
import type { Kong } from '../../pdk/index.ts'
import type { BodyChunk, WebSocketClientVerdict, WebSocketFrame } from '../../core/plugins/contract.ts'
import type { UpstreamOutcome } from '../../core/runloop/context.ts'
import { parseRequest } from '../llm/pipeline/parse-request.ts'
import { normalizeRequest } from '../llm/pipeline/normalize-request.ts'
import { responseHeaders } from '../llm/pipeline/response-headers.ts'
import { bail, exchangeBody, exchangeLog } from '../llm/pipeline/stages.ts'
import { realtimeClientFrame, realtimeFrame } from '../llm/realtime/realtime-stages.ts'
import { newExchange, type LlmExchange, type ParsedRequest, type PreparedRequest } from '../llm/pipeline/state.ts'
import { shareExchange } from '../llm/pipeline/shared-exchange.ts'
import { llmError } from '../llm/errors.ts'
import { pluginLog } from '../../core/log.ts'
import type { PickContext } from './balancers/types.ts'
import type { AdvancedConf } from './schema.ts'
import { runtimeFor, type Runtime } from './runtime.ts'
import { SemanticMiss } from './semantic/router.ts'
import { ACL_DENIED } from './acls.ts'
import { triedTargets } from './tried-targets.ts'
import { usageRequested } from '../llm/outcome/usage-demand.ts'

const KEY = 'ai-proxy-advanced'
const log = pluginLog('ai-proxy-advanced')

/** One request's way through the targets. */
class Balanced implements PickContext {
  /** the parsed request and, per target, a new prepared request; ends in the one LlmOutcome */
  readonly x: LlmExchange
  current = -1
  /** the current target counts this request as in flight (least-connections) */
  inflight = false
  retriesLeft: number
  readonly tried: Uint8Array
  /** the targets tried, in order (the outcome's `tried`) */
  private readonly order: number[] = []
  candidates: Uint8Array | null
  /** the targets `acls` leave this request (null: no acls) */
  acl: Uint8Array | null = null
  /** each target's prepared request, in the order tried (the log's tried_targets) */
  readonly attempts: PreparedRequest[] = []
  private now = 0

  constructor(readonly rt: Runtime, parsed: ParsedRequest, readonly hashKey: string, usageWanted: boolean) {
    this.x = newExchange(parsed, rt.needsUsage || usageWanted, this.order)
    this.retriesLeft = rt.conf.balancer.retries
    this.tried = new Uint8Array(rt.targets.length)
    this.candidates = rt.candidatesFor(parsed.requestModel)
  }

  usable(i: number): boolean {
    return this.tried[i] === 0 && (this.candidates === null || this.candidates[i] === 1) && (this.acl === null || this.acl[i] === 1) &&
      this.rt.targets[i]!.compiled !== null && this.rt.breaker.available(i, this.now)
  }

  pick(): number {
    this.now = Date.now()
    const i = this.rt.balancer.pick(this)
    if (i >= 0) this.rt.breaker.picked(i, this.now)
    return i
  }

  /** builds target i's request: a new prepared request from the parsed one (the previous target's is dropped) */
  use(kong: Kong, i: number): void | Promise<void> {
    const c = this.rt.targets[i]!.compiled!
    this.current = i
    this.order.push(i)
    this.x.prepared = null
    this.rt.balancer.begin?.(i)
    this.inflight = true
    const r = normalizeRequest(kong, this.x, c, i)
    if (r === undefined) return this.attempted()
    return r.then(() => this.attempted())
  }

  private attempted(): void {
    if (this.x.prepared !== null) this.attempts.push(this.x.prepared)
  }

  /** acls leave this request a target among its candidates */
  permitted(): boolean {
    const acl = this.acl
    if (acl === null) return true
    for (let i = 0; i < acl.length; i++) if (acl[i] === 1 && (this.candidates === null || this.candidates[i] === 1)) return true
    return false
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
    const b = new Balanced(rt, parseRequest(kong, rt.parseWith), hashKey, usageRequested(kong))
    kong.ctx.plugin[KEY] = b
    shareExchange(kong, b.x)
    if (rt.acl !== null) {
      b.acl = rt.acl.usable(kong)
      if (!b.permitted()) return kong.response.exit(403, { message: ACL_DENIED })
    }
    if (rt.semantic !== null) {
      return rt.semantic.route(b.x.parsed).then((group) => {
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
  if (!b) return
  if (b.current >= 0 && kong.response.getSource() === 'service' && !b.rt.policy.statuses.has(kong.response.getStatus())) b.rt.success(b.current)
  responseHeaders(kong, b.x)
}

export function advancedBodyFilter(kong: Kong, chunk: BodyChunk): void {
  const b = balanced(kong)
  if (b) exchangeBody(kong, b.x, chunk)
}

/** ws_upstream_frame: a realtime session's upstream message, read for its usage (never changed). */
export function advancedUpstreamFrame(kong: Kong, frame: WebSocketFrame): void {
  realtimeFrame(balanced(kong)?.x, frame)
}

/** ws_client_frame: a Gemini Live session's client message, read for its setup. */
export function advancedClientFrame(kong: Kong, frame: WebSocketFrame): WebSocketClientVerdict {
  return realtimeClientFrame(balanced(kong)?.x, frame)
}

/** log: the request leaves its target; the balancers learn from a complete LLM answer's outcome. */
export function advancedLog(kong: Kong): void {
  const b = balanced(kong)
  if (!b) return
  b.release()
  // with Kong's other ai.proxy statistics: only where a tried target logs them
  if (b.attempts.some((p) => p.c.statistics)) kong.log.setSerializeValue('ai.proxy.tried_targets', triedTargets(b.attempts))
  exchangeLog(kong, b.x)
  const o = b.x.outcome
  if (!b.rt.balancer.report || o === null || o.ending !== 'complete' || o.response === 'none') return
  try {
    b.rt.learn(b.current, o, Date.now())
  } catch (err) {
    log.debug({ err }, 'no balancer datapoint for this answer')
  }
}
