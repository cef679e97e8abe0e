// OpenAI-compatible batches on Gemini (Kong 3.14, `llm/v1/batches`): AI Studio's Batch API and
// Vertex's batch prediction jobs. The OpenAI SDK's `batches.create/retrieve/list/cancel` map to
//   AI Studio  POST /v1beta/models/{model}:batchGenerateContent, GET /v1beta/batches/{id},
//              GET /v1beta/batches, POST /v1beta/batches/{id}:cancel
//   Vertex     POST|GET .../locations/{l}/batchPredictionJobs[/{id}], POST .../{id}:cancel
// and the answers (a long-running operation, a batch, a job) become OpenAI's Batch object.
// `input_file_id` names the provider's input: a Gemini file (`files/abc` or `abc`, uploaded with
// Gemini's Files API) on AI Studio; a `gs://` JSONL object on Vertex, whose output goes beside it
// (Vertex has no files API, its batches read and write Cloud Storage).
// https://ai.google.dev/api/batch-mode
// https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.batchPredictionJobs
import { isJsonObject } from '../../../../core/safe-merge.ts'
import { llmError } from '../../errors.ts'
import type { DecodedResponse, DriverContext, LlmRequest } from '../../types.ts'
import { ID_SEGMENT } from '../native-operations.ts'
import { escapePathSegment } from '../path-segment.ts'
import { markConverted, requireConvertedBody, requireModel } from '../converted-body.ts'
import {
  BATCHES_ROUTE, answer, batchCall, batchCreate, batchList, batchObject, count, listLimit, parseJobAnswer, statusTable, unixSeconds,
  type BatchCall,
} from '../batch-jobs.ts'
import type { VertexConf } from './vertex-coordinates.ts'

type Json = Record<string, unknown>

const BATCH_ID = new RegExp(`^${ID_SEGMENT}$`)
const FILE_NAME = new RegExp(`^(?:files/)?(${ID_SEGMENT})$`)
// a bucket name, then an object name without spaces, query, fragment or dot-segments
const GCS_URI = /^gs:\/\/[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]\/[A-Za-z0-9_.~\-/=]{1,1000}$/

export function geminiBatchCall(ctx: DriverContext): BatchCall {
  return batchCall(ctx, BATCH_ID)
}

function vertexBase(v: VertexConf): string {
  return `/v1/projects/${encodeURIComponent(v.project)}/locations/${encodeURIComponent(v.location)}/batchPredictionJobs`
}

/** The upstream path (and list query) of the client's batch call. */
export function geminiBatchTarget(ctx: DriverContext, v: VertexConf | null): { path: string; query: string | null } {
  const call = geminiBatchCall(ctx)
  const limit = call.kind === 'list' ? listLimit(ctx) : null
  const query = limit === null ? '' : `pageSize=${limit}`
  // a create whose body was not converted (none, unparsed, over the body limit) is refused here
  if (call.kind === 'create') requireConvertedBody(ctx)
  if (v === null) {
    switch (call.kind) {
      case 'create': return { path: `/v1beta/models/${escapePathSegment(requireModel(ctx))}:batchGenerateContent`, query }
      case 'list': return { path: '/v1beta/batches', query }
      case 'retrieve': return { path: `/v1beta/batches/${call.id}`, query }
      case 'cancel': return { path: `/v1beta/batches/${call.id}:cancel`, query }
    }
  }
  const base = vertexBase(v)
  switch (call.kind) {
    case 'create': requireModel(ctx); return { path: base, query }
    case 'list': return { path: base, query }
    case 'retrieve': return { path: `${base}/${call.id}`, query }
    case 'cancel': return { path: `${base}/${call.id}:cancel`, query }
  }
}

function bad(why: string): never {
  throw llmError(400, `error transforming to gemini://${BATCHES_ROUTE}: ${why}`)
}

/** The create call's body; null for the other calls (their bodies, if any, are not read). */
export function toGeminiBatch(req: LlmRequest, ctx: DriverContext, v: VertexConf | null): Json | null {
  if (geminiBatchCall(ctx).kind !== 'create') return null
  const b = batchCreate(req, ctx)
  const model = requireModel(ctx)
  const displayName = b.metadata.display_name ?? b.metadata.name ?? `batch-${Date.now()}`
  if (v === null) {
    const file = FILE_NAME.exec(b.inputFileId)
    if (file === null) bad("'input_file_id' must name a Gemini file ('files/<id>')")
    markConverted(ctx)
    return { batch: { displayName, inputConfig: { fileName: `files/${file[1]}` } } }
  }
  if (!GCS_URI.test(b.inputFileId) || b.inputFileId.split('/').some((s) => s === '.' || s === '..')) {
    bad("'input_file_id' must be a gs:// URI of the JSONL input on Vertex")
  }
  const folder = b.inputFileId.slice(0, b.inputFileId.lastIndexOf('/'))
  markConverted(ctx)
  return {
    displayName,
    model: `publishers/google/models/${model}`,
    inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: [b.inputFileId] } },
    outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: `${folder}/` } },
  }
}

