// Kong 3.11's image route types on providers that convert them (Gemini, Vertex, Bedrock): the
// OpenAI-shaped JSON request (`{model, prompt, n, size, extra_body}`; an edit also names its
// input images, as data URLs in `image` or `images[].image_url`), checked once, and the OpenAI
// images answer (`{created, data: [{b64_json}]}`). A multipart upload (the OpenAI SDK's
// images.edit) is read into this same request first (image-edit-form.ts); an edit may name a
// `mask` (a data URL) as well.
// https://platform.openai.com/docs/api-reference/images
import { isJsonObject } from '../../../core/safe-merge.ts'
import { llmError } from '../errors.ts'
import type { DriverContext, LlmRequest, RouteType, TokenUsage } from '../types.ts'
import { requireModel } from './converted-body.ts'

export const IMAGE_GENERATIONS: RouteType = 'image/v1/images/generations'
export const IMAGE_EDITS: RouteType = 'image/v1/images/edits'

export function isImageRoute(route: RouteType): boolean {
  return route === IMAGE_GENERATIONS || route === IMAGE_EDITS
}

/** Longest prompt taken (the providers' own limits are far lower). */
export const MAX_IMAGE_PROMPT = 32 * 1024
/** Most input images an edit may carry. */
export const MAX_INPUT_IMAGES = 16
/** Most images one call may ask for. */
export const MAX_IMAGES = 10

export interface InputImage { mimeType: string; data: string }

export interface ImageRequest {
  prompt: string
  n: number | undefined
  size: { width: number; height: number } | undefined
  images: InputImage[]
  /** an edit's mask: where the image may change (OpenAI: its transparent areas) */
  mask: InputImage | undefined
  extra: unknown
}

function bad(ctx: DriverContext, why: string): never {
  throw llmError(400, `error transforming to ${ctx.model.provider}://${ctx.route}: ${why}`)
}

const DATA_URL = /^data:(image\/[a-z0-9.+-]{1,32});base64,([A-Za-z0-9+/=\r\n]+)$/

function inputImage(ctx: DriverContext, v: unknown): InputImage {
  const url = typeof v === 'string' ? v : isJsonObject(v) ? (isJsonObject(v.image_url) ? v.image_url.url : v.image_url) : undefined
  const m = typeof url === 'string' ? DATA_URL.exec(url) : null
  if (m === null) bad(ctx, 'each input image must be a base64 data URL (data:image/png;base64,...)')
  return { mimeType: m[1]!, data: m[2]!.replace(/[\r\n]/g, '') }
}

const SIZE = /^([0-9]{2,5})x([0-9]{2,5})$/

/** The request, checked: Kong's 400 for a body without a prompt, a transform error for bad fields. */
export function imageRequest(req: LlmRequest, ctx: DriverContext): ImageRequest {
  const prompt = req.prompt
  if (typeof prompt !== 'string' || prompt.length === 0) throw llmError(400, "request body doesn't contain valid prompts")
  requireModel(ctx)
  if (prompt.length > MAX_IMAGE_PROMPT) bad(ctx, `prompt is longer than ${MAX_IMAGE_PROMPT} characters`)
  if (req.stream === true) bad(ctx, 'image generation does not stream here')
  let n: number | undefined
  if (req.n !== undefined && req.n !== null) {
    if (typeof req.n !== 'number' || !Number.isInteger(req.n) || req.n < 1 || req.n > MAX_IMAGES) bad(ctx, `'n' must be a whole number from 1 to ${MAX_IMAGES}`)
    n = req.n
  }
  let size: ImageRequest['size']
  if (req.size !== undefined && req.size !== null && req.size !== 'auto') {
    const m = typeof req.size === 'string' ? SIZE.exec(req.size) : null
    if (m === null) bad(ctx, "'size' must be WIDTHxHEIGHT or auto")
    size = { width: Number(m[1]), height: Number(m[2]) }
  }
  const images: InputImage[] = []
  if (ctx.route === IMAGE_EDITS) {
    const given = req.images ?? req.image
    const list = Array.isArray(given) ? given : given === undefined ? [] : [given]
    if (list.length === 0) bad(ctx, "an edit needs an input image ('image' or 'images')")
    if (list.length > MAX_INPUT_IMAGES) bad(ctx, `at most ${MAX_INPUT_IMAGES} input images`)
    for (const v of list) images.push(inputImage(ctx, v))
  }
  const mask = ctx.route === IMAGE_EDITS && req.mask !== undefined && req.mask !== null ? inputImage(ctx, req.mask) : undefined
  return { prompt, n, size, images, mask, extra: req.extra_body }
}

/** OpenAI's images answer. */
export function imagesAnswer(b64: string[], usage: TokenUsage | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { created: Math.floor(Date.now() / 1000), data: b64.map((b64_json) => ({ b64_json })), ...extra }
  if (usage !== null) out.usage = { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens, total_tokens: usage.total_tokens }
  return out
}
