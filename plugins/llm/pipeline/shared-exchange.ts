// ai-proxy's (or ai-proxy-advanced's) exchange, published to the plugins that run after it in the
// same request (Kong's shared LLM context): the semantic cache reads the resolved provider and model
// for its namespace, the client's parsed request, and at the end the answer the handler read. The
// exchange stays ai-proxy's: readers get a read-only view; the one thing a later plugin tells
// back is what the cache did (`reportCache`), which the exchange's LlmOutcome then carries.
import type { Kong } from '../../../pdk/index.ts'
import type { TokenUsage } from '../types.ts'
import type { LlmCacheStatus } from '../outcome/llm-outcome.ts'
import type { LlmExchange } from './state.ts'

const EXCHANGE = 'llm.exchange'
const CACHE = 'llm.cache'

/** What a plugin after ai-proxy sees of its exchange (it never writes it). */
export type SharedExchange = Readonly<Pick<LlmExchange, 'parsed' | 'prepared' | 'handler' | 'outcome'>>

/** What the cache did for this request, and on a hit the cached answer's tokens and model. */
export interface CacheReport {
  readonly status: Exclude<LlmCacheStatus, 'none'>
  readonly usage: TokenUsage | null
  readonly model: string | null
}

/** access of ai-proxy / ai-proxy-advanced: the exchange becomes visible to later plugins. */
export function shareExchange(kong: Kong, x: LlmExchange): void {
  kong.ctx.shared[EXCHANGE] = x
}

/**
 * An own property of kong.ctx.shared (never one inherited from Object.prototype), read without
 * Object.getOwnPropertyDescriptor: its descriptor object was an allocation per read, and these are
 * read on every LLM request.
 */
function own(kong: Kong, key: string): unknown {
  const shared = kong.ctx.shared
  return Object.hasOwn(shared, key) ? shared[key] : undefined
}

export function sharedExchange(kong: Kong): SharedExchange | null {
  return (own(kong, EXCHANGE) as SharedExchange | undefined) ?? null
}

/** Set by the cache before the response ends (access or header_filter), read when the outcome is built. */
export function reportCache(kong: Kong, report: CacheReport): void {
  kong.ctx.shared[CACHE] = report
}

export function cacheReport(kong: Kong): CacheReport | null {
  return (own(kong, CACHE) as CacheReport | undefined) ?? null
}
