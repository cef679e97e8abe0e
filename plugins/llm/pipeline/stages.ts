// The shared stages as plugin phase handlers: what ai-proxy is made of, and what
// ai-proxy-advanced composes with its balancer (parse once, normalize per target). Per-request
// state lives in kong.ctx.plugin. Errors with an LLM status answer `{"error":{"message":...}}`
// (Kong's bail); anything else is a plugin failure (Kong's 500).
import type { Kong } from '../../../pdk/index.ts'
import type { BodyChunk } from '../../../core/plugins/contract.ts'
import { statusOf } from '../errors.ts'
import type { LlmConf } from './conf.ts'
import { compiledConf } from './compile.ts'
import { parseRequest } from './parse-request.ts'
import { normalizeRequest } from './normalize-request.ts'
import { responseHeaders } from './response-headers.ts'
import { responseBody } from './response-body.ts'
import type { LlmState } from './state.ts'

const KEY = 'llm'

/** Answers with Kong's ai-proxy error body for an LLM error; rethrows anything else. */
export function bail(kong: Kong, e: unknown): void {
  const s = statusOf(e)
  if (!s) throw e
  kong.response.exit(s.status, { error: { message: s.message } })
}

export function llmState(kong: Kong): LlmState | undefined {
  return kong.ctx.plugin[KEY] as LlmState | undefined
}

export function setLlmState(kong: Kong, state: LlmState): void {
  kong.ctx.plugin[KEY] = state
}

/** access: parse, then normalize; a promise only when credentials must be fetched. */
export function llmAccess(kong: Kong, conf: LlmConf): void | Promise<void> {
  try {
    const state = parseRequest(kong, compiledConf(conf))
    setLlmState(kong, state)
    const r = normalizeRequest(kong, state)
    if (r) return r.catch((e: unknown) => bail(kong, e))
  } catch (e) {
    bail(kong, e)
  }
}

export function llmHeaderFilter(kong: Kong): void {
  const state = llmState(kong)
  if (state) responseHeaders(kong, state)
}

export function llmBodyFilter(kong: Kong, chunk: BodyChunk): void {
  const state = llmState(kong)
  if (state) responseBody(kong, state, chunk)
}
