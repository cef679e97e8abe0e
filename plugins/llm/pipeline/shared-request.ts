// The one parsed request the AI plugins share (Kong's parse-request filter, run once per request
// whichever AI plugin reaches it first): the prompt guard, the decorator, ai-proxy and
// ai-proxy-advanced read it from kong.ctx.shared under one key instead of parsing the body again.
//
// The first reader's `llm_format` and `max_request_body_size` decide the parse, as in Kong. The
// body parsed is the body in use: the client's bytes, or what a plugin put in their place before
// (ai-prompt-template's rendered body). Two plugins may rewrite the request:
// - `replaceRawBody` (the template, which works on bytes): the new bytes go upstream and the next
//   reader parses them;
// - `replaceRequest` (the decorator, which works on the parsed request): its copy becomes the
//   request in use, so the guard checks the decorated messages, and its bytes are the body
//   ai-proxy forwards when nothing else changes it (so nobody re-encodes them).
// Nothing here is ever written in place: a replacement is a new object.
import type { Kong } from '../../../pdk/index.ts'
import type { ClientFormat, LlmRequest } from '../types.ts'

/** kong.ctx.shared key of the slot */
export const SHARED_REQUEST_KEY = 'llm.request'

const UNLIMITED = 0

/** The client's request as the AI plugins see it: the body in use, parsed once. */
export interface SharedRequest {
  /** the llm_format it was parsed with */
  readonly llmFormat: string
  /** the body in use (what goes upstream unless a stage re-encodes it); null when there is none */
  readonly raw: Buffer | null
  /** the body parsed, in its own format's shape; null when absent, too large or not a JSON object */
  readonly body: Record<string, unknown> | null
  /** the request in OpenAI's shape (the body itself for openai), the view every check reads */
  readonly request: LlmRequest | null
  /** a multipart upload on a route type that takes them: not parsed */
  readonly multipart: boolean
  /** the model the client asked for (body, or the path for Gemini/Bedrock/Hugging Face natives) */
  readonly requestModel: string | null
  readonly requestStream: boolean
}

/** How a plugin wants the body parsed (its own conf; only the first parse's settings apply). */
export interface ParseSettings {
  /** the client format; null = openai */
  readonly format: ClientFormat | null
  /** 0 = unlimited */
  readonly maxBodySize: number
  /** the route type takes multipart uploads (ai-proxy's files and audio routes) */
  readonly multipartRoute: boolean
}

interface Slot {
  /** bytes a plugin put in place of the client's; null = the client's */
  raw: Buffer | null
  /** the request in use; null until a plugin parses */
  inUse: SharedRequest | null
}

function slotOf(kong: Kong): Slot {
  const shared = kong.ctx.shared
  let slot = Object.hasOwn(shared, SHARED_REQUEST_KEY) ? (shared[SHARED_REQUEST_KEY] as Slot) : undefined
  if (slot === undefined) shared[SHARED_REQUEST_KEY] = slot = { raw: null, inUse: null }
  return slot
}

function parseJsonObject(raw: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'))
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function parse(kong: Kong, raw: Buffer | null, s: ParseSettings, multipart: boolean): SharedRequest {
  const max = s.maxBodySize
  const body = raw !== null && raw.length > 0 && !multipart && (max === UNLIMITED || raw.length <= max) ? parseJsonObject(raw) : null
  const llmFormat = s.format?.id ?? 'openai'
  if (s.format !== null && body !== null) {
    const p = s.format.parseRequest(body, kong.request.getPath())
    return { llmFormat, raw, body, request: p.request, multipart, requestModel: p.model, requestStream: p.stream }
  }
  return {
    llmFormat, raw, body, request: body as LlmRequest | null, multipart,
    requestModel: typeof body?.model === 'string' ? body.model : null,
    requestStream: body?.stream === true,
  }
}

/**
 * The request in use, parsed on first call with the caller's settings. A later caller whose
 * llm_format (or multipart reading) differs gets its own parse of the same bytes in use, never
 * the other format's view; the request in use stays the first one.
 */
export function sharedRequest(kong: Kong, s: ParseSettings): SharedRequest {
  const slot = slotOf(kong)
  const ct = s.multipartRoute ? kong.request.getHeader('content-type') : undefined
  // multipart only where the route type takes uploads: elsewhere a multipart label would skip the checks
  const multipart = ct !== undefined && ct.toLowerCase().startsWith('multipart/form-data')
  const p = slot.inUse
  if (p !== null && p.llmFormat === (s.format?.id ?? 'openai') && p.multipart === multipart) return p
  const parsed = parse(kong, slot.raw ?? kong.request.getRawBody() ?? null, s, multipart)
  if (p === null) slot.inUse = parsed
  return parsed
}

/**
 * A plugin's rewritten request becomes the one in use: `request` (OpenAI's shape) is what later
 * checks read, `body` and `raw` (the caller's encoding of it in the client's format) what goes
 * upstream. Model and stream stay the parsed ones (a rewrite adds prompts, it does not re-route).
 */
export function replaceRequest(kong: Kong, was: SharedRequest, body: Record<string, unknown>, request: LlmRequest, raw: Buffer): SharedRequest {
  const slot = slotOf(kong)
  const next: SharedRequest = { ...was, raw, body, request }
  slot.raw = raw
  slot.inUse = next
  kong.service.request.setRawBody(raw)
  return next
}

/** New bytes in place of the body (before anyone parsed it, or the parse is dropped): the next reader parses them. */
export function replaceRawBody(kong: Kong, raw: Buffer): void {
  const slot = slotOf(kong)
  slot.raw = raw
  slot.inUse = null
  kong.service.request.setRawBody(raw)
}

/**
 * A streamed answer began: the slot lets go of the request (the bytes in use and their parse), which
 * would otherwise live as long as the stream. No phase after access may read the body again, so
 * nobody parses it anew.
 */
export function releaseSharedRequest(kong: Kong): void {
  const shared = kong.ctx.shared
  if (!Object.hasOwn(shared, SHARED_REQUEST_KEY)) return
  const slot = shared[SHARED_REQUEST_KEY] as Slot
  slot.raw = null
  slot.inUse = null
}
