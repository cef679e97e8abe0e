// Anthropic: the Messages API for chat, the legacy Complete API for completions (Kong's
// kong/llm/drivers/anthropic.lua, with the later stop-reason, tool and structured-output fixes).
// https://docs.anthropic.com/en/api/messages
// https://docs.anthropic.com/en/api/messages-streaming
// https://docs.anthropic.com/en/api/complete
// Auth is the operator's `x-api-key` header (header strategy); this driver adds `anthropic-version`.
import { requireOption } from '../entity-checks.ts'
import type { RouteType, UpstreamTarget } from '../types.ts'
import type { ProviderRegistration } from '../registry.ts'
import { str } from '../schema-fields.ts'
import { encodeChatRequest, encodeCompletionsRequest } from './anthropic/encode-request.ts'
import { decodeChatResponse, decodeCompletionsResponse } from './anthropic/decode-response.ts'
import { createAnthropicStream } from './anthropic/stream-transcoder.ts'
import { ID_SEGMENT, nativeOperationPath, type NativeOperation } from './native-operations.ts'

const HOST = 'api.anthropic.com'

// Anthropic answers brotli when allowed; converted answers and per-chunk streams need plain bytes.
const IDENTITY = ['accept-encoding', 'identity'] as const
const NO_VERSION = [IDENTITY] as const
// the version is templatable per request, but in practice one value: keep its header list
let lastVersion = ''
let lastHeaders: readonly (readonly [string, string])[] = NO_VERSION

// https://docs.anthropic.com/en/api/messages-count-tokens  https://docs.anthropic.com/en/api/creating-message-batches
const BATCH = `/v1/messages/batches/${ID_SEGMENT}`
const NATIVE_OPERATIONS: readonly NativeOperation[] = [
  { method: 'POST', path: /^\/v1\/messages$/ },
  { method: 'POST', path: /^\/v1\/messages\/count_tokens$/ },
  { method: 'POST', path: /^\/v1\/messages\/batches$/ },
  { method: 'GET', path: /^\/v1\/messages\/batches$/ },
  { method: 'GET', path: new RegExp(`^${BATCH}$`) },
  { method: 'DELETE', path: new RegExp(`^${BATCH}$`) },
  { method: 'GET', path: new RegExp(`^${BATCH}/results$`) },
  { method: 'POST', path: new RegExp(`^${BATCH}/cancel$`) },
]

/**
 * An Anthropic SDK client behind a gateway route calls `<route>/v1/messages`, and also
 * `/v1/messages/count_tokens` or `/v1/messages/batches`: the API part of its path, when it is one
 * of the operations above (a route path without `/v1/` is a plain Messages call).
 */
function nativePath(clientPath: string, method: string | undefined): string {
  const at = clientPath.indexOf('/v1/')
  if (at < 0) return nativeOperationPath('anthropic', NATIVE_OPERATIONS, method, '/v1/messages')
  return nativeOperationPath('anthropic', NATIVE_OPERATIONS, method, clientPath.slice(at))
}

/** model.options fields of this provider */
export const anthropicOptions = { anthropic_version: str() }

export const anthropicDriver: ProviderRegistration = {
  options: anthropicOptions,
  id: 'anthropic',
  routes: new Set<RouteType>(['llm/v1/chat', 'llm/v1/completions', 'preserve']),
  streamUsage: true,
  checkOptions: (conf, out) => requireOption(conf, 'anthropic_version', 'anthropic provider', out),
  checkRoute(conf, out) {
    if (conf.route_type === 'llm/v1/completions' && conf.logging.log_statistics) out.push('anthropic does not support statistics when route_type is llm/v1/completions')
  },

  target(ctx): UpstreamTarget {
    if (ctx.route === 'preserve') {
      return { scheme: 'https', host: HOST, port: 443, path: ctx.clientPath, query: ctx.clientQuery || null }
    }
    const path = ctx.route === 'llm/v1/completions' ? '/v1/complete' : ctx.llmFormat === 'anthropic' ? nativePath(ctx.clientPath, ctx.clientMethod) : '/v1/messages'
    return { scheme: 'https', host: HOST, port: 443, path, query: null }
  },

  headers(ctx) {
    const version = ctx.model.options.anthropic_version
    if (!version) return NO_VERSION
    if (version !== lastVersion) {
      lastHeaders = [['anthropic-version', version], IDENTITY]
      lastVersion = version
    }
    return lastHeaders
  },

  encodeRequest(req, _raw, ctx) {
    if (ctx.route === 'llm/v1/chat') return JSON.stringify(encodeChatRequest(req, ctx))
    if (ctx.route === 'llm/v1/completions') return JSON.stringify(encodeCompletionsRequest(req, ctx))
    return null
  },

  decodeResponse(body, ctx) {
    if (ctx.route === 'llm/v1/completions') return decodeCompletionsResponse(body, ctx)
    if (ctx.route === 'llm/v1/chat') return decodeChatResponse(body, ctx)
    return { body: null, usage: null, model: null }
  },

  stream: (ctx) => createAnthropicStream(ctx),
}
