// Lowest-usage (Kong 3.8): the target with the lowest decaying average usage per answer for its
// weight, by `tokens_count_strategy`: total, prompt or completion tokens, or cost (from the
// target's input_cost/output_cost). `llm-accuracy` needs Kong's LLM-as-judge plugin, which this
// gateway does not have: it ranks by total tokens.
import type { Balancer, BalancerTarget, Datapoint, PickContext } from './types.ts'
import { DecayingAverages, lowest } from './decaying-average.ts'

export type TokensCountStrategy = 'total-tokens' | 'prompt-tokens' | 'completion-tokens' | 'cost' | 'llm-accuracy'

function measure(d: Datapoint, s: TokensCountStrategy): number {
  switch (s) {
    case 'prompt-tokens': return d.promptTokens
    case 'completion-tokens': return d.completionTokens
    case 'cost': return d.cost
    default: return d.totalTokens
  }
}

export class LowestUsage implements Balancer {
  readonly algorithm = 'lowest-usage' as const
  private readonly weights: number[]
  private readonly averages: DecayingAverages
  private readonly scores: Float64Array
  private turn = 0

  constructor(targets: readonly BalancerTarget[], private readonly strategy: TokensCountStrategy, private readonly now: () => number = Date.now) {
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
    this.averages.add(i, measure(d, this.strategy), at)
  }
}
