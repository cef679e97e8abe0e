// The providers' own batch APIs for native clients (`llm_format` gemini or bedrock): the Gemini
// SDK's `batches.*` and boto3's model invocation jobs pass through unconverted, like the other
// native operations, but only these paths with these methods (the gateway signs or keys them).
// Ids are one plain segment; the path sent upstream is rebuilt from the configured model and
// Vertex coordinates, never copied from the client beyond the operation and the id.
//   Gemini (AI Studio)  POST /v1beta/models/{model}:batchGenerateContent, GET /v1beta/batches[/{id}],
//                       DELETE /v1beta/batches/{id}, POST /v1beta/batches/{id}:cancel
//   Vertex              POST|GET .../batchPredictionJobs, GET|DELETE .../batchPredictionJobs/{id},
//                       POST .../batchPredictionJobs/{id}:cancel
//   Bedrock             POST /model-invocation-job, GET /model-invocation-jobs,
//                       GET /model-invocation-job/{id}, POST /model-invocation-job/{id}/stop
import { nativeOperationPath, type NativeOperation } from './native-operations.ts'

// a batch or job id: one plain segment of bounded length
const ID = '([A-Za-z0-9_-]{1,128})'

/** Gemini batch paths in a client path (the part from `/v1beta/` or `/batchPredictionJobs` on), for the format's prompt check too. */
export const GEMINI_BATCH_PATH = /(\/v1beta\/(?:models\/[^/:]+:batchGenerateContent|batches(?:\/[^/]*)?)|\/batchPredictionJobs(?:\/[^/]*)?)$/

const STUDIO: readonly NativeOperation[] = [
  { method: 'POST', path: /^\/v1beta\/models\/[^/:]+:batchGenerateContent$/ },
  { method: 'GET', path: /^\/v1beta\/batches$/ },
  { method: 'GET', path: new RegExp(`^/v1beta/batches/${ID}$`) },
  { method: 'DELETE', path: new RegExp(`^/v1beta/batches/${ID}$`) },
  { method: 'POST', path: new RegExp(`^/v1beta/batches/${ID}:cancel$`) },
]

const VERTEX: readonly NativeOperation[] = [
  { method: 'POST', path: /^\/batchPredictionJobs$/ },
  { method: 'GET', path: /^\/batchPredictionJobs$/ },
  { method: 'GET', path: new RegExp(`^/batchPredictionJobs/${ID}$`) },
  { method: 'DELETE', path: new RegExp(`^/batchPredictionJobs/${ID}$`) },
  { method: 'POST', path: new RegExp(`^/batchPredictionJobs/${ID}:cancel$`) },
]

/**
 * The Gemini batch operation of a native client's path (AI Studio: from `/v1beta/` on; Vertex:
 * from `/batchPredictionJobs` on, to be put under the configured project and location), or null
 * when the path is not a batch call. A batch path with another method or id shape is refused.
 */
export function geminiNativeBatch(clientPath: string, method: string | undefined, vertex: boolean): string | null {
  const m = GEMINI_BATCH_PATH.exec(clientPath)
  if (m === null) return null
  const api = m[1]
  if (api.startsWith('/batchPredictionJobs') !== vertex) return nativeOperationPath('gemini', [], method, api)
  return nativeOperationPath('gemini', vertex ? VERTEX : STUDIO, method, api)
}

/** Bedrock batch paths in a client path, for the format's prompt check too. */
export const BEDROCK_BATCH_PATH = /(\/model-invocation-jobs?(?:\/[^/]*(?:\/stop)?)?)$/

// a job id, or its ARN as one escaped segment (boto3 escapes the jobIdentifier label)
const JOB = '((?:arn%3Aaws[a-z-]*%3Abedrock%3A[a-z0-9-]+%3A[0-9]{12}%3Amodel-invocation-job%2F)?[a-z0-9]{12})'

const BEDROCK: readonly NativeOperation[] = [
  { method: 'POST', path: /^\/model-invocation-job$/ },
  { method: 'GET', path: /^\/model-invocation-jobs$/ },
  { method: 'GET', path: new RegExp(`^/model-invocation-job/${JOB}$`, 'i') },
  { method: 'POST', path: new RegExp(`^/model-invocation-job/${JOB}/stop$`, 'i') },
]

/** The Bedrock batch operation of a native client's path, or null when the path is not a batch call. */
export function bedrockNativeBatch(clientPath: string, method: string | undefined): string | null {
  const m = BEDROCK_BATCH_PATH.exec(clientPath)
  return m === null ? null : nativeOperationPath('bedrock', BEDROCK, method, m[1])
}
