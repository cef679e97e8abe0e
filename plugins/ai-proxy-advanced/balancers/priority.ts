// Priority (Kong 3.10): targets with the same weight form a group; the group with the highest
// weight takes all traffic, spread round-robin among its members, and the next group is used only
// while no member of the higher ones is usable (down, circuit open, already tried).
import type { Balancer, BalancerTarget, PickContext } from './types.ts'

export class Priority implements Balancer {
  readonly algorithm = 'priority' as const
  /** target indices per group, highest weight first */
  private readonly groups: number[][]
  private readonly next: number[]

  constructor(targets: readonly BalancerTarget[]) {
    const byWeight = new Map<number, number[]>()
    targets.forEach((t, i) => {
      const g = byWeight.get(t.weight)
      if (g) g.push(i)
      else byWeight.set(t.weight, [i])
    })
    this.groups = [...byWeight.entries()].sort((a, b) => b[0] - a[0]).map(([, g]) => g)
    this.next = this.groups.map(() => 0)
  }

  pick(p: PickContext): number {
    for (let g = 0; g < this.groups.length; g++) {
      const members = this.groups[g]!
      const n = members.length
      for (let k = 0; k < n; k++) {
        const at = (this.next[g]! + k) % n
        const i = members[at]!
        if (!p.usable(i)) continue
        this.next[g] = (at + 1) % n
        return i
      }
    }
    return -1
  }
}
