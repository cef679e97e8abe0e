// The balancer contract (Kong's ai-proxy-advanced balancer/*.lua, one file per algorithm): pick a
// target index synchronously, without I/O; learn from what happened. Targets are indices into
// the plugin's targets[]; a request's own exclusions (tried targets, open circuits, the model
// alias or the semantic match) come in the PickContext, so balancers keep no per-request state.
import type { Algorithm } from '../schema.ts'

export interface PickContext {
  /** may this target serve this request (not tried yet, circuit closed, among the candidates) */
  usable(i: number): boolean
  /** consistent-hashing's key (the value of balancer.hash_on_header, or the request id) */
  readonly hashKey: string
}

/** What one answer measured, for the algorithms that learn from answers. */
export interface Datapoint {
  /** ms from sending the request to the answer's end */
  readonly e2eMs: number
  readonly promptTokens: number
  readonly completionTokens: number
  readonly totalTokens: number
  /** cost of the request from the target's input_cost / output_cost, 0 when unset */
  readonly cost: number
}

export interface Balancer {
  readonly algorithm: Algorithm
  /** the target for this request, or -1 when no usable target is left */
  pick(p: PickContext): number
  /** a request went to target i (least-connections counts it until `end`) */
  begin?(i: number): void
  end?(i: number): void
  /** target i answered (lowest-latency, lowest-usage learn from it); `at` is Date.now() */
  report?(i: number, d: Datapoint, at: number): void
}

/** What a balancer is built from (once per config load). */
export interface BalancerTarget {
  readonly weight: number
  /** stable identity for hashing (same on every node running the same config) */
  readonly key: string
}
