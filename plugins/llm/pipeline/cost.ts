// The one cost formula (Kong's ai-proxy `cost`): model.options.input_cost and output_cost are
// per million tokens; 0 unless both are set.
import type { ModelOptions, TokenUsage } from '../types.ts'

export function costOf(o: ModelOptions, u: TokenUsage): number {
  return o.input_cost !== undefined && o.output_cost !== undefined
    ? (u.prompt_tokens * o.input_cost + u.completion_tokens * o.output_cost) / 1e6
    : 0
}
