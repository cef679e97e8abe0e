// A plugin that consumes a request's LlmOutcome tokens (a token rate limit) asks for them in its
// access phase, before ai-proxy's: the LLM pipeline then reads the answer's usage even when
// log_statistics and log_payloads are off (it skips that work otherwise).
import type { Kong } from '../../../pdk/index.ts'

const KEY = 'llm.usage_wanted'

/** Access phase, before ai-proxy(-advanced): this request's outcome must carry its usage. */
export function requestUsage(kong: Kong): void {
  kong.ctx.shared[KEY] = true
}

export function usageRequested(kong: Kong): boolean {
  return Object.hasOwn(kong.ctx.shared, KEY)
}
