// Everything about one plugin config that outlives a request, built once per config load (Kong's
// ai-proxy-advanced-setup filter: one balancer per plugin, state reset when the config changes):
// each target merged with the top-level fields into the config the shared LLM stages run on (and
// compiled), the balancer, the circuit breaker, the failover policy, the model-alias index, the
// semantic router, and the membership of the shared state when balancer.redis is set.
import { createHash } from 'node:crypto'
import { pluginLog } from '../../core/log.ts'
import { compiledConf, type CompiledConf } from '../llm/pipeline/compile.ts'
import type { LlmConf } from '../llm/pipeline/conf.ts'
import type { AdvancedConf } from './schema.ts'
import type { Balancer, Datapoint } from './balancers/types.ts'
import type { LlmOutcome } from '../llm/outcome/llm-outcome.ts'
import { createBalancer } from './balancers/create-balancer.ts'
import { CircuitBreaker } from './circuit-breaker.ts'
import { FailoverPolicy } from './failover.ts'
import type { SharedState, StateChannel, StateEvent } from './state/types.ts'
import { redisState } from './state/redis-state.ts'
import { createSemanticRouter, type SemanticRouter } from './semantic/router.ts'
import { TargetAcl } from './acls.ts'

const log = pluginLog('ai-proxy-advanced')

export interface Target {
  readonly index: number
  /** the target merged with the plugin's top-level fields: what the LLM stages run on */
  readonly conf: LlmConf
  /** null when the target cannot run (no driver for its provider): it is never picked */
  readonly compiled: CompiledConf | null
}

export interface RuntimeDeps {
  /** overrides balancer.redis (tests share state in memory) */
  shared?: SharedState | null
  now?: () => number
}

function mergedConf(conf: AdvancedConf, t: AdvancedConf['targets'][number]): LlmConf {
  return Object.freeze({
    route_type: t.route_type,
    llm_format: conf.llm_format,
    response_streaming: conf.response_streaming,
    max_request_body_size: conf.max_request_body_size,
    model_name_header: conf.model_name_header,
    logging: t.logging,
    auth: t.auth,
    model: t.model,
  }) as LlmConf
}

function tryCompile(c: LlmConf): CompiledConf | null {
  try {
    return compiledConf(c)
  } catch (err) {
    log.error({ err, provider: c.model.provider }, 'ai-proxy-advanced target cannot be used')
    return null
  }
}

export class Runtime {
  readonly targets: readonly Target[]
  readonly balancer: Balancer
  readonly breaker: CircuitBreaker
  readonly policy: FailoverPolicy
  readonly semantic: SemanticRouter | null
  /** the compiled `acls`, null when none are configured */
  readonly acl: TargetAcl | null
  /** the compiled target the client's request is parsed with (the parse depends only on top-level fields) */
  readonly parseWith: CompiledConf | null
  /** the answer's tokens are needed although log_statistics may be off */
  readonly needsUsage: boolean
  private readonly byModel: Map<string, Uint8Array>
  private readonly channel: StateChannel | null

  constructor(readonly conf: AdvancedConf, deps: RuntimeDeps = {}) {
    const b = conf.balancer
    this.targets = conf.targets.map((t, index) => {
      const merged = mergedConf(conf, t)
      return { index, conf: merged, compiled: tryCompile(merged) }
    })
    this.parseWith = this.targets.find((t) => t.compiled !== null)?.compiled ?? null
    const now = deps.now ?? Date.now
    this.balancer = createBalancer(b, conf.targets.map((t, i) => ({ weight: t.weight, key: `${i}:${t.model.provider}/${t.model.name ?? ''}` })), now)
    this.breaker = new CircuitBreaker(conf.targets.length, b.max_fails, b.fail_timeout)
    this.policy = new FailoverPolicy(b.failover_criteria)
    this.needsUsage = b.algorithm === 'lowest-usage' || (b.algorithm === 'lowest-latency' && b.latency_strategy === 'tpot')
    this.byModel = this.modelIndex()
    this.semantic = b.algorithm === 'semantic' ? createSemanticRouter(conf, namespace(conf)) : null
    this.acl = conf.acls ? new TargetAcl(conf.acls, conf.targets.map((t) => ({ provider: t.model.provider, names: [t.model.name, t.model.model_alias].filter((n): n is string => !!n) }))) : null
    const shared = deps.shared !== undefined ? deps.shared : b.redis ? redisState(b.redis) : null
    this.channel = shared ? shared.join(namespace(conf), (e) => this.apply(e)) : null
  }

