// What a provider says about an answer's prompt cache and service tier, beside its token counts:
// what Kong 3.14's cost fields price (cost.ts). Kept on the TokenUsage object under a symbol, not
// enumerable, because usage objects are copied into client answers (`{...usage}`, JSON) and these
// are not OpenAI usage fields: neither a spread nor JSON.stringify sees it. (A WeakMap keyed by the
// usage cost an ephemeron entry per answer, which every GC then traces: most OpenAI answers name
// a service tier, so nearly every request made one.) The extractors that know them attach them
// (pipeline/usage.ts for OpenAI-shaped answers, the anthropic, gemini and bedrock decoders); a
// copy of the usage carries none, so an answer priced from a copy is priced without them.
import type { TokenUsage } from '../types.ts'

export interface UsageDetails {
  /** prompt tokens read from the prompt cache */
  readonly cacheRead: number
  /** prompt tokens written to the prompt cache */
  readonly cacheWrite: number
  /** of cacheWrite, per cache TTL (`5m`, `1h`: Anthropic's ephemeral cache), when the provider says */
  readonly cacheWriteByTtl: readonly (readonly [ttl: string, tokens: number])[]
  /** the service tier the provider reports (`default`, `priority`, `flex`, ...) */
  readonly serviceTier: string | null
  /** prompt_tokens counts the cached tokens too (OpenAI, Anthropic as decoded, Gemini); Bedrock's does not */
  readonly promptIncludesCache: boolean
}

const DETAILS = Symbol('usage details')

/**
 * A usage made with its details (OpenAI-shaped answers, read on nearly every request: most name a
 * service tier): the details sit in a private field, which spread, JSON and toEqual do not see,
 * like the symbol property, but without a defineProperty and its descriptor per answer (1.6 % of
 * an ai-proxy request's CPU in a profile of the bundle).
 */
class DetailedUsage implements TokenUsage {
  readonly #details: UsageDetails
  constructor(public prompt_tokens: number, public completion_tokens: number, public total_tokens: number, details: UsageDetails) {
    this.#details = details
  }

  static detailsOf(u: TokenUsage): UsageDetails | undefined {
    return #details in u ? u.#details : undefined
  }
}

function says(d: UsageDetails): boolean {
  return d.cacheRead > 0 || d.cacheWrite > 0 || d.serviceTier !== null
}

/** A new usage of these counts carrying `d` when it says anything (what withDetails does to a fresh object, cheaper). */
export function usageWithDetails(prompt: number, completion: number, total: number, d: UsageDetails): TokenUsage {
  return says(d) ? new DetailedUsage(prompt, completion, total, d) : { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total }
}
/** details of a usage object that cannot take a property (frozen) */
const frozenDetails = new WeakMap<TokenUsage, UsageDetails>()

/** Attaches `d` to `usage` when it says anything; returns `usage`. */
export function withDetails(usage: TokenUsage, d: UsageDetails): TokenUsage {
  if (says(d)) {
    if (Object.isExtensible(usage)) Object.defineProperty(usage, DETAILS, { value: d, writable: true, configurable: true, enumerable: false })
    else frozenDetails.set(usage, d)
  }
  return usage
}

export function detailsOf(usage: TokenUsage): UsageDetails | undefined {
  return DetailedUsage.detailsOf(usage) ?? (Object.hasOwn(usage, DETAILS) ? (usage as unknown as Record<symbol, UsageDetails>)[DETAILS] : frozenDetails.get(usage))
}

/** shared by every details record without per-TTL writes (read-only) */
const NO_TTLS: UsageDetails['cacheWriteByTtl'] = Object.freeze([])

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0)

/** OpenAI's cached prompt tokens: chat `prompt_tokens_details`, Responses `input_tokens_details`. */
export function openAiDetails(u: Record<string, unknown>, serviceTier: string | null): UsageDetails {
  const d = (u.prompt_tokens_details ?? u.input_tokens_details) as Record<string, unknown> | undefined
  const read = d !== null && typeof d === 'object' ? n(d.cached_tokens) : 0
  return { cacheRead: read, cacheWrite: 0, cacheWriteByTtl: NO_TTLS, serviceTier, promptIncludesCache: true }
}

export const nonNegative = n
