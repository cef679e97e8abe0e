// Attributes whose bytes follow from a few strings that repeat request after request (the server
// span's method, URL, host, scheme and flavor from its method, scheme, host, path and query; the
// GenAI span's operation and provider from its route type and provider; its models and finish
// reason): the bytes written for the last values are kept with those values, and the next span
// with the same values gets one copy of them instead of several cached-pair copies, string
// encodes and length fixes.
// One entry, not a map: values that vary (a client's path, query, Host or model) only make their
// spans miss (written the ordinary way), so nothing grows with input. A miss replaces the kept
// block only on the first of a run of misses and every KEEP_EVERY-th after it: a path that
// differs on every request (ids in it) would otherwise pay the copies below on every request; a
// route that changes for good is taken up after at most KEEP_EVERY misses. A kept value is a
// string of its own (a slice of a request's URL, header or body would keep it alive), copied
// only when that value changed; a block over MAX_KEPT_BYTES is not kept.
import type { OtlpWriter } from './otlp-encode.ts'
import { ownString } from './own-string.ts'

/** bytes of a block worth keeping (a longer one is written the ordinary way every time) */
export const MAX_KEPT_BYTES = 512
/** misses in a row between two blocks kept */
export const KEEP_EVERY = 64

/** Up to five strings and the bytes written for them ('' for a slot a block does not use). */
export class RepeatedBytes {
  private a = ''
  private b = ''
  private c = ''
  private d = ''
  private e = ''
  /** the bytes written for the values above; null: nothing kept */
  private bytes: Uint8Array | null = null
  /** misses since the last hit or the last block kept, modulo KEEP_EVERY */
  private misses = 0
  /** blocks kept so far (tests: the miss policy) */
  keeps = 0

  /** Writes the kept bytes into `w` if they were written for these values; false (nothing written) otherwise. */
  writeKept(w: OtlpWriter, a: string, b: string, c: string, d: string, e: string): boolean {
    const kept = this.bytes
    if (kept === null || a !== this.a || b !== this.b || c !== this.c || d !== this.d || e !== this.e) return false
    this.misses = 0
    const n = kept.length
    w.ensure(n)
    w.buf.set(kept, w.pos)
    w.pos += n
    return true
  }

  /**
   * After a miss: keeps `w.buf[from, w.pos)`, just written for these values, for the next span with
   * the same values (on the first miss of a run and every KEEP_EVERY-th after it).
   */
  keep(w: OtlpWriter, from: number, a: string, b: string, c: string, d: string, e: string): void {
    const m = this.misses
    this.misses = (m + 1) % KEEP_EVERY
    if (m !== 0) return
    if (w.pos - from > MAX_KEPT_BYTES) { this.bytes = null; return }
    this.keeps++
    if (a !== this.a) this.a = ownString(a)
    if (b !== this.b) this.b = ownString(b)
    if (c !== this.c) this.c = ownString(c)
    if (d !== this.d) this.d = ownString(d)
    if (e !== this.e) this.e = ownString(e)
    // a copy: the writer's buffer is reused batch after batch
    this.bytes = new Uint8Array(w.buf.subarray(from, w.pos))
  }
}
