// Requests whose JSON body a converting driver turned into the provider's. The OpenAI API route
// types (images, videos) take multipart uploads for OpenAI and Azure, which proxy them unparsed;
// a converting provider cannot read one, and the pipeline hands the driver no request to convert
// then. A call that reaches the driver's target without a converted body is refused there, before
// the client's bytes could go to a provider that does not read them.
import { llmError } from '../errors.ts'
import type { DriverContext } from '../types.ts'

// keyed by the request's DriverContext, which lives from encode to decode
const converted = new WeakSet<DriverContext>()

export function markConverted(ctx: DriverContext): void {
  converted.add(ctx)
}

/**
 * The model a converting driver puts into the provider's URL or body: the OpenAI API route types
 * do not require one in the pipeline (OpenAI's files and batches have none), these calls do.
 */
export function requireModel(ctx: DriverContext): string {
  const name = ctx.model.name
  if (name === undefined || name === '') throw llmError(400, 'model parameter not found in request, nor in gateway configuration')
  return name
}

/** Kong's 400 when the body was not converted (no JSON body with a prompt). */
export function requireConvertedBody(ctx: DriverContext): void {
  if (!converted.has(ctx)) throw llmError(400, "request body doesn't contain valid prompts")
}