  /**
   * model_alias (Kong 3.14): a request's `model` picks the targets carrying it as alias, else
   * those configured with that model name; a model no target names leaves the choice open (the
   * picked target then answers Kong's "cannot use own model" 400).
   */
  private modelIndex(): Map<string, Uint8Array> {
    const n = this.targets.length
    const add = (m: Map<string, Uint8Array>, k: string | null | undefined, i: number): void => {
      if (!k) return
      let mask = m.get(k)
      if (!mask) m.set(k, (mask = new Uint8Array(n)))
      mask[i] = 1
    }
    const alias = new Map<string, Uint8Array>()
    const name = new Map<string, Uint8Array>()
    this.conf.targets.forEach((t, i) => { add(alias, t.model.model_alias, i); add(name, t.model.name, i) })
    for (const [k, mask] of name) if (!alias.has(k)) alias.set(k, mask)
    return alias
  }

  /** the targets a request for `model` may use (null: all) */
  candidatesFor(model: string | null): Uint8Array | null {
    return model === null ? null : this.byModel.get(model) ?? null
  }

  failure(i: number, at: number): void {
    if (!this.breaker.enabled) return
    this.breaker.failure(i, at)
    this.channel?.publish({ k: 'fail', t: i, at })
  }

  success(i: number): void {
    if (this.breaker.success(i)) this.channel?.publish({ k: 'close', t: i })
  }

  /**
   * Target i's complete LLM answer: what the learning balancers take from its outcome (the
   * target's latency, the tokens and the cost as logged), here and, through the shared state, on
   * the other workers and nodes. `at` is Date.now().
   */
  learn(i: number, o: LlmOutcome, at: number): void {
    const u = o.usage
    this.report(i, { e2eMs: o.targetLatencyMs, promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, totalTokens: u.total_tokens, cost: o.cost }, at)
  }

  report(i: number, d: Datapoint, at: number): void {
    if (!this.balancer.report) return
    this.balancer.report(i, d, at)
    this.channel?.publish({ k: 'data', t: i, at, d })
  }

  /** another worker's or node's event */
  private apply(e: StateEvent): void {
    if (e.t < 0 || e.t >= this.targets.length) return
    if (e.k === 'fail') this.breaker.failure(e.t, e.at)
    else if (e.k === 'close') this.breaker.reset(e.t)
    else this.balancer.report?.(e.t, e.d, e.at)
  }

  /** settles when events from the other workers and nodes can arrive */
  get sharedReady(): Promise<void> {
    return this.channel?.ready ?? Promise.resolve()
  }

  dispose(): void {
    this.channel?.leave()
  }
}

/**
 * The shared-state namespace: the same on every node running the same config (Kong keys its
 * balancers by plugin id, which declarative configs derive from content as well).
 */
function namespace(conf: AdvancedConf): string {
  const { redis: _r, ...balancer } = conf.balancer
  return createHash('sha256').update(JSON.stringify([conf.targets, balancer])).digest('hex').slice(0, 32)
}

const runtimes = new WeakMap<object, Runtime>()
let live = new Set<Runtime>()

/** The runtime of a config (built on first use, then cached for the life of the config object). */
export function runtimeFor(conf: AdvancedConf): Runtime {
  let rt = runtimes.get(conf)
  if (!rt) {
    runtimes.set(conf, (rt = new Runtime(conf)))
    live.add(rt)
  }
  return rt
}

/** configure: build the runtimes of a new config, and let go of the previous config's. */
export function configureRuntimes(configs: readonly AdvancedConf[]): void {
  const next = new Set(configs.map(runtimeFor))
  for (const rt of live) if (!next.has(rt)) rt.dispose()
  live = next
}
