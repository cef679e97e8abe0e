// Video generation on Bedrock (Amazon Nova Reel), Kong 3.13's video/v1/videos/generations: the
// OpenAI-shaped create request becomes a StartAsyncInvoke call (`POST /async-invoke`) writing the
// video to `model.options.bedrock.video_output_s3_uri`; a status call (GET <route>/videos/<id>,
// the id being the invocation ARN) is GetAsyncInvoke. Both answers become OpenAI's video object.
// `extra_body` fields go into `videoGenerationConfig` (fps, seed, durationSeconds, dimension):
// the seed example `{"extra_body": {"fps": 24}}` sets Nova Reel's frame rate.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_StartAsyncInvoke.html
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_GetAsyncInvoke.html
// https://docs.aws.amazon.com/nova/latest/userguide/video-gen-access.html
import { isJsonObject, mergeJson, nullObject } from '../../../../core/safe-merge.ts'
import { llmError } from '../../errors.ts'
import type { DecodedResponse, DriverContext, LlmRequest } from '../../types.ts'
import { VIDEO_ROUTE, videoJobId, videoObject, videoRequest, type VideoStatus } from '../video-request.ts'

type Json = Record<string, unknown>

/** The invocation ARN of a status call, or null for the create call. */
function invocationArn(ctx: DriverContext): string | null {
  const id = videoJobId(ctx)
  if (id !== null && !/^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:async-invoke\/[a-z0-9]+$/.test(id)) {
    throw llmError(404, 'the bedrock video generation route has no such operation')
  }
  return id
}

/** `/async-invoke` to create, `/async-invoke/<escaped ARN>` to read a job. */
export function novaReelPath(ctx: DriverContext, escape: (s: string) => string): string {
  const arn = invocationArn(ctx)
  return arn === null ? '/async-invoke' : `/async-invoke/${escape(arn)}`
}

/** StartAsyncInvoke's body for a text-to-video job. */
export function toNovaReel(req: LlmRequest, ctx: DriverContext): Json {
  const s3Uri = ctx.model.options.bedrock?.video_output_s3_uri
  if (!s3Uri) throw llmError(400, `error transforming to bedrock://${VIDEO_ROUTE}: model.options.bedrock.video_output_s3_uri is required for video generation`)
  const v = videoRequest(req, ctx)
  // Nova Reel's single-shot defaults: 6 s at 24 fps, 1280x720 (the only dimension it takes)
  const config: Json = nullObject()
  config.durationSeconds = v.seconds ?? 6
  config.fps = 24
  config.dimension = v.size?.text ?? '1280x720'
  return {
    modelId: ctx.model.name ?? '',
    modelInput: {
      taskType: 'TEXT_VIDEO',
      textToVideoParams: { text: v.prompt },
      videoGenerationConfig: mergeJson(config, v.extra, Infinity),
    },
    outputDataConfig: { s3OutputDataConfig: { s3Uri } },
  }
}

const STATUS: Readonly<Record<string, VideoStatus>> = Object.freeze(Object.assign(Object.create(null) as Record<string, VideoStatus>, {
  InProgress: 'in_progress', Completed: 'completed', Failed: 'failed',
}))

/** StartAsyncInvoke's `{invocationArn}` or GetAsyncInvoke's job → OpenAI's video object. */
export function fromNovaReel(body: Buffer, ctx: DriverContext): DecodedResponse {
  let res: unknown
  try {
    res = JSON.parse(body.toString('utf8'))
  } catch {
    res = null
  }
  if (!isJsonObject(res) || typeof res.invocationArn !== 'string') {
    throw llmError(500, `transformation failed from type bedrock://${VIDEO_ROUTE}: no invocationArn in the Bedrock answer`)
  }
  const status = typeof res.status === 'string' ? STATUS[res.status] ?? 'in_progress' : 'queued'
  const more: Json = {}
  if (typeof res.failureMessage === 'string') more.error = { code: 'failed', message: res.failureMessage }
  const out3 = isJsonObject(res.outputDataConfig) && isJsonObject(res.outputDataConfig.s3OutputDataConfig) ? res.outputDataConfig.s3OutputDataConfig.s3Uri : undefined
  if (status === 'completed' && typeof out3 === 'string') more.video_urls = [`${out3.replace(/\/$/, '')}/output.mp4`]
  const out = videoObject(res.invocationArn, ctx, status, more)
  return { body: JSON.stringify(out), usage: null, model: ctx.model.name ?? null, parsed: out }
}
