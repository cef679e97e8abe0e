// Kong 3.14's OpenAI-compatible batches (`llm/v1/batches`) for providers whose batch API is not
// OpenAI's (Gemini, Vertex, Bedrock), the parts they share: which call the client made (OpenAI's
// create, retrieve, list, cancel: the REST paths the OpenAI SDK's `batches.*` use), the checked
// create request, and OpenAI's Batch object and list the provider's job is answered with. The
// provider's job id is the batch id, so the id a client sends back is checked against the
// provider's id shape before it is put into an upstream path.
// https://platform.openai.com/docs/api-reference/batch
import { isJsonObject } from '../../../core/safe-merge.ts'
import { llmError } from '../errors.ts'
import { resourceSuffix } from '../openai-api-routes.ts'
import type { DecodedResponse, DriverContext, LlmRequest } from '../types.ts'

export const BATCHES_ROUTE = 'llm/v1/batches'

export type BatchCall =
  | { kind: 'create' }
  | { kind: 'list' }
  | { kind: 'retrieve'; id: string }
  | { kind: 'cancel'; id: string }

/**
 * The client's call, from its method and the path after `/batches`; `idShape` is the provider's
 * job id (anchored). Anything else is refused before anything is sent: 404 for an unknown path or
 * an id of another shape, 405 for a known path with another method.
 */
export function batchCall(ctx: DriverContext, idShape: RegExp): BatchCall {
  const method = ctx.clientMethod ?? 'POST'
  const rest = resourceSuffix('batches', ctx.clientPath)
  const noSuch = (): never => { throw llmError(404, `the ${ctx.model.provider} batches route has no such operation`) }
  const notAllowed = (): never => { throw llmError(405, `method ${method.length <= 16 ? method : 'given'} is not allowed for this ${ctx.model.provider} batches operation`) }
  if (rest === '' || rest === '/') {
    if (method === 'POST') return { kind: 'create' }
    if (method === 'GET') return { kind: 'list' }
    return notAllowed()
  }
  const m = /^\/([^/]{1,256})(\/cancel)?$/.exec(rest)
  if (m === null || !idShape.test(m[1])) return noSuch()
  if (m[2] !== undefined) return method === 'POST' ? { kind: 'cancel', id: m[1] } : notAllowed()
  return method === 'GET' ? { kind: 'retrieve', id: m[1] } : notAllowed()
}

export interface BatchCreate {
  inputFileId: string
  endpoint: string
  completionWindow: string
  /** string values only (OpenAI's metadata), own keys */
  metadata: Record<string, string>
}

function bad(ctx: DriverContext, why: string): never {
  throw llmError(400, `error transforming to ${ctx.model.provider}://${BATCHES_ROUTE}: ${why}`)
}

/** OpenAI's create request, checked: chat completions only (the providers' batches run generation). */
export function batchCreate(req: LlmRequest, ctx: DriverContext): BatchCreate {
  const { input_file_id: input, endpoint, completion_window: window, metadata } = req
  if (typeof input !== 'string' || input.length === 0 || input.length > 1024) bad(ctx, "'input_file_id' must be a string of at most 1024 characters")
  if (endpoint !== '/v1/chat/completions') bad(ctx, "only the '/v1/chat/completions' endpoint is supported")
  if (window !== undefined && window !== '24h') bad(ctx, "'completion_window' must be '24h'")
  const meta: Record<string, string> = Object.create(null) as Record<string, string>
  if (metadata !== undefined && metadata !== null) {
    if (!isJsonObject(metadata)) bad(ctx, "'metadata' must be an object")
    let n = 0
    for (const k of Object.keys(metadata)) {
      const v = metadata[k]
      if (++n > 16 || typeof v !== 'string' || k.length > 64 || v.length > 512) bad(ctx, "'metadata' takes at most 16 string values")
      meta[k] = v
    }
  }
  return { inputFileId: input, endpoint, completionWindow: '24h', metadata: meta }
}

export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled'

/** A state table without a prototype: a provider's state named `constructor` maps to nothing. */
export function statusTable(entries: Record<string, BatchStatus>): Readonly<Record<string, BatchStatus>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, BatchStatus>, entries))
}

/** RFC 3339 → Unix seconds, or null. */
export function unixSeconds(t: unknown): number | null {
  if (typeof t !== 'string') return null
  const ms = Date.parse(t)
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null
}

export interface BatchFields {
  id: string
  status: BatchStatus
  inputFileId: string | null
  outputFileId: string | null
  createdAt: number | null
  endedAt: number | null
  counts: { total: number; completed: number; failed: number }
  error: string | null
}

/** OpenAI's Batch object. */
export function batchObject(f: BatchFields): Record<string, unknown> {
  const ended = f.endedAt
  return {
    id: f.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    errors: f.error === null ? null : { object: 'list', data: [{ code: 'batch_failed', message: f.error, param: null, line: null }] },
    input_file_id: f.inputFileId,
    completion_window: '24h',
    status: f.status,
    output_file_id: f.outputFileId,
    error_file_id: null,
    created_at: f.createdAt ?? Math.floor(Date.now() / 1000),
    in_progress_at: null,
    expires_at: null,
    finalizing_at: null,
    completed_at: f.status === 'completed' ? ended : null,
    failed_at: f.status === 'failed' ? ended : null,
    expired_at: f.status === 'expired' ? ended : null,
    cancelling_at: null,
    cancelled_at: f.status === 'cancelled' ? ended : null,
    request_counts: f.counts,
    metadata: null,
  }
}

/** OpenAI's list page of batches; `has_more` when the provider has a next page. */
export function batchList(data: Record<string, unknown>[], hasMore: boolean): Record<string, unknown> {
  return {
    object: 'list',
    data,
    first_id: data.length > 0 ? data[0].id : null,
    last_id: data.length > 0 ? data[data.length - 1].id : null,
    has_more: hasMore,
  }
}

/** The provider's JSON answer as an object, or Kong's 500 naming the provider. */
export function parseJobAnswer(body: Buffer, ctx: DriverContext): Record<string, unknown> {
  let v: unknown
  try {
    v = body.length === 0 ? {} : JSON.parse(body.toString('utf8'))
  } catch {
    v = null
  }
  if (!isJsonObject(v)) throw llmError(500, `transformation failed from type ${ctx.model.provider}://${BATCHES_ROUTE}: failed to decode the batch answer`)
  return v
}

export function answer(out: Record<string, unknown>): DecodedResponse {
  return { body: JSON.stringify(out), usage: null, model: null, parsed: out }
}

/** `limit` of a list call as a page size (1..100), or null. */
export function listLimit(ctx: DriverContext): number | null {
  const m = /(?:^|&)limit=([0-9]{1,3})(?:&|$)/.exec(ctx.clientQuery)
  if (m === null) return null
  const n = Number(m[1])
  return n >= 1 && n <= 100 ? n : null
}

/** Counts read from numeric fields (missing or non-numeric: 0). */
export function count(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0
}

/**
 * `llm/v1/files` where the provider's batches read object storage instead of a files API (Vertex:
 * Cloud Storage, Bedrock: S3): Kong's 400 saying where the input goes instead.
 */
export function noFilesApi(ctx: DriverContext, storage: string): never {
  throw llmError(400, `${ctx.model.provider}://llm/v1/files is not supported: ${ctx.model.provider} batches read their input from ${storage}; pass its location as the batch's input_file_id`)
}
