// Stage REQ_INTROSPECTION (Kong's parse-request filter): the client body read and parsed once per
// request, within max_request_body_size, shared with the other AI plugins (shared-request.ts): a
// prompt guard or decorator that ran first already parsed it (and the decorator's copy is the
// request in use). A non-openai llm_format turns its native body into OpenAI's shape (for the
// checks, analytics and conversion), taking model and stream from the path if it must. A body
// that is absent, too large or not a JSON object is left unparsed: the prompt check then answers
// 400, as Kong does. The Content-Type does not decide whether the body is parsed, except for
// multipart uploads on the route types that take them.
import type { Kong } from '../../../pdk/index.ts'
import type { CompiledConf } from './compile.ts'
import type { ParsedRequest } from './state.ts'
import { sharedRequest } from './shared-request.ts'

/** max_request_body_size's default (Kong 3.13+), for confs built without the schema's defaults */
export const DEFAULT_MAX_BODY = 1048576

export function parseRequest(kong: Kong, c: CompiledConf): ParsedRequest {
  const start = performance.now()
  const s = sharedRequest(kong, c.parse)
  let requestModel = s.requestModel
  if (c.conf.route_type === 'realtime/v1/realtime') {
    // a WebSocket upgrade has no body: the session's model is `?model=` (OpenAI's realtime URL)
    const m = kong.request.getQueryArg('model')
    requestModel = typeof m === 'string' && m !== '' ? m : null
  }
  return { c, start, raw: s.raw, body: s.body, request: s.request, multipart: s.multipart, requestModel, requestStream: s.requestStream }
}
