// Kong 3.13's `video/v1/videos/generations` route type, the parts every provider shares: the
// OpenAI-shaped create request (`{model, prompt, seconds, size, extra_body}`, OpenAI's Videos API
// as Kong's curl examples send it), the `model.options` defaults `seconds` and `size` (Kong's
// Sora example config), and the OpenAI video object a provider's job is answered with.
// OpenAI and Azure proxy the Videos API as it is; Gemini (Veo, long-running operations) and
// Bedrock (Nova Reel, StartAsyncInvoke) convert. https://platform.openai.com/docs/api-reference/videos
import { Type } from 'typebox'
import { llmError } from '../errors.ts'
import type { DriverContext, LlmRequest } from '../types.ts'
import { requireConvertedBody, requireModel } from './converted-body.ts'
export { markConverted } from './converted-body.ts'

export const VIDEO_ROUTE = 'video/v1/videos/generations'

/** model.options fields of the video route (Kong's Sora example: `seconds: 4`, `size: 720x1280`) */
export const videoOptions = {
  seconds: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]{1,3}$' })])),
  size: Type.Optional(Type.String({ pattern: '^[0-9]{2,5}x[0-9]{2,5}$' })),
}

/** A longer prompt is refused before anything is sent (the providers take far less: Veo 1024 tokens, Nova Reel 512 characters). */
export const MAX_VIDEO_PROMPT = 32 * 1024

export interface VideoRequest {
  prompt: string
  /** the clip's length: the request's `seconds`, else model.options.seconds */
  seconds: number | undefined
  /** `WIDTHxHEIGHT`: the request's `size`, else model.options.size */
  size: { width: number; height: number; text: string } | undefined
  extra: unknown
}

function bad(ctx: DriverContext, why: string): never {
  throw llmError(400, `error transforming to ${ctx.model.provider}://${VIDEO_ROUTE}: ${why}`)
}

const SIZE = /^([0-9]{2,5})x([0-9]{2,5})$/

/** The create request, checked: Kong's 400 for a body without a prompt, a transform error for bad fields. */
export function videoRequest(req: LlmRequest, ctx: DriverContext): VideoRequest {
  const prompt = req.prompt
  if (typeof prompt !== 'string' || prompt.length === 0) throw llmError(400, "request body doesn't contain valid prompts")
  requireModel(ctx)
  if (req.stream === true) bad(ctx, 'video generation does not stream')
  if (prompt.length > MAX_VIDEO_PROMPT) bad(ctx, `prompt is longer than ${MAX_VIDEO_PROMPT} characters`)
  const o = ctx.model.options as { seconds?: number | string; size?: string }
  const rawSeconds = req.seconds ?? o.seconds
  let seconds: number | undefined
  if (rawSeconds !== undefined) {
    seconds = typeof rawSeconds === 'string' && /^[0-9]{1,3}$/.test(rawSeconds) ? Number(rawSeconds) : rawSeconds as number
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > 600) bad(ctx, "'seconds' must be a whole number of seconds")
  }
  const rawSize = req.size ?? o.size
  let size: VideoRequest['size']
  if (rawSize !== undefined) {
    const m = typeof rawSize === 'string' ? SIZE.exec(rawSize) : null
    if (m === null) bad(ctx, "'size' must be WIDTHxHEIGHT")
    size = { width: Number(m[1]), height: Number(m[2]), text: rawSize as string }
  }
  return { prompt, seconds, size, extra: req.extra_body }
}

export type VideoStatus = 'queued' | 'in_progress' | 'completed' | 'failed'

/** OpenAI's video object for a provider's job (the id is what the status call takes back). */
export function videoObject(id: string, ctx: DriverContext, status: VideoStatus, more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    object: 'video',
    model: ctx.model.name ?? null,
    status,
    progress: status === 'completed' || status === 'failed' ? 100 : 0,
    created_at: Math.floor(Date.now() / 1000),
    ...more,
  }
}

/** For a provider that converts: the create call must have had its body converted. */
export function requireConverted(ctx: DriverContext): void {
  if (videoJobId(ctx) === null) requireConvertedBody(ctx)
  else requireModel(ctx)
}

/**
 * The job id of a status call (a GET): what follows the last `/videos/` in the client's path
 * (`[A-Za-z0-9_.:-]` and `/` between non-dot segments), or a 404 before anything is sent. null
 * for the create call, a POST to the route whatever its path (`/v1/videos/generations` too).
 */
export function videoJobId(ctx: DriverContext): string | null {
  const method = ctx.clientMethod ?? 'POST'
  if (method === 'POST') return null
  const at = ctx.clientPath.lastIndexOf('/videos/')
  if (method !== 'GET' || at < 0) throw llmError(405, `the ${ctx.model.provider} video generation route has no such operation`)
  let id = ctx.clientPath.slice(at + '/videos/'.length)
  try {
    id = decodeURIComponent(id)
  } catch {
    id = ''
  }
  if (!/^[A-Za-z0-9_.:/-]{1,512}$/.test(id) || id.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw llmError(404, `the ${ctx.model.provider} video generation route has no such operation`)
  }
  return id
}
