// undici hands a response's header names and values as views into the socket read that carried
// the head: kept for the whole exchange (ctx.upstreamHeaders, the client's header list), they keep
// that whole read alive, head and first body bytes, up to 64 KiB for each open stream. When an
// answer goes on past its first read (a stream), a head in a read larger than MAX_PINNED is copied
// into one buffer of its own size, so the read is freed. Not earlier: most answers end within
// their first read, and a copy costs a new view per header (some 3 KB of allocation per response).

import type { FlatHeaders } from './context.ts'

/** Reads up to this size stay shared with the head (about what the views themselves weigh). */
export const MAX_PINNED = 4096

/**
 * Replaces each entry of `raw` with a view into one new buffer holding exactly their bytes, when
 * they keep a large read alive; the same entries in `forwarded` (the client's header list, built
 * from `raw` in its order, maybe edited since) are replaced by the same copies.
 */
export function detachHead(raw: FlatHeaders, forwarded: FlatHeaders | null): void {
  let large = false
  let total = 0
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!
    if (typeof b === 'string') continue
    total += b.length
    if (b.buffer.byteLength > MAX_PINNED) large = true
  }
  if (!large) return
  // its own allocation (not a slice of the shared pool, which would pin 8 KiB per survivor)
  const copy = Buffer.allocUnsafeSlow(total)
  const old = raw.slice()
  let at = 0
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!
    if (typeof b === 'string') continue
    const end = at + b.copy(copy, at)
    raw[i] = copy.subarray(at, end)
    at = end
  }
  if (forwarded === null) return
  // the forwarded list keeps raw's order: one walk over both (an entry a plugin moved stays as it is)
  let j = 0
  for (let i = 0; i < forwarded.length; i++) {
    const v = forwarded[i]!
    if (typeof v === 'string') continue
    let k = j
    while (k < old.length && old[k] !== v) k++
    if (k === old.length) continue
    forwarded[i] = raw[k]!
    j = k + 1
  }
}
