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
/** details of a usage object that cannot take a property (frozen) */
const frozenDetails = new WeakMap<TokenUsage, UsageDetails>()

/** Attaches `d` to `usage` when it says anything; returns `usage`. */
export function withDetails(usage: TokenUsage, d: UsageDetails): TokenUsage {
  if (d.cacheRead > 0 || d.cacheWrite > 0 || d.serviceTier !== null) {
    if (Object.isExtensible(usage)) Object.defineProperty(usage, DETAILS, { value: d, writable: true, configurable: true, enumerable: false })
    else frozenDetails.set(usage, d)
  }
  return usage
}

export function detailsOf(usage: TokenUsage): UsageDetails | undefined {
  return Object.hasOwn(usage, DETAILS) ? (usage as unknown as Record<symbol, UsageDetails>)[DETAILS] : frozenDetails.get(usage)
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0)

/** OpenAI's cached prompt tokens: chat `prompt_tokens_details`, Responses `input_tokens_details`. */
export function openAiDetails(u: Record<string, unknown>, serviceTier: string | null): UsageDetails {
  const d = (u.prompt_tokens_details ?? u.input_tokens_details) as Record<string, unknown> | undefined
  const read = d !== null && typeof d === 'object' ? n(d.cached_tokens) : 0
  return { cacheRead: read, cacheWrite: 0, cacheWriteByTtl: [], serviceTier, promptIncludesCache: true }
}

export const nonNegative = n
