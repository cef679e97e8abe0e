// Trace and span ids from a pool of random bytes refilled 4 KiB at a time (one crypto call per ~100
// requests instead of one per id): as lowercase hex where a header or the queue of live requests
// needs them, as raw bytes written straight into the batch for child spans no one else sees.
import { randomFillSync } from 'node:crypto'

const pool = Buffer.alloc(4096)
let at = pool.length

/** Takes `bytes` random bytes, not all zero, from the pool: returns where they start in it. */
function take(bytes: number): number {
  for (;;) {
    if (at + bytes > pool.length) { randomFillSync(pool); at = 0 }
    const from = at
    at += bytes
    // an all-zero id is invalid (W3C): astronomically rare, but never emit one (checked on the
    // bytes: no regex over the string per id)
    for (let i = from; i < at; i++) if (pool[i] !== 0) return from
  }
}

function hex(bytes: number): string {
  const from = take(bytes)
  return pool.toString('hex', from, from + bytes)
}

/** 8 random bytes (not all zero) at `out[to]`: a span id no header needs, never a hex string. */
export function spanIdInto(out: Uint8Array, to: number): void {
  const from = take(8)
  for (let i = 0; i < 8; i++) out[to + i] = pool[from + i]!
}

/** 16 random bytes (not all zero) at `out[to]`: a new trace id as bytes. */
export function traceIdInto(out: Uint8Array, to: number): void {
  const from = take(16)
  for (let i = 0; i < 16; i++) out[to + i] = pool[from + i]!
}

export const newTraceId = (): string => hex(16)
export const newSpanId = (): string => hex(8)

/**
 * The trace id ratio sampler: the same trace id gives the same decision on every node (the low
 * 32 bits of the id against rate × 2^32).
 */
export function sampledByRate(traceId: string, rate: number): boolean {
  if (rate >= 1) return true
  if (rate <= 0) return false
  return parseInt(traceId.slice(24, 32), 16) < rate * 0x100000000
}

/** sampledByRate on a trace id's 16 bytes at `id[at]`: the same decision, no hex. */
export function sampledByRateBytes(id: Uint8Array, at: number, rate: number): boolean {
  if (rate >= 1) return true
  if (rate <= 0) return false
  const low = id[at + 12]! * 0x1000000 + ((id[at + 13]! << 16) | (id[at + 14]! << 8) | id[at + 15]!)
  return low < rate * 0x100000000
}
