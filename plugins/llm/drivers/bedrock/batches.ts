// OpenAI-compatible batches on Bedrock (Kong 3.14, `llm/v1/batches`): batch inference jobs on the
// control-plane host `bedrock.<region>.amazonaws.com` (not bedrock-runtime), signed for SigV4
// service `bedrock`. The OpenAI SDK's calls map to
//   create   POST /model-invocation-job            (CreateModelInvocationJob)
//   retrieve GET  /model-invocation-job/{jobId}    (GetModelInvocationJob)
//   list     GET  /model-invocation-jobs           (ListModelInvocationJobs)
//   cancel   POST /model-invocation-job/{jobId}/stop (StopModelInvocationJob)
// Bedrock reads its input from S3 and writes its output there: `model.options.bedrock.
// batch_bucket_prefix` is that place. `input_file_id` is an object under it (its key relative to
// the prefix, or its whole s3:// URI, which must lie under the prefix: a client cannot point the
// gateway's role at another bucket); the output goes to the prefix (Bedrock adds the job's id).
// The role Bedrock assumes is `batch_role_arn`, else the request's `role_arn`.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateModelInvocationJob.html
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_GetModelInvocationJob.html
import { randomUUID } from 'node:crypto'
import { isJsonObject } from '../../../../core/safe-merge.ts'
import { llmError } from '../../errors.ts'
import type { DecodedResponse, DriverContext, LlmRequest } from '../../types.ts'
import { markConverted, requireConvertedBody, requireModel } from '../converted-body.ts'
import {
  BATCHES_ROUTE, answer, batchCall, batchCreate, batchList, batchObject, count, listLimit, parseJobAnswer, statusTable, unixSeconds,
  type BatchCall,
} from '../batch-jobs.ts'

type Json = Record<string, unknown>

