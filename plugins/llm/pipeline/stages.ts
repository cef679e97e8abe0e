// The shared stages as plugin phase handlers: what ai-proxy is made of, and what
// ai-proxy-advanced composes with its balancer (parse once, prepare per target). Per-request
// state (the LlmExchange) lives in kong.ctx.plugin. Errors with an LLM status answer
// `{"error":{"message":...}}` (Kong's bail); anything else is a plugin failure (Kong's 500).
import type { Kong } from '../../../pdk/index.ts'
import type { BodyChunk, WebSocketClientVerdict, WebSocketFrame } from '../../../core/plugins/contract.ts'
import { statusOf } from '../errors.ts'
import type { LlmConf } from './conf.ts'
import { compiledConf, type CompiledConf } from './compile.ts'
import type { ParsedRequest } from './state.ts'
import { readsImageEditForm, withImageEditForm } from '../drivers/image-edit-form.ts'
import { parseRequest } from './parse-request.ts'
import { normalizeRequest } from './normalize-request.ts'
import { responseHeaders } from './response-headers.ts'
import { endExchange } from './end-exchange.ts'
import { usageRequested } from '../outcome/usage-demand.ts'
import { newExchange, ONLY_TARGET, type LlmExchange } from './state.ts'
import { isRealtime, realtimeClientFrame, realtimeEnding, realtimeFrame } from '../realtime/realtime-stages.ts'
import { shareExchange } from './shared-exchange.ts'

const KEY = 'llm'

/** Answers with Kong's ai-proxy error body for an LLM error; rethrows anything else. */
export function bail(kong: Kong, e: unknown): void {
  const s = statusOf(e)
  if (!s) throw e
  kong.response.exit(s.status, { error: { message: s.message } })
}

function exchangeOf(kong: Kong): LlmExchange | undefined {
  return kong.ctx.plugin[KEY] as LlmExchange | undefined
}

/** access: parse, then prepare the one target's request; a promise only when credentials must be fetched. */
export function llmAccess(kong: Kong, conf: LlmConf): void | Promise<void> {
  try {
    const c = compiledConf(conf)
    const parsed = parseRequest(kong, c)
    // the OpenAI SDK's multipart images.edit, for a provider that converts edits from JSON
    if (readsImageEditForm(c, parsed)) {
      return withImageEditForm(parsed, kong.request.getHeader('content-type'))
        .then((p) => prepare(kong, c, p))
        .catch((e: unknown) => bail(kong, e))
    }
    return prepare(kong, c, parsed)
  } catch (e) {
    bail(kong, e)
  }
}

function prepare(kong: Kong, c: CompiledConf, parsed: ParsedRequest): void | Promise<void> {
  try {
    const x = newExchange(parsed, usageRequested(kong), ONLY_TARGET)
    kong.ctx.plugin[KEY] = x
    shareExchange(kong, x)
    const r = normalizeRequest(kong, x, c, 0)
    if (r) return r.catch((e: unknown) => bail(kong, e))
  } catch (e) {
    bail(kong, e)
  }
}

export function llmHeaderFilter(kong: Kong): void {
  const x = exchangeOf(kong)
  if (x) responseHeaders(kong, x)
}

/** body_filter: the chosen handler reads (and may replace) the chunk; the last one ends the exchange. */
export function exchangeBody(kong: Kong, x: LlmExchange, chunk: BodyChunk): void {
  if (x.handler !== null) x.handler.body(kong, chunk)
  if (chunk.eof) endExchange(kong, x, 'complete')
}

export function llmBodyFilter(kong: Kong, chunk: BodyChunk): void {
  const x = exchangeOf(kong)
  if (x) exchangeBody(kong, x, chunk)
}

/** log: a response that did not end in body_filter ended early (the client left, or the upstream failed mid-answer). */
export function exchangeLog(kong: Kong, x: LlmExchange): void {
  if (x.outcome !== null) return
  if (isRealtime(x)) return endExchange(kong, x, realtimeEnding(kong))
  endExchange(kong, x, kong.client.isAborted() ? 'client_aborted' : 'upstream_failed')
}

/** ws_upstream_frame: a realtime session's upstream message, read by its reader (never changed). */
export function llmUpstreamFrame(kong: Kong, frame: WebSocketFrame): void {
  realtimeFrame(exchangeOf(kong), frame)
}

/** ws_client_frame: a Gemini Live session's client message, read for its setup. */
export function llmClientFrame(kong: Kong, frame: WebSocketFrame): WebSocketClientVerdict {
  return realtimeClientFrame(exchangeOf(kong), frame)
}

export function llmLog(kong: Kong): void {
  const x = exchangeOf(kong)
  if (x) exchangeLog(kong, x)
}
