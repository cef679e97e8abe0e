// The one merge of `model.options` into the request (normalize-request does it once, before any
// driver sees the request): the request's own temperature, top_p, top_k and max_tokens win, the
// plugin's options fill in what it leaves out (the project's rule, Kong 3.7's "options are just
// defaults"; Kong 3.10's merge_config_defaults let the plugin win). Drivers read the merged
// request only and never merge model.options again, so every provider applies the same rule.
import type { LlmRequest, ModelOptions } from '../types.ts'

const TUNING = ['temperature', 'top_p', 'top_k'] as const

/** The request with the plugin's defaults added; the request itself when none applies (no copy). */
export function withOptionDefaults(req: LlmRequest, o: ModelOptions): LlmRequest {
  let out = req
  const edit = (): LlmRequest => (out === req ? (out = { ...req }) : out)
  // max_completion_tokens is the newer name of the same limit: a request with it has its limit
  if (o.max_tokens !== undefined && req.max_tokens === undefined && req.max_completion_tokens === undefined) edit().max_tokens = o.max_tokens
  for (const k of TUNING) if (o[k] !== undefined && req[k] === undefined) edit()[k] = o[k]
  return out
}
