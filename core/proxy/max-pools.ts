/**
 * Distinct upstream origins with a live pool, per thread and per client (undici's pools for
 * https and streamed bodies, H1 pools for the rest): an AI target's host can come from a request.
 */
export const MAX_POOLS = 256
