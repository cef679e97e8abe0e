// `extra_body`: provider fields a client adds to an OpenAI-shaped request, merged over the body a
// driver built. Two rules hold for every driver: the merge goes through mergeJson (client JSON,
// so no `__proto__` walk), and the body's `model` and `stream` win over the client's copies: the
// configured model is the one the gateway checked and bills, and the stream decision is the one
// the response stages are set up for (Kong sets both after the merge too).
import { mergeJson, type JsonObject } from '../../../core/safe-merge.ts'

const PINNED = ['model', 'stream'] as const

/** `extra` merged over `body` (`levels` as mergeJson), then `model` and `stream` put back as the body had them. */
export function withExtraBody(body: JsonObject, extra: unknown, levels = 0): JsonObject {
  const out = mergeJson(body, extra, levels)
  if (out === body) return body
  for (const k of PINNED) {
    if (body[k] === undefined) delete out[k]
    else out[k] = body[k]
  }
  return out
}
