// balancer.failover_criteria (Kong 3.10), read as nginx's proxy_next_upstream, which it mirrors:
// which outcomes of an attempt send the request to the next target, and which of them count
// against a target's circuit (Kong 3.13: error, timeout and invalid_header always; 403 and 404
// never; other statuses when listed). A request that reached the upstream with a non-idempotent
// method (POST: every LLM call) is sent again only when `non_idempotent` is listed, as in nginx;
// one that never left (connection refused, connect timeout) always may be.
import type { UpstreamOutcome } from '../../core/runloop/context.ts'
import { IDEMPOTENT_METHODS, NAME_NOT_RESOLVED_CODES, NOT_SENT_CODES } from '../../core/proxy/retryable-errors.ts'
import type { FailoverCriterion } from './schema.ts'

export type FailureKind = 'error' | 'timeout' | 'invalid_header' | 'http'

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])
const NEVER_COUNTED = new Set([403, 404])

export function kindOf(outcome: UpstreamOutcome): FailureKind {
  if (outcome.error === null) return 'http'
  const code = outcome.error.code ?? ''
  if (TIMEOUTS.has(code)) return 'timeout'
  if (code.startsWith('HPE_') || code === 'UND_ERR_INFO') return 'invalid_header'
  return 'error'
}

export class FailoverPolicy {
  /** statuses whose answers are held back and offered to the failover */
  readonly statuses: ReadonlySet<number>
  private readonly kinds: ReadonlySet<FailoverCriterion>
  private readonly nonIdempotent: boolean

  constructor(criteria: readonly FailoverCriterion[]) {
    this.kinds = new Set(criteria)
    this.nonIdempotent = this.kinds.has('non_idempotent')
    const statuses = new Set<number>()
    for (const c of criteria) if (c.startsWith('http_')) statuses.add(Number(c.slice(5)))
    this.statuses = statuses
  }

  /** failures before any answer are worth looking at: failover on them, or count them */
  wantsErrors(breaker: boolean): boolean {
    return breaker || this.kinds.has('error') || this.kinds.has('timeout') || this.kinds.has('invalid_header')
  }

  /** does this outcome count against the target's circuit */
  counts(outcome: UpstreamOutcome): boolean {
    if (outcome.error !== null) return true
    return !NEVER_COUNTED.has(outcome.status) && this.statuses.has(outcome.status)
  }

  /** may this outcome move the request to the next target */
  failsOver(outcome: UpstreamOutcome, method: string): boolean {
    const kind = kindOf(outcome)
    if (kind === 'http') {
      if (!this.statuses.has(outcome.status)) return false
    } else if (!this.kinds.has(kind)) return false
    if (this.nonIdempotent || IDEMPOTENT_METHODS.has(method)) return true
    const code = outcome.error?.code ?? ''
    return outcome.error !== null && (NOT_SENT_CODES.has(code) || NAME_NOT_RESOLVED_CODES.has(code))
  }
}
