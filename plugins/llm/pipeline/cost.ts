// The one cost formula (Kong's ai-proxy `cost`, with Kong 3.14's cost fields). All costs are per
// million tokens; the cost is 0 unless input_cost and output_cost are both set (Kong's rule).
//
//   input  = uncached prompt × input_cost + cache reads × cache_read_cost
//          + cache writes × (the cache_write_cost_list entry of their TTL, else cache_write_cost)
//   cost   = (input × input_factor + completion × output_cost × output_factor) × tier factor / 1e6
//
// - cache reads and writes are what the provider reports beside the usage (usage-details.ts); a
//   cache cost left unset prices those tokens at input_cost (no discount assumed);
// - context_window_factor: the entry with the highest `above` that the prompt exceeds gives the
//   input and output factors (`above` is a token count, `200000`, or with a `k`/`m` suffix, `200k`);
// - service_tier_factor: the first entry whose `tier` is a case-insensitive substring of the tier
//   the provider reports multiplies the whole cost (1 when none matches or none is reported).
// The factor tables are read once per options object (configs are frozen for their snapshot).
import type { ModelOptions, TokenUsage } from '../types.ts'
import { detailsOf } from './usage-details.ts'

interface Factors {
  /** context windows, highest `above` first */
  readonly windows: readonly { above: number; input: number; output: number }[]
  readonly tiers: readonly { tier: string; factor: number }[]
  readonly writeByTtl: ReadonlyMap<string, number>
}

const ABOVE = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/

/** `200000`, `200k`, `1m` → tokens; NaN when it is none of these */
export function parseAbove(s: string): number {
  const m = ABOVE.exec(s)
  if (m === null) return Number.NaN
  const unit = m[2]!.toLowerCase()
  return Number(m[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1)
}

const factorsOf = new WeakMap<ModelOptions, Factors>()

function factors(o: ModelOptions): Factors {
  let f = factorsOf.get(o)
  if (f === undefined) {
    f = {
      windows: (o.context_window_factor ?? [])
        .map((w) => ({ above: parseAbove(w.above), input: w.input_factor, output: w.output_factor }))
        .filter((w) => !Number.isNaN(w.above))
        .sort((a, b) => b.above - a.above),
      tiers: (o.service_tier_factor ?? []).map((t) => ({ tier: t.tier.toLowerCase(), factor: t.factor })),
      writeByTtl: new Map((o.cache_write_cost_list ?? []).map((e) => [e.ttl, e.cost])),
    }
    factorsOf.set(o, f)
  }
  return f
}

export function costOf(o: ModelOptions, u: TokenUsage): number {
  if (o.input_cost === undefined || o.output_cost === undefined) return 0
  const d = detailsOf(u)
  const f = d !== undefined || o.context_window_factor !== undefined || o.service_tier_factor !== undefined ? factors(o) : null
  let input = u.prompt_tokens * o.input_cost
  if (d !== undefined) {
    const cached = d.cacheRead + d.cacheWrite
    const uncached = d.promptIncludesCache ? Math.max(0, u.prompt_tokens - cached) : u.prompt_tokens
    const writeCost = o.cache_write_cost ?? o.input_cost
    let writes = 0
    let written = 0
    for (const [ttl, tokens] of d.cacheWriteByTtl) {
      writes += tokens * (f!.writeByTtl.get(ttl) ?? writeCost)
      written += tokens
    }
    writes += Math.max(0, d.cacheWrite - written) * writeCost
    input = uncached * o.input_cost + d.cacheRead * (o.cache_read_cost ?? o.input_cost) + writes
  }
  let inputFactor = 1
  let outputFactor = 1
  const prompt = d !== undefined && !d.promptIncludesCache ? u.prompt_tokens + d.cacheRead + d.cacheWrite : u.prompt_tokens
  if (f !== null) {
    const w = f.windows.find((x) => prompt > x.above)
    if (w !== undefined) { inputFactor = w.input; outputFactor = w.output }
  }
  let tier = 1
  const reported = d?.serviceTier?.toLowerCase()
  if (f !== null && reported !== undefined) tier = f.tiers.find((t) => reported.includes(t.tier))?.factor ?? 1
  return (input * inputFactor + u.completion_tokens * o.output_cost * outputFactor) * tier / 1e6
}
