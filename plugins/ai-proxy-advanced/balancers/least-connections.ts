// Least-connections (Kong 3.13): the target with the fewest requests in flight for its weight
// (its capacity), counted from the pick to the end of the answer. Ties go round the targets so
// equal ones share the load. Counts are this worker's own: in-flight requests are local.
import type { Balancer, BalancerTarget, PickContext } from './types.ts'

export class LeastConnections implements Balancer {
  readonly algorithm = 'least-connections' as const
  private readonly weights: number[]
  private readonly inflight: number[]
  private turn = 0

  constructor(targets: readonly BalancerTarget[]) {
    this.weights = targets.map((t) => t.weight)
    this.inflight = targets.map(() => 0)
  }

  pick(p: PickContext): number {
    const n = this.weights.length
    let best = -1
    let bestScore = Infinity
    for (let k = 0; k < n; k++) {
      const i = (this.turn + k) % n
      if (!p.usable(i)) continue
      const score = (this.inflight[i]! + 1) / this.weights[i]!
      if (score < bestScore) { best = i; bestScore = score }
    }
    this.turn = (this.turn + 1) % n
    return best
  }

  begin(i: number): void { this.inflight[i]!++ }
  end(i: number): void { if (this.inflight[i]! > 0) this.inflight[i]!-- }
}