const STUDIO_STATUS = statusTable({
  BATCH_STATE_PENDING: 'validating', BATCH_STATE_RUNNING: 'in_progress', BATCH_STATE_SUCCEEDED: 'completed',
  BATCH_STATE_FAILED: 'failed', BATCH_STATE_CANCELLED: 'cancelled', BATCH_STATE_EXPIRED: 'expired',
  // the v1beta names
  JOB_STATE_PENDING: 'validating', JOB_STATE_RUNNING: 'in_progress', JOB_STATE_SUCCEEDED: 'completed',
})

const VERTEX_STATUS = statusTable({
  JOB_STATE_QUEUED: 'validating', JOB_STATE_PENDING: 'validating', JOB_STATE_RUNNING: 'in_progress', JOB_STATE_UPDATING: 'in_progress',
  JOB_STATE_PAUSED: 'in_progress', JOB_STATE_SUCCEEDED: 'completed', JOB_STATE_PARTIALLY_SUCCEEDED: 'completed',
  JOB_STATE_FAILED: 'failed', JOB_STATE_CANCELLING: 'cancelling', JOB_STATE_CANCELLED: 'cancelled', JOB_STATE_EXPIRED: 'expired',
})

function lastSegment(name: unknown): string | null {
  return typeof name === 'string' ? name.slice(name.lastIndexOf('/') + 1) : null
}

/** An AI Studio batch: an Operation (create, get) whose `metadata` is the batch, or the batch itself. */
function fromStudioBatch(op: Json): Json | null {
  const b = isJsonObject(op.metadata) ? op.metadata : op
  const id = lastSegment(b.name ?? op.name)
  if (id === null) return null
  const stats = isJsonObject(b.batchStats) ? b.batchStats : {}
  const input = isJsonObject(b.inputConfig) && typeof b.inputConfig.fileName === 'string' ? b.inputConfig.fileName : null
  const out = isJsonObject(b.output) && typeof b.output.responsesFile === 'string' ? b.output.responsesFile : null
  const err = isJsonObject(op.error) && typeof op.error.message === 'string' ? op.error.message : null
  return batchObject({
    id,
    status: (typeof b.state === 'string' ? STUDIO_STATUS[b.state] : undefined) ?? (err !== null ? 'failed' : 'validating'),
    inputFileId: input,
    outputFileId: out,
    createdAt: unixSeconds(b.createTime),
    endedAt: unixSeconds(b.endTime),
    counts: { total: count(stats.requestCount), completed: count(stats.successfulRequestCount), failed: count(stats.failedRequestCount) },
    error: err,
  })
}

function fromVertexJob(j: Json): Json | null {
  const id = lastSegment(j.name)
  if (id === null) return null
  const stats = isJsonObject(j.completionStats) ? j.completionStats : {}
  const src = isJsonObject(j.inputConfig) && isJsonObject(j.inputConfig.gcsSource) && Array.isArray(j.inputConfig.gcsSource.uris) ? j.inputConfig.gcsSource.uris[0] : null
  const outDir = isJsonObject(j.outputInfo) && typeof j.outputInfo.gcsOutputDirectory === 'string' ? j.outputInfo.gcsOutputDirectory : null
  const done = count(stats.successfulCount)
  const failed = count(stats.failedCount)
  return batchObject({
    id,
    status: (typeof j.state === 'string' ? VERTEX_STATUS[j.state] : undefined) ?? 'validating',
    inputFileId: typeof src === 'string' ? src : null,
    outputFileId: outDir,
    createdAt: unixSeconds(j.createTime),
    endedAt: unixSeconds(j.endTime),
    counts: { total: done + failed + count(stats.incompleteCount), completed: done, failed },
    error: isJsonObject(j.error) && typeof j.error.message === 'string' ? j.error.message : null,
  })
}

function noJob(): never {
  throw llmError(500, `transformation failed from type gemini://${BATCHES_ROUTE}: no batch name in the Gemini answer`)
}

/** The provider's answer → OpenAI's Batch (create, retrieve, cancel) or list. */
export function fromGeminiBatch(body: Buffer, ctx: DriverContext, v: VertexConf | null): DecodedResponse {
  const call = geminiBatchCall(ctx)
  const res = parseJobAnswer(body, ctx)
  const one = v === null ? fromStudioBatch : fromVertexJob
  if (call.kind === 'list') {
    const items = v === null ? (Array.isArray(res.operations) ? res.operations : Array.isArray(res.batches) ? res.batches : [])
      : Array.isArray(res.batchPredictionJobs) ? res.batchPredictionJobs : []
    const data: Json[] = []
    for (const item of items) {
      const b = isJsonObject(item) ? one(item) : null
      if (b !== null) data.push(b)
    }
    return answer(batchList(data, typeof res.nextPageToken === 'string' && res.nextPageToken !== ''))
  }
  if (call.kind === 'cancel') {
    // cancel answers an empty object: the batch is being cancelled
    return answer(batchObject({ id: call.id, status: 'cancelling', inputFileId: null, outputFileId: null, createdAt: null, endedAt: null, counts: { total: 0, completed: 0, failed: 0 }, error: null }))
  }
  return answer(one(res) ?? noJob())
}
