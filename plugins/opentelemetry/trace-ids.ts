// Trace and span ids as lowercase hex, from a pool of random bytes refilled 4 KiB at a time: one
// crypto call per ~170 requests instead of three per request.
import { randomFillSync } from 'node:crypto'

const pool = Buffer.alloc(4096)
let at = pool.length

function hex(bytes: number): string {
  for (;;) {
    if (at + bytes > pool.length) { randomFillSync(pool); at = 0 }
    const from = at
    at += bytes
    // an all-zero id is invalid (W3C): astronomically rare, but never emit one (checked on the
    // bytes: no regex over the string per id)
    for (let i = from; i < at; i++) if (pool[i] !== 0) return pool.toString('hex', from, at)
  }
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
