// Stage REQ_INTROSPECTION (Kong's parse-request filter): read and parse the client body once,
// within max_request_body_size; a non-openai llm_format turns its native body into OpenAI's
// shape (for the checks, analytics and conversion), taking model and stream from the path if
// it must. A body that is absent, too large or not a JSON object is left unparsed: the prompt
// check then answers 400, as Kong does. The Content-Type does not decide whether the body is
// parsed, except for multipart uploads on the route types that take them.
import type { Kong } from '../../../pdk/index.ts'
import type { LlmRequest } from '../types.ts'
import type { CompiledConf } from './compile.ts'
import type { ParsedRequest } from './state.ts'

const DEFAULT_MAX_BODY = 1048576

function parseJsonObject(raw: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'))
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

export function parseRequest(kong: Kong, c: CompiledConf): ParsedRequest {
  const start = performance.now()
  const raw = kong.request.getRawBody() ?? null
  const ct = kong.request.getHeader('content-type')
  // multipart only where the route type takes uploads: elsewhere a multipart label would skip the checks
  const multipart = c.multipartRoute && ct !== undefined && ct.toLowerCase().startsWith('multipart/form-data')
  const max = c.conf.max_request_body_size ?? DEFAULT_MAX_BODY
  const body = raw !== null && raw.length > 0 && !multipart && (max === 0 || raw.length <= max) ? parseJsonObject(raw) : null

  let request = body as LlmRequest | null
  let requestModel = typeof body?.model === 'string' ? body.model : null
  let requestStream = body?.stream === true
  if (c.conf.route_type === 'realtime/v1/realtime') {
    // a WebSocket upgrade has no body: the session's model is `?model=` (OpenAI's realtime URL)
    const m = kong.request.getQueryArg('model')
    requestModel = typeof m === 'string' && m !== '' ? m : null
  }
  if (c.format !== null && body !== null) {
    const p = c.format.parseRequest(body, kong.request.getPath())
    request = p.request
    requestModel = p.model
    requestStream = p.stream
  }
  return { c, start, raw, body, request, multipart, requestModel, requestStream }
}
