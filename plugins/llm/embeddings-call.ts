// What providers' embeddings registrations share: the target (model.options.upstream_url wins
// over the provider's address, as for every other call) and reading a vector out of an answer.
import type { EmbeddingsModel } from './schema.ts'
import type { UpstreamTarget } from './types.ts'
import { parseUpstreamUrl } from './pipeline/target.ts'

export function embeddingsTarget(model: EmbeddingsModel, url: string): UpstreamTarget {
  return parseUpstreamUrl(model.options?.upstream_url ?? url)
}

/** The value at a path of keys and indexes in a parsed answer, or undefined. */
export function valueAt(v: unknown, ...path: (string | number)[]): unknown {
  let x = v
  for (const k of path) x = x !== null && typeof x === 'object' ? Object.getOwnPropertyDescriptor(x, k)?.value : undefined
  return x
}

/** OpenAI's embeddings answer: `data[0].embedding`. */
export const openAiVector = (answer: unknown): unknown => valueAt(answer, 'data', 0, 'embedding')
