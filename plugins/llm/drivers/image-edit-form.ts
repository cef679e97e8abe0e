// The OpenAI SDK's images.edit sends a multipart/form-data body (`image` or `image[]` files, an
// optional `mask` file, `prompt`, `n`, `size`, `model`, `stream`). Providers that convert image
// edits (Gemini, Vertex, Bedrock) read JSON: this turns the already buffered form into the JSON
// request imageRequest checks, the files becoming base64 data URLs. The form is parsed by
// undici's (Node's fetch) multipart reader rather than a parser of our own; the body it reads is
// the gateway's buffered, capped one. Fields are matched by name, never used as object keys, so
// `__proto__` or `constructor` parts are just unknown parts.
// https://platform.openai.com/docs/api-reference/images/createEdit
import { llmError } from '../errors.ts'
import type { LlmRequest } from '../types.ts'
import type { CompiledConf } from '../pipeline/compile.ts'
import type { ParsedRequest } from '../pipeline/state.ts'
import { DEFAULT_MAX_BODY } from '../pipeline/parse-request.ts'
import { IMAGE_EDITS, MAX_INPUT_IMAGES } from './image-request.ts'


/** Most parts a form may have: the images, a mask and a handful of fields (the SDK sends ~8). */
export const MAX_FORM_PARTS = MAX_INPUT_IMAGES + 16

// what Gemini and Bedrock take as input images, with each type's leading bytes: a part whose
// bytes are not what its label says is refused here rather than by the provider
const SIGNATURES: ReadonlyMap<string, (b: Uint8Array) => boolean> = new Map([
  ['image/png', (b: Uint8Array) => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ['image/jpeg', (b: Uint8Array) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/webp', (b: Uint8Array) => b.length > 12 && ascii(b, 0) === 'RIFF' && ascii(b, 8) === 'WEBP'],
])

function ascii(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!)
}

function bad(why: string): never {
  throw llmError(400, `invalid multipart image edit: ${why}`)
}

async function dataUrl(name: string, v: FormDataEntryValue): Promise<string> {
  if (typeof v === 'string') bad(`'${name}' must be a file`)
  const type = v.type.toLowerCase().split(';', 1)[0]!.trim()
  const matches = SIGNATURES.get(type)
  if (matches === undefined) bad(`'${name}' must be image/png, image/jpeg or image/webp`)
  const bytes = new Uint8Array(await v.arrayBuffer())
  if (bytes.length === 0) bad(`'${name}' is empty`)
  if (!matches(bytes)) bad(`'${name}' is not a ${type} file`)
  return `data:${type};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')}`
}

function text(name: string, v: FormDataEntryValue): string {
  if (typeof v !== 'string') bad(`'${name}' must be a text field`)
  return v
}

/**
 * The form as the JSON image edit request (`{prompt, model?, n?, size?, stream?, image: [data
 * URLs], mask?}`), or Kong's 400 for a form that cannot be read, has too many parts, or carries
 * images the providers do not take. Other fields the SDK may send (response_format, quality,
 * user ...) are not read, as the JSON path ignores them too.
 */
export async function readImageEditForm(raw: Buffer | null, contentType: string | undefined): Promise<LlmRequest> {
  let form: FormData
  try {
    // a view of the buffered bytes, not a copy
    const body = raw === null ? null : new Uint8Array(raw.buffer as ArrayBuffer, raw.byteOffset, raw.length)
    form = await new Response(body, { headers: { 'content-type': contentType ?? '' } }).formData()
  } catch {
    bad('the body is not a readable multipart/form-data form')
  }
  const images: FormDataEntryValue[] = []
  let mask: FormDataEntryValue | undefined
  const req: LlmRequest = {}
  let parts = 0
  for (const [name, v] of form) {
    if (++parts > MAX_FORM_PARTS) bad(`more than ${MAX_FORM_PARTS} parts`)
    switch (name) {
      case 'image':
      case 'image[]':
        if (images.length === MAX_INPUT_IMAGES) bad(`at most ${MAX_INPUT_IMAGES} input images`)
        images.push(v)
        break
      case 'mask':
        mask = v
        break
      case 'prompt':
      case 'model':
      case 'size':
        req[name] = text(name, v)
        break
      case 'n': {
        const s = text(name, v)
        req.n = /^[0-9]{1,3}$/.test(s) ? Number(s) : s // a non-number stays a string: imageRequest refuses it
        break
      }
      case 'stream':
        req.stream = text(name, v) === 'true'
        break
    }
  }
  if (images.length === 0) bad("an edit needs an 'image' file")
  const urls: string[] = []
  for (const v of images) urls.push(await dataUrl('image', v))
  req.image = urls
  if (mask !== undefined) req.mask = await dataUrl('mask', mask)
  return req
}

/**
 * A multipart image edit for a driver that converts edits from JSON (OpenAI, Azure and the
 * OpenAI-compatible providers proxy the form as it came, and answer unconverted).
 */
export function readsImageEditForm(c: CompiledConf, parsed: ParsedRequest): boolean {
  return parsed.multipart && c.conf.route_type === IMAGE_EDITS && c.format === null && c.convertsResponse
}

/** The parsed request with the form read into its JSON request (no longer multipart). */
export async function withImageEditForm(parsed: ParsedRequest, contentType: string | undefined): Promise<ParsedRequest> {
  // the same limit a JSON body is read within
  const max = parsed.c.conf.max_request_body_size ?? DEFAULT_MAX_BODY
  if (max !== 0 && parsed.raw !== null && parsed.raw.length > max) bad(`the form is larger than max_request_body_size (${max} bytes)`)
  const request = await readImageEditForm(parsed.raw, contentType)
  return {
    ...parsed, request, multipart: false,
    requestModel: typeof request.model === 'string' ? request.model : null,
    requestStream: request.stream === true,
  }
}
