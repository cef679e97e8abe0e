// Windowed counters shared by every thread of one gateway node: a fixed-size open-addressing hash
// table in one SharedArrayBuffer, created by the main thread (core/node.ts) and handed to each
// worker at start, so a restarted worker and a reloaded config keep counting where they were.
// Rate limiters read and add synchronously (a few Atomics per call, no message, no await), and a
// check-and-add is atomic under the slot's lock, so concurrent requests on N workers never pass a
// limit together.
//
// Bound: SLOTS counters per node (SLOT_BYTES each, 3 MiB). A key lives in the first slot of its
// probe run (PROBES slots from its hash) that holds it, is empty, or holds a counter whose window
// ended over a window ago (reclaimed). When a key's whole run holds live counters of other keys the
// table is full for it: the call reports FULL and the caller decides (the limiters admit uncounted
// and warn), so a flood of distinct identifiers costs memory once and never grows it.
//
// Slot layout (48 bytes): int32 lock, int32 hash hi, int32 hash lo, int32 unused, then float64
// window start (ms), float64 count in that window, float64 count of the window before (sliding
// windows), float64 time (ms) after which the slot may be reclaimed. Floats: token costs are
// fractional.
import { randomBytes } from 'node:crypto'
const START = 2
const COUNT = 3
const PREVIOUS = 4
const EXPIRES = 5

export const SLOTS = 1 << 16
export const PROBES = 64
const SLOT_BYTES = 48
const I32_PER_SLOT = SLOT_BYTES / 4
const F64_PER_SLOT = SLOT_BYTES / 8
/** int32 index of the table-wide insert lock (after the slots) */
const INSERT_LOCK = SLOTS * I32_PER_SLOT
/** int32 index of the node's hash seed, drawn when the table is made and read by every thread */
const SEED = INSERT_LOCK + 1

/** Returned by the counting calls when the key's probe run has no room. */
export const FULL = Number.NaN

