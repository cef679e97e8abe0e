// undici hands a response's header names and values as views into the socket read that carried
// the head: kept for the whole exchange (ctx.upstreamHeaders, the client's header list), they keep
// that whole read buffer alive, head and first body bytes. For a stream that stays open (SSE), a
// small live block in each freed read area of malloc is what made RSS grow with open streams.
// The head is copied into one buffer of its own size, so the read buffer is freed after the chunk.

/** Replaces each entry of `raw` with a view into one new buffer holding exactly their bytes. */
export function detachHead(raw: Buffer[]): void {
  let total = 0
  for (let i = 0; i < raw.length; i++) total += raw[i]!.length
  // its own allocation (not a slice of the shared pool, which would pin 8 KiB per survivor)
  const copy = Buffer.allocUnsafeSlow(total)
  let at = 0
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!
    const end = at + b.copy(copy, at)
    raw[i] = copy.subarray(at, end)
    at = end
  }
}
