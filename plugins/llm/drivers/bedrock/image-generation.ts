// Image generation and edits on Bedrock (Kong 3.11's image route types) through InvokeModel:
// Amazon Nova Canvas and Titan Image Generator take TEXT_IMAGE (generation) and IMAGE_VARIATION
// (an edit: the prompt guides variations of the input images); Stability models take their own
// text-to-image / image-to-image body. `extra_body` is merged over the body the driver built
// (negativeText, cfgScale, seed, quality, style ...). The answer's base64 images become OpenAI's
// `data[].b64_json`. Kong logs no statistics for Bedrock's image APIs, and neither does this.
// https://docs.aws.amazon.com/nova/latest/userguide/image-gen-req-resp-structure.html
// https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-image.html
// https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-3-text-image.html
import { isJsonObject, mergeJson } from '../../../../core/safe-merge.ts'
import { llmError } from '../../errors.ts'
import type { DecodedResponse, DriverContext, LlmRequest } from '../../types.ts'
import { IMAGE_EDITS, imageRequest, imagesAnswer } from '../image-request.ts'

type Json = Record<string, unknown>

function isStability(model: string): boolean {
  return /^(?:[a-z]{2,6}\.)?stability\./.test(model)
}

const STABILITY_RATIOS = ['1:1', '16:9', '21:9', '2:3', '3:2', '4:5', '5:4', '9:16', '9:21']

export function toBedrockImage(req: LlmRequest, ctx: DriverContext): Json {
  const r = imageRequest(req, ctx)
  const model = ctx.model.name ?? ''
  let body: Json
  if (isStability(model)) {
    if (r.mask !== undefined) throw llmError(400, `error transforming to bedrock://${ctx.route}: 'mask' is not supported by Stability image-to-image`)
    body = { prompt: r.prompt, mode: r.images.length > 0 ? 'image-to-image' : 'text-to-image', output_format: 'png' }
    if (r.images.length > 0) body.image = r.images[0]!.data
    else if (r.size !== undefined) {
      const g = (a: number, b: number): number => (b === 0 ? a : g(b, a % b))
      const d = g(r.size.width, r.size.height)
      const ratio = `${r.size.width / d}:${r.size.height / d}`
      if (STABILITY_RATIOS.includes(ratio)) body.aspect_ratio = ratio
    }
  } else {
    const config: Json = { numberOfImages: r.n ?? 1 }
    if (r.size !== undefined) {
      config.width = r.size.width
      config.height = r.size.height
    }
    // a mask: Nova's and Titan's INPAINTING of the first image. The mask's bytes go as they came:
    // Bedrock reads black as what changes, not OpenAI's transparency; the client draws it so
    body = r.mask !== undefined
      ? { taskType: 'INPAINTING', inPaintingParams: { text: r.prompt, image: r.images[0]!.data, maskImage: r.mask.data }, imageGenerationConfig: config }
      : ctx.route === IMAGE_EDITS
      ? { taskType: 'IMAGE_VARIATION', imageVariationParams: { text: r.prompt, images: r.images.map((i) => i.data) }, imageGenerationConfig: config }
      : { taskType: 'TEXT_IMAGE', textToImageParams: { text: r.prompt }, imageGenerationConfig: config }
  }
  return mergeJson(body, r.extra, Infinity)
}

export function fromBedrockImage(body: Buffer, ctx: DriverContext): DecodedResponse {
  let res: unknown
  try {
    res = JSON.parse(body.toString('utf8'))
  } catch {
    res = null
  }
  const images = isJsonObject(res) && Array.isArray(res.images) ? res.images.filter((i): i is string => typeof i === 'string') : []
  if (images.length === 0) {
    const why = isJsonObject(res) && typeof res.error === 'string' ? res.error : 'no image in the Bedrock answer'
    throw llmError(500, `transformation failed from type bedrock://${ctx.route}: ${why}`)
  }
  const out = imagesAnswer(images, null)
  return { body: JSON.stringify(out), usage: null, model: ctx.model.name ?? null, parsed: out }
}