export class CounterTable {
  readonly buffer: SharedArrayBuffer
  private readonly i32: Int32Array
  private readonly f64: Float64Array
  /** the node's hash seed: keys land in slots a client cannot predict, so it cannot aim identifiers at one probe run */
  private readonly seed: number
  /** count of the window before the current one, from the last `read` (no allocation per call) */
  previous = 0

  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(SLOTS * SLOT_BYTES + 8)
    this.i32 = new Int32Array(this.buffer)
    this.f64 = new Float64Array(this.buffer, 0, SLOTS * F64_PER_SLOT)
    if (buffer === undefined) Atomics.store(this.i32, SEED, randomBytes(4).readInt32LE(0))
    this.seed = Atomics.load(this.i32, SEED)
  }

  /** The key's count in the window starting at `start` (ms, `size` ms long); sets `previous`. */
  read(key: string, start: number, size: number): number {
    const s = this.lock(key, start, size)
    if (s < 0) { this.previous = 0; return FULL }
    const f = s * F64_PER_SLOT
    const count = this.f64[f + COUNT]!
    this.previous = this.f64[f + PREVIOUS]!
    this.unlock(s)
    return count
  }

  /** Adds `delta`; returns the count after. */
  add(key: string, start: number, size: number, delta: number): number {
    const s = this.lock(key, start, size)
    if (s < 0) return FULL
    const f = s * F64_PER_SLOT + COUNT
    const after = (this.f64[f] = this.f64[f]! + delta)
    this.unlock(s)
    return after
  }

  /**
   * Adds `delta` only if the count is below `limit` (Kong's "refused when usage >= limit");
   * returns the count before, or -1 - count when refused (nothing added), or FULL.
   */
  addWithin(key: string, start: number, size: number, delta: number, limit: number): number {
    const s = this.lock(key, start, size)
    if (s < 0) return FULL
    const f = s * F64_PER_SLOT + COUNT
    const before = this.f64[f]!
    const admitted = before < limit
    if (admitted) this.f64[f] = before + delta
    this.unlock(s)
    return admitted ? before : -1 - before
  }

  /** Raises the count to at least `value` (a global count read back from Redis); returns the count. */
  raiseTo(key: string, start: number, size: number, value: number): number {
    const s = this.lock(key, start, size)
    if (s < 0) return FULL
    const f = s * F64_PER_SLOT + COUNT
    if (this.f64[f]! < value) this.f64[f] = value
    const count = this.f64[f]!
    this.unlock(s)
    return count
  }

  /**
   * Finds (or claims) the key's slot and returns it locked, its window rolled to `start`; -1 when
   * the probe run is full of other live keys.
   */
  private lock(key: string, start: number, size: number): number {
    hashKey(key, this.seed)
    const hi = hashedHi
    const lo = hashedLo | 1 // never 0: (0, 0) marks an empty slot
    const home = hi & (SLOTS - 1)
    // 1. the key's own slot, without the insert lock (the common case)
    for (let p = 0; p < PROBES; p++) {
      const s = (home + p) & (SLOTS - 1)
      const b = s * I32_PER_SLOT
      const slotLo = Atomics.load(this.i32, b + 2)
      if (slotLo === 0) break // empty: the key was never inserted past here
      if (slotLo !== lo || Atomics.load(this.i32, b + 1) !== hi) continue
      this.spin(b)
      // reclaimed for another key between the look and the lock: look again from the start
      if (this.i32[b + 2] !== lo || this.i32[b + 1] !== hi) { this.unlock(s); return this.lock(key, start, size) }
      this.roll(s, start, size)
      return s
    }
    // 2. insert under the table-wide lock (once per key and lifetime), looking again first so two
    // threads inserting the same key at once end in one slot
    this.spin(INSERT_LOCK)
    try {
      let free = -1
      for (let p = 0; p < PROBES; p++) {
        const s = (home + p) & (SLOTS - 1)
        const b = s * I32_PER_SLOT
        const slotLo = this.i32[b + 2]
        if (slotLo === lo && this.i32[b + 1] === hi) {
          this.spin(b)
          this.roll(s, start, size)
          return s
        }
        if (free < 0 && (slotLo === 0 || this.f64[s * F64_PER_SLOT + EXPIRES]! <= start)) free = s
        if (slotLo === 0) break
      }
      if (free < 0) return -1
      const b = free * I32_PER_SLOT
      this.spin(b)
      const f = free * F64_PER_SLOT
      this.f64[f + START] = start
      this.f64[f + COUNT] = 0
      this.f64[f + PREVIOUS] = 0
      this.f64[f + EXPIRES] = start + 2 * size
      Atomics.store(this.i32, b + 1, hi)
      Atomics.store(this.i32, b + 2, lo)
      return free
    } finally {
      Atomics.store(this.i32, INSERT_LOCK, 0)
    }
  }

  /** Moves a locked slot's counts to the window starting at `start`. */
  private roll(s: number, start: number, size: number): void {
    const f = s * F64_PER_SLOT
    const was = this.f64[f + START]!
    if (was === start) return
    if (start < was) return // a late caller of an older window counts in the current one
    this.f64[f + PREVIOUS] = was === start - size ? this.f64[f + COUNT]! : 0
    this.f64[f + COUNT] = 0
    this.f64[f + START] = start
    this.f64[f + EXPIRES] = start + 2 * size
  }

  /** Takes the int32 lock at `i`; holders keep it for a few instructions, so spinning is cheaper than waiting. */
  private spin(i: number): void {
    while (Atomics.compareExchange(this.i32, i, 0, 1) !== 0) { /* another thread holds it for a few ns */ }
  }

  private unlock(s: number): void {
    Atomics.store(this.i32, s * I32_PER_SLOT, 0)
  }
}

// Two independent 32-bit hashes of the key (64 bits: a collision of two live keys is ~2^-32 at
// a full table), in one pass over the key and returned in hashedHi/hashedLo (no object per call).
// Linear in the key's length; keys are built from capped request fields. Both start from the
// node's random seed: not a cryptographic MAC, but identifiers chosen offline no longer share a
// probe run on every node.
let hashedHi = 0
let hashedLo = 0

function hashKey(key: string, seed: number): void {
  let hi = 0x811c9dc5 ^ seed
  let lo = Math.imul(0x9e3779b9 ^ seed, 0x85ebca6b)
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    hi = Math.imul(hi ^ c, 0x01000193)
    lo = Math.imul(lo ^ c, 0x5bd1e995) ^ (lo >>> 15)
  }
  hashedHi = hi | 0
  hashedLo = lo | 0
}

let table: CounterTable | null = null

/** This thread's table: the one adopted from the main thread, or (main thread) a new one. */
export function counterTable(): CounterTable {
  return (table ??= new CounterTable())
}

/** Main thread, at node start: a fresh table for this node, to hand to its workers. */
export function createCounterTable(): CounterTable {
  return (table = new CounterTable())
}

/** In a worker: count in the main thread's table. */
export function adoptCounterTable(buffer: SharedArrayBuffer): void {
  table = new CounterTable(buffer)
}
