// The scores lowest-latency and lowest-usage rank targets by (Kong's peak EWMA, decay τ = 10 s):
// each datapoint moves a target's average by 1 - e^(-Δt/τ), Δt the time since its previous one,
// so recent answers weigh more; a datapoint above the average replaces it at once (the "peak"),
// so a target turning slow or expensive is avoided at the next pick, and forgiven gradually. A target without datapoints starts at the mean of the others (slow
// start: it is tried without being flooded), and a target that has had none for a while drifts
// back towards the mean, so one that was slow gets probed again instead of being shunned forever.
import type { BalancerTarget, Datapoint, PickContext } from './types.ts'
const TAU_MS = 10_000

export class DecayingAverages {
  private readonly value: Float64Array
  private readonly at: Float64Array
  private readonly seen: Uint8Array

  constructor(n: number, private readonly tauMs = TAU_MS) {
    this.value = new Float64Array(n)
    this.at = new Float64Array(n)
    this.seen = new Uint8Array(n)
  }

  add(i: number, v: number, now: number): void {
    if (!Number.isFinite(v) || v < 0) return
    if (!this.seen[i] || v > this.value[i]!) {
      this.value[i] = v
      this.seen[i] = 1
    } else {
      const w = Math.exp(-Math.max(0, now - this.at[i]!) / this.tauMs)
      this.value[i] = this.value[i]! * w + v * (1 - w)
    }
    this.at[i] = now
  }

  private mean(): number {
    let sum = 0
    let k = 0
    for (let i = 0; i < this.value.length; i++) if (this.seen[i]) { sum += this.value[i]!; k++ }
    return k === 0 ? 0 : sum / k
  }

  /** the score of each target now (lower is better) */
  scores(now: number, out: Float64Array): void {
    const mean = this.mean()
    for (let i = 0; i < this.value.length; i++) {
      if (!this.seen[i]) { out[i] = mean; continue }
      const stale = Math.exp(-Math.max(0, now - this.at[i]!) / this.tauMs)
      out[i] = mean + (this.value[i]! - mean) * stale
    }
  }
}

/** scores within this fraction of each other count as equal (and share the traffic) */
const TIE = 0.01

/** The usable target with the lowest score ÷ weight; ties (within 1%) go round the targets. */
export function lowest(scores: Float64Array, weights: readonly number[], turn: number, usable: (i: number) => boolean): number {
  const n = weights.length
  let best = -1
  let bestScore = Infinity
  for (let k = 0; k < n; k++) {
    const i = (turn + k) % n
    if (!usable(i)) continue
    const s = scores[i]! / weights[i]!
    if (best < 0 || s < bestScore * (1 - TIE)) { best = i; bestScore = s }
  }
  return best
}

/**
 * The EWMA balancers (lowest-latency, lowest-usage): pick the lowest decaying average for the
 * weight among usable targets, rotating the starting point so ties spread; subclasses say what a
 * datapoint measures (null = this answer says nothing, e.g. tpot without completion tokens).
 */
export abstract class LowestAverageBalancer {
  private readonly weights: number[]
  private readonly averages: DecayingAverages
  private readonly scores: Float64Array
  private turn = 0

  constructor(targets: readonly BalancerTarget[], private readonly now: () => number) {
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
    const v = this.measure(d)
    if (v !== null) this.averages.add(i, v, at)
  }

  protected abstract measure(d: Datapoint): number | null
}
