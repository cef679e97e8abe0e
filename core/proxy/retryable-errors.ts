// Which failed upstream attempts may be sent again, shared by the core's retries and
// ai-proxy-advanced's failover (nginx's proxy_next_upstream rules, which both mirror).

/** Methods that may be repeated once the request may have reached the upstream. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'])

/** The connection was never made: the request did not leave, any method may be sent again. */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])

/** The provider's name did not resolve (failover moves on to another target; the core's service host is resolved before). */
export const NAME_NOT_RESOLVED_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN'])

/** The connection broke after the request may have been sent: only idempotent methods are repeated. */
export const MAYBE_SENT_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'EPIPE', 'UND_ERR_CLOSED'])
