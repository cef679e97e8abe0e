// Weighted round-robin (Kong's default). nginx's smooth weighted round-robin: each pick adds every
// usable target's weight to its running score, takes the highest and subtracts the total, so over
// any Σweight consecutive picks each target is chosen exactly `weight` times, interleaved rather
// than in runs. Targets a request cannot use are left out of that pick only.
import type { Balancer, BalancerTarget, PickContext } from './types.ts'

export class RoundRobin implements Balancer {
  readonly algorithm = 'round-robin' as const
  private readonly weights: number[]
  private readonly current: number[]

  constructor(targets: readonly BalancerTarget[]) {
    this.weights = targets.map((t) => t.weight)
    this.current = targets.map(() => 0)
  }

  pick(p: PickContext): number {
    const w = this.weights
    const cur = this.current
    let best = -1
    let total = 0
    for (let i = 0; i < w.length; i++) {
      if (!p.usable(i)) continue
      cur[i]! += w[i]!
      total += w[i]!
      if (best < 0 || cur[i]! > cur[best]!) best = i
    }
    if (best >= 0) cur[best]! -= total
    return best
  }
}
