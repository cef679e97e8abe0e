// Image generation and edits on Gemini and Vertex (Kong 3.11's image/v1/images/generations and
// image/v1/images/edits): generateContent with the prompt (and, for an edit, the input images as
// inlineData parts), `responseModalities` asking for images, and the client's `generationConfig`
// passed through (Kong 3.13: `imageConfig` with aspectRatio and imageSize, the seed's example),
// within a size limit. The answer's inlineData images become OpenAI's `data[].b64_json`.
// https://ai.google.dev/gemini-api/docs/image-generation  https://ai.google.dev/api/generate-content#ImageConfig
import { isJsonObject, mergeJson, nullObject } from '../../../../core/safe-merge.ts'
import { llmError } from '../../errors.ts'
import type { DecodedResponse, DriverContext, LlmRequest } from '../../types.ts'
import { imageRequest, imagesAnswer } from '../image-request.ts'
import { usageOf } from './decode-response.ts'

type Json = Record<string, unknown>

/** The client's generationConfig is forwarded up to this size (serialized). */
export const MAX_GENERATION_CONFIG = 16 * 1024

// OpenAI sizes → Gemini's aspect ratios (the ones imageConfig takes)
const RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9']

function aspectRatio(width: number, height: number): string | undefined {
  let best: string | undefined
  let error = 0.03
  for (const r of RATIOS) {
    const [w, h] = r.split(':').map(Number) as [number, number]
    const e = Math.abs(width / height - w / h) / (w / h)
    if (e < error) [best, error] = [r, e]
  }
  return best
}

export function toGeminiImage(req: LlmRequest, ctx: DriverContext): Json {
  const r = imageRequest(req, ctx)
  // generateContent has no mask: dropping it would edit the whole image where the client asked for a part
  if (r.mask !== undefined) throw llmError(400, `error transforming to gemini://${ctx.route}: 'mask' is not supported by Gemini image editing`)
  const parts: Json[] = [{ text: r.prompt }]
  for (const img of r.images) parts.push({ inlineData: { mimeType: img.mimeType, data: img.data } })
  const config: Json = nullObject()
  config.responseModalities = ['TEXT', 'IMAGE']
  if (r.n !== undefined && r.n > 1) config.candidateCount = r.n
  const ratio = r.size !== undefined ? aspectRatio(r.size.width, r.size.height) : undefined
  if (ratio !== undefined) config.imageConfig = { aspectRatio: ratio }
  const given = req.generationConfig ?? req.generation_config
  if (given !== undefined) {
    if (!isJsonObject(given)) throw llmError(400, `error transforming to gemini://${ctx.route}: 'generationConfig' must be an object`)
    if (JSON.stringify(given).length > MAX_GENERATION_CONFIG) throw llmError(400, `error transforming to gemini://${ctx.route}: 'generationConfig' is larger than ${MAX_GENERATION_CONFIG} bytes`)
  }
  // the client's generationConfig wins over what was derived from size and n (merged, never by prototype keys)
  const generationConfig = mergeJson(config, given, Infinity)
  const body: Json = { contents: [{ role: 'user', parts }], generationConfig }
  // extra_body: Gemini fields beside generationConfig (safetySettings, ...)
  return mergeJson(body, r.extra, Infinity)
}

export function fromGeminiImage(body: Buffer, ctx: DriverContext): DecodedResponse {
  let res: unknown
  try {
    res = JSON.parse(body.toString('utf8'))
  } catch {
    res = null
  }
  if (!isJsonObject(res)) throw llmError(500, `transformation failed from type gemini://${ctx.route}: failed to decode response from Gemini`)
  const images: string[] = []
  const texts: string[] = []
  for (const c of Array.isArray(res.candidates) ? res.candidates : []) {
    const content = isJsonObject(c) ? c.content : undefined
    for (const p of isJsonObject(content) && Array.isArray(content.parts) ? content.parts : []) {
      if (!isJsonObject(p)) continue
      const inline = isJsonObject(p.inlineData) ? p.inlineData : isJsonObject(p.inline_data) ? p.inline_data : null
      if (inline !== null && typeof inline.data === 'string') images.push(inline.data)
      else if (typeof p.text === 'string' && p.thought !== true) texts.push(p.text)
    }
  }
  if (images.length === 0) {
    const f = isJsonObject(res.promptFeedback) ? res.promptFeedback : null
    if (f !== null) throw llmError(400, typeof f.blockReasonMessage === 'string' ? f.blockReasonMessage : `prompt blocked by Gemini: ${typeof f.blockReason === 'string' ? f.blockReason : 'unknown reason'}`)
    throw llmError(500, `transformation failed from type gemini://${ctx.route}: no image in the Gemini answer`)
  }
  const usage = usageOf(res.usageMetadata as never)
  // the model's words beside the image, as OpenAI's revised_prompt would carry them
  const out = imagesAnswer(images, usage, texts.length > 0 ? { text: texts.join('') } : {})
  return { body: JSON.stringify(out), usage, model: typeof res.modelVersion === 'string' ? res.modelVersion : ctx.model.name ?? null, parsed: out }
}
