// The one error catalog. Every error Tollgate raises is created here with a stable code, the HTTP
// status it maps to and, where it reaches a client, Kong's exact message. Tests assert `code`.
// A brand (Symbol.for) instead of instanceof, so a plugin bundled with its own copy of core still
// recognises our errors.

const BRAND = Symbol.for('tollgate.error')

export interface GatewayError extends Error {
  readonly code: string
  readonly status: number
  /** extra structured data (e.g. Kong's `fields` for config errors) */
  readonly details?: unknown
  readonly [BRAND]: true
}

export interface ErrorFactory<A extends unknown[]> {
  (...args: A): GatewayError
  readonly code: string
  readonly status: number
}

/**
 * One error kind: a stable code, its HTTP status and how its message is written. Core defines its
 * own below; a library that raises its own kinds (the LLM layer) defines them with this factory, so
 * every error everywhere carries the same brand, code and status.
 */
export function defineError<A extends unknown[]>(code: string, status: number, message: (...args: A) => string): ErrorFactory<A> {
  const factory = (...args: A): GatewayError => {
    const err = new Error(message(...args)) as Error & { code: string; status: number; [BRAND]: true }
    err.name = 'GatewayError'
    err.code = code
    err.status = status
    err[BRAND] = true
    return err as GatewayError
  }
  return Object.assign(factory, { code, status })
}

export function isGatewayError(e: unknown): e is GatewayError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true
}

/** Attach a cause and structured details without losing the brand. */
export function withDetails<E extends GatewayError>(err: E, details: unknown, cause?: unknown): E {
  Object.defineProperty(err, 'details', { value: details, enumerable: false })
  if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause, enumerable: false })
  return err
}

// Kong's proxy messages (kong/runloop/handler.lua and kong/tools/http.lua). Clients and tests match these byte for byte.
export const KONG_MESSAGES = {
  noRoute: 'no Route matched with those values',
  noService: 'no Service found with those values',
  unexpected: 'An unexpected error occurred',
  badGateway: 'An invalid response was received from the upstream server',
  unavailable: 'The upstream server is currently unavailable',
  timeout: 'The upstream server is timing out',
  payloadTooLarge: 'Payload too large',
  badRequest: 'Bad request',
  useHttps: 'Please use HTTPS protocol',
} as const

export const errors = {
  // ---- proxy (request time) ----
  noRoute: defineError('GW_ERR_NO_ROUTE', 404, () => KONG_MESSAGES.noRoute),
  noService: defineError('GW_ERR_NO_SERVICE', 503, () => KONG_MESSAGES.noService),
  upstreamBad: defineError('GW_ERR_UPSTREAM', 502, () => KONG_MESSAGES.badGateway),
  upstreamTimeout: defineError('GW_ERR_UPSTREAM_TIMEOUT', 504, () => KONG_MESSAGES.timeout),
  upstreamUnavailable: defineError('GW_ERR_UPSTREAM_UNAVAILABLE', 503, () => KONG_MESSAGES.unavailable),
  bodyTooLarge: defineError('GW_ERR_BODY_TOO_LARGE', 413, () => KONG_MESSAGES.payloadTooLarge),
  pluginFailed: defineError('GW_ERR_PLUGIN', 500, (plugin: string, phase: string) => `plugin '${plugin}' failed in ${phase}`),

  // ---- config (load time) ----
  configInvalid: defineError('GW_ERR_CONFIG', 400, (message: string) => message),
  configParse: defineError('GW_ERR_CONFIG_PARSE', 400, (message: string) => `failed parsing declarative configuration: ${message}`),
  configEmpty: defineError('GW_ERR_CONFIG_EMPTY', 400, () => 'expected a declarative configuration'),
  vaultReference: defineError('GW_ERR_VAULT', 400, (ref: string, why: string) => `could not resolve reference ${ref} (${why})`),

  // ---- plugins (load time) ----
  pluginInvalid: defineError('GW_ERR_PLUGIN_INVALID', 500, (plugin: string, why: string) => `Plugin "${plugin}" cannot be loaded because ${why}`),
  pluginNotFound: defineError('GW_ERR_PLUGIN_NOT_FOUND', 500, (plugin: string, why: string) => `plugin '${plugin}' could not be loaded: ${why}`),

  // ---- PDK ----
  pdkPhase: defineError('GW_ERR_PDK_PHASE', 500, (phase: string, allowed: string) => `function cannot be called in ${phase} phase (only in: ${allowed})`),
  pdkArgument: defineError('GW_ERR_PDK_ARG', 500, (message: string) => message),


  // ---- Admin API (request time; messages never echo the refused value) ----
  adminForbiddenOrigin: defineError('GW_ERR_ADMIN_ORIGIN', 403, () => 'Origin not allowed'),
  adminForbiddenHost: defineError('GW_ERR_ADMIN_HOST', 403, () => 'Host not allowed'),
  adminUnauthorized: defineError('GW_ERR_ADMIN_TOKEN', 401, () => 'Invalid credentials. Token or User credentials required'),
  adminMediaType: defineError('GW_ERR_ADMIN_MEDIA_TYPE', 415, () => 'Unsupported Media Type'),

  // ---- start-up ----
  slowServer: defineError('GW_ERR_SLOW_SERVER', 500, (why: string) => why),
  listen: defineError('GW_ERR_LISTEN', 500, (address: string) => `could not listen on ${address}`),
} as const
