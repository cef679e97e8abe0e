// Lowest-usage (Kong 3.8): the target with the lowest decaying average usage per answer for its
// weight, by `tokens_count_strategy`: total, prompt or completion tokens, or cost (from the
// target's priced cost). `llm-accuracy` needs Kong's LLM-as-judge plugin, which this gateway does
// not have: the config check refuses it with lowest-usage (schema.ts).
import type { Balancer, BalancerTarget, Datapoint } from './types.ts'
import { LowestAverageBalancer } from './decaying-average.ts'

export type TokensCountStrategy = 'total-tokens' | 'prompt-tokens' | 'completion-tokens' | 'cost' | 'llm-accuracy'

function measure(d: Datapoint, s: TokensCountStrategy): number {
  switch (s) {
    case 'prompt-tokens': return d.promptTokens
    case 'completion-tokens': return d.completionTokens
    case 'cost': return d.cost
    default: return d.totalTokens
  }
}

export class LowestUsage extends LowestAverageBalancer implements Balancer {
  readonly algorithm = 'lowest-usage' as const

  constructor(targets: readonly BalancerTarget[], private readonly strategy: TokensCountStrategy, now: () => number = Date.now) {
    super(targets, now)
  }

  protected measure(d: Datapoint): number {
    return measure(d, this.strategy)
  }
}
