// Lowest-latency (Kong 3.8): the target with the lowest decaying average latency for its weight.
// `latency_strategy` tpot: ms per completion token (answers of different lengths compare fairly);
// e2e: ms from sending the request to the answer's end.
import type { Balancer, BalancerTarget, Datapoint, PickContext } from './types.ts'
import { DecayingAverages, lowest } from './decaying-average.ts'

export class LowestLatency implements Balancer {
  readonly algorithm = 'lowest-latency' as const
  private readonly weights: number[]
  private readonly averages: DecayingAverages
  private readonly scores: Float64Array
  private turn = 0

  constructor(targets: readonly BalancerTarget[], private readonly strategy: 'tpot' | 'e2e', private readonly now: () => number = Date.now) {
    this.weights = targets.map((t) => t.weight)
    this.averages = new DecayingAverages(targets.length)
    this.scores = new Float64Array(targets.length)
  }

  pick(p: PickContext): number {
    this.averages.scores(this.now(), this.scores)
    const i = lowest(this.scores, this.weights, this.turn, (k) => p.usable(k))
    this.turn = (this.turn + 1) % this.weights.length
    return i
  }

  report(i: number, d: Datapoint, at: number): void {
    if (this.strategy === 'e2e') this.averages.add(i, d.e2eMs, at)
    else if (d.completionTokens > 0) this.averages.add(i, d.e2eMs / d.completionTokens, at)
  }
}