/** A job's id: the last segment of its ARN (`arn:aws:bedrock:<region>:<account>:model-invocation-job/<id>`). */
const JOB_ID = /^[a-z0-9]{12}$/
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/
// an object key below the prefix: path characters only, no dot-segments (checked apart)
const KEY = /^[A-Za-z0-9!_.*'()/-]{1,1024}$/

export function bedrockBatchCall(ctx: DriverContext): BatchCall {
  return batchCall(ctx, JOB_ID)
}

export function bedrockBatchTarget(ctx: DriverContext): { path: string; query: string } {
  const call = bedrockBatchCall(ctx)
  switch (call.kind) {
    // a create whose body was not converted (none, unparsed, over the body limit) is refused here
    case 'create': requireModel(ctx); requireConvertedBody(ctx); return { path: '/model-invocation-job', query: '' }
    case 'list': {
      const limit = listLimit(ctx)
      return { path: '/model-invocation-jobs', query: limit === null ? '' : `maxResults=${limit}` }
    }
    case 'retrieve': return { path: `/model-invocation-job/${call.id}`, query: '' }
    case 'cancel': return { path: `/model-invocation-job/${call.id}/stop`, query: '' }
  }
}

function bad(why: string): never {
  throw llmError(400, `error transforming to bedrock://${BATCHES_ROUTE}: ${why}`)
}

/** The S3 URI of the input: under the prefix, without dot-segments. */
function inputUri(prefix: string, id: string): string {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`
  const key = id.startsWith('s3://') ? (id.startsWith(base) ? id.slice(base.length) : bad(`'input_file_id' must lie under ${base}`)) : id
  if (!KEY.test(key) || key.split('/').some((s) => s === '' || s === '.' || s === '..')) bad("'input_file_id' must be an S3 object key under model.options.bedrock.batch_bucket_prefix")
  return base + key
}

/** CreateModelInvocationJob's body; null for the other calls. */
export function toBedrockBatch(req: LlmRequest, ctx: DriverContext): Json | null {
  if (bedrockBatchCall(ctx).kind !== 'create') return null
  const o = ctx.model.options.bedrock
  const prefix = o?.batch_bucket_prefix
  if (!prefix || !prefix.startsWith('s3://')) bad('model.options.bedrock.batch_bucket_prefix (an s3:// URI) is required for batches')
  const b = batchCreate(req, ctx)
  const roleArn = o?.batch_role_arn || req.role_arn
  if (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn)) bad("model.options.bedrock.batch_role_arn, or the request's 'role_arn', must be an IAM role ARN")
  const name = b.metadata.name
  markConverted(ctx)
  return {
    jobName: typeof name === 'string' && /^[a-zA-Z0-9][a-zA-Z0-9+.-]{0,62}$/.test(name) ? name : `batch-${randomUUID()}`,
    roleArn,
    modelId: requireModel(ctx),
    inputDataConfig: { s3InputDataConfig: { s3Uri: inputUri(prefix, b.inputFileId), s3InputFormat: 'JSONL' } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: prefix } },
  }
}

const STATUS = statusTable({
  Submitted: 'validating', Validating: 'validating', Scheduled: 'validating', InProgress: 'in_progress',
  Completed: 'completed', PartiallyCompleted: 'completed', Failed: 'failed', Stopping: 'cancelling',
  Stopped: 'cancelled', Expired: 'expired',
})

function jobIdOf(arn: unknown): string | null {
  return typeof arn === 'string' ? arn.slice(arn.lastIndexOf('/') + 1) : null
}

function s3Of(config: unknown, field: string): string | null {
  const c = isJsonObject(config) ? config[field] : undefined
  return isJsonObject(c) && typeof c.s3Uri === 'string' ? c.s3Uri : null
}

function fromJob(j: Json): Json | null {
  const id = jobIdOf(j.jobArn)
  if (id === null) return null
  return batchObject({
    id,
    status: (typeof j.status === 'string' ? STATUS[j.status] : undefined) ?? 'validating',
    inputFileId: s3Of(j.inputDataConfig, 's3InputDataConfig'),
    outputFileId: s3Of(j.outputDataConfig, 's3OutputDataConfig'),
    createdAt: unixSeconds(j.submitTime),
    endedAt: unixSeconds(j.endTime),
    counts: { total: count(j.totalRecordCount), completed: count(j.successRecordCount), failed: count(j.errorRecordCount) },
    error: j.status === 'Failed' && typeof j.message === 'string' ? j.message : null,
  })
}

/** Bedrock's answer → OpenAI's Batch (create, retrieve, cancel) or list. */
export function fromBedrockBatch(body: Buffer, ctx: DriverContext): DecodedResponse {
  const call = bedrockBatchCall(ctx)
  const res = parseJobAnswer(body, ctx)
  const empty = { inputFileId: null, outputFileId: null, createdAt: null, endedAt: null, counts: { total: 0, completed: 0, failed: 0 }, error: null }
  switch (call.kind) {
    case 'list': {
      const data: Json[] = []
      for (const s of Array.isArray(res.invocationJobSummaries) ? res.invocationJobSummaries : []) {
        const b = isJsonObject(s) ? fromJob(s) : null
        if (b !== null) data.push(b)
      }
      return answer(batchList(data, typeof res.nextToken === 'string' && res.nextToken !== ''))
    }
    case 'cancel': return answer(batchObject({ id: call.id, status: 'cancelling', ...empty }))
    case 'create': {
      // CreateModelInvocationJob answers the job's ARN only
      const id = jobIdOf(res.jobArn)
      if (id === null) throw llmError(500, `transformation failed from type bedrock://${BATCHES_ROUTE}: no jobArn in the Bedrock answer`)
      return answer(batchObject({ id, status: 'validating', ...empty }))
    }
    case 'retrieve': {
      const b = fromJob(res)
      if (b === null) throw llmError(500, `transformation failed from type bedrock://${BATCHES_ROUTE}: no jobArn in the Bedrock answer`)
      return answer(b)
    }
  }
}
