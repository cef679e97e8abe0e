// The operations a native client (`llm_format` other than openai) may reach through the gateway,
// per provider: the documented API paths with the methods they take. The gateway attaches its own
// credential to these calls, so a client path is never forwarded just because it arrived: a path
// or method outside the table is refused before anything is sent. Paths are matched on the
// normalized request path (kong.request.getPath()), so `..`, `//` and `%2e` cannot reach around it.
import { llmError } from '../errors.ts'

export interface NativeOperation {
  readonly method: 'GET' | 'POST' | 'DELETE'
  /** the whole API path, anchored at both ends */
  readonly path: RegExp
}

/** One path segment an id may fill (a batch id, a model name): no dots, no escapes, no slash. */
export const ID_SEGMENT = '[A-Za-z0-9_-]+'

/**
 * `apiPath` (the client's path from the provider's API root on) when the table has it with this
 * method; otherwise the request is refused: 404 for a path the provider's native API does not
 * have, 405 for a known path called with another method.
 */
export function nativeOperationPath(provider: string, table: readonly NativeOperation[], method: string | undefined, apiPath: string): string {
  const m = method ?? 'POST'
  let known = false
  for (const op of table) {
    if (!op.path.test(apiPath)) continue
    if (op.method === m) return apiPath
    known = true
  }
  if (known) throw llmError(405, `method ${m.length <= 16 ? m : 'given'} is not allowed for this ${provider} native operation`)
  throw llmError(404, `the ${provider} native format has no such operation`)
}

/** Native operations that are all POST (Gemini, Bedrock): any other method is refused. */
export function requirePost(provider: string, method: string | undefined): void {
  if (method !== undefined && method !== 'POST') throw llmError(405, `method ${method.length <= 16 ? method : 'given'} is not allowed for this ${provider} native operation`)
}
