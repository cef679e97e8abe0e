// Video generation on Gemini and Vertex (Veo), Kong 3.13's video/v1/videos/generations: the
// OpenAI-shaped create request becomes a `predictLongRunning` call, whose answer is a long-running
// operation; a status call (GET <route>/videos/<id>) reads that operation back (AI Studio: GET
// the operation; Vertex: a POST to `fetchPredictOperation`, sent in place of the client's GET). Both answers become OpenAI's video object, with
// the generated videos' URIs in `video_urls` once the operation is done.
// https://ai.google.dev/gemini-api/docs/video  https://ai.google.dev/api/batch-mode#Operation
// https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation
import { isJsonObject, mergeJson, nullObject } from '../../../../core/safe-merge.ts'
import { llmError } from '../../errors.ts'
import type { DecodedResponse, DriverContext, LlmRequest, RewrittenCall } from '../../types.ts'
import { ID_SEGMENT } from '../native-operations.ts'
import { escapePathSegment } from '../path-segment.ts'
import { VIDEO_ROUTE, videoJobId, videoObject, videoRequest } from '../video-request.ts'
import { vertexModelPath, type VertexConf } from './vertex-coordinates.ts'

type Json = Record<string, unknown>

const OPERATION_ID = new RegExp(`^${ID_SEGMENT}$`)

/** The operation id of a status call, one plain segment (the last of the operation's name). */
function operationId(ctx: DriverContext): string | null {
  const id = videoJobId(ctx)
  if (id !== null && !OPERATION_ID.test(id)) throw llmError(404, 'the gemini video generation route has no such operation')
  return id
}

function aspectRatio(width: number, height: number): string {
  return width >= height ? '16:9' : '9:16'
}

/** predictLongRunning's body; extra_body goes into `parameters` (negativePrompt, personGeneration, seed, ...). */
export function toVeoRequest(req: LlmRequest, ctx: DriverContext): Json {
  const v = videoRequest(req, ctx)
  const parameters: Json = nullObject()
  if (v.seconds !== undefined) parameters.durationSeconds = v.seconds
  if (v.size !== undefined) {
    parameters.aspectRatio = aspectRatio(v.size.width, v.size.height)
    parameters.resolution = Math.min(v.size.width, v.size.height) >= 1080 ? '1080p' : '720p'
  }
  return { instances: [{ prompt: v.prompt }], parameters: mergeJson(parameters, v.extra, Infinity) }
}

/**
 * Create: `:predictLongRunning`. Status: AI Studio GETs the operation; Vertex reads it with a
 * POST to `:fetchPredictOperation` naming the operation in the body (veoStatusCall).
 */
export function veoPath(ctx: DriverContext, v: VertexConf | null): string {
  const model = ctx.model.name ?? ''
  const id = operationId(ctx)
  if (v === null) {
    const base = `/v1beta/models/${escapePathSegment(model)}`
    return id === null ? `${base}:predictLongRunning` : `${base}/operations/${id}`
  }
  return vertexModelPath(v, 'google', model, id === null ? 'predictLongRunning' : 'fetchPredictOperation')
}

/**
 * Vertex's status call in place of the client's GET: a POST whose body names the operation
 * under the configured project, location and model (the id is one plain segment, checked);
 * null for the create call.
 */
export function veoStatusCall(ctx: DriverContext, v: VertexConf): RewrittenCall | null {
  const id = operationId(ctx)
  if (id === null) return null
  const operationName = `projects/${v.project}/locations/${v.location}/publishers/google/models/${ctx.model.name ?? ''}/operations/${id}`
  return { method: 'POST', body: JSON.stringify({ operationName }), contentType: 'application/json' }
}

function urisOf(response: unknown): string[] {
  if (!isJsonObject(response)) return []
  const out: string[] = []
  // AI Studio: response.generateVideoResponse.generatedSamples[].video.uri
  const g = response.generateVideoResponse
  const samples = isJsonObject(g) && Array.isArray(g.generatedSamples) ? g.generatedSamples : []
  for (const s of samples) {
    const uri = isJsonObject(s) && isJsonObject(s.video) ? s.video.uri : undefined
    if (typeof uri === 'string') out.push(uri)
  }
  // Vertex: response.videos[].gcsUri
  for (const s of Array.isArray(response.videos) ? response.videos : []) if (isJsonObject(s) && typeof s.gcsUri === 'string') out.push(s.gcsUri)
  return out
}

/** A long-running operation → OpenAI's video object (id: the operation's last segment). */
export function fromVeoOperation(body: Buffer, ctx: DriverContext): DecodedResponse {
  let op: unknown
  try {
    op = JSON.parse(body.toString('utf8'))
  } catch {
    op = null
  }
  if (!isJsonObject(op) || typeof op.name !== 'string') {
    throw llmError(500, `transformation failed from type gemini://${VIDEO_ROUTE}: no operation name in the Gemini answer`)
  }
  const id = op.name.slice(op.name.lastIndexOf('/') + 1)
  const err = isJsonObject(op.error) ? op.error : null
  const status = op.done !== true ? 'in_progress' : err !== null ? 'failed' : 'completed'
  const more: Json = {}
  if (err !== null) more.error = { code: String(err.code ?? 'failed'), message: typeof err.message === 'string' ? err.message : 'video generation failed' }
  const uris = urisOf(op.response)
  if (uris.length > 0) more.video_urls = uris
  const out = videoObject(id, ctx, status, more)
  return { body: JSON.stringify(out), usage: null, model: ctx.model.name ?? null, parsed: out }
}
