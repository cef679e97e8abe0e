// Reading a compressed upstream answer: the inflated size is capped, so a small gzip, brotli or
// deflate bomb from an upstream cannot expand into gigabytes in a worker (zlib stops at the cap).
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { KONG_MESSAGES } from '../../../core/errors.ts'
import { llmError } from '../errors.ts'

/**
 * The most the gateway reads of one non-streamed upstream answer, compressed or inflated: far
 * above any LLM answer (which are KiBs to a few MiBs), bounded for the worker. Kong has no
 * setting for it (nginx spills to disk), so neither do we.
 */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024

/**
 * `body` inflated per its Content-Encoding (gzip, br, deflate; anything else as is). Throws
 * Kong's 502 when the answer inflates past MAX_RESPONSE_BYTES, and zlib's error when it is not
 * what the header says.
 */
export function inflateBody(body: Buffer, encoding: string | undefined): Buffer {
  const opts = { maxOutputLength: MAX_RESPONSE_BYTES }
  try {
    switch (encoding) {
      case 'gzip': return gunzipSync(body, opts)
      case 'br': return brotliDecompressSync(body, opts)
      case 'deflate': return inflateSync(body, opts)
      default: return body
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw llmError(502, KONG_MESSAGES.badGateway)
    throw e
  }
}
