// Request counters shared by every thread of the process through one SharedArrayBuffer, so the
// Admin API's /status reports the whole node without messages. One Atomics.add per request.
export const COUNTER = { totalRequests: 0, activeRequests: 1 } as const

let shared = new BigInt64Array(new SharedArrayBuffer(8 * 2))

/** The buffer to hand to worker threads. */
export function counterBuffer(): SharedArrayBuffer {
  return shared.buffer as SharedArrayBuffer
}

/** In a worker: use the main thread's buffer. */
export function adoptCounters(buf: SharedArrayBuffer): void {
  shared = new BigInt64Array(buf)
}

export function add(counter: number, n: bigint): void {
  Atomics.add(shared, counter, n)
}

export function read(counter: number): number {
  return Number(Atomics.load(shared, counter))
}
