// Lowest-latency (Kong 3.8): the target with the lowest decaying average latency for its weight.
// `latency_strategy` tpot: ms per completion token (answers of different lengths compare fairly);
// e2e: ms from sending the request to the answer's end.
import type { Balancer, BalancerTarget, Datapoint } from './types.ts'
import { LowestAverageBalancer } from './decaying-average.ts'

export class LowestLatency extends LowestAverageBalancer implements Balancer {
  readonly algorithm = 'lowest-latency' as const

  constructor(targets: readonly BalancerTarget[], private readonly strategy: 'tpot' | 'e2e', now: () => number = Date.now) {
    super(targets, now)
  }

  protected measure(d: Datapoint): number | null {
    if (this.strategy === 'e2e') return d.e2eMs
    return d.completionTokens > 0 ? d.e2eMs / d.completionTokens : null
  }
}
