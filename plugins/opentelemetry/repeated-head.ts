// The server span's first five attributes (http.method, http.url, http.host, http.scheme,
// http.flavor) depend only on the request's method, scheme, host, raw path and query, and those
// repeat request after request on a route. The bytes written for them are kept with the values
// they were written for, and the next request with the same values gets one copy of them instead
// of four cached-pair copies, the URL's five ASCII copies and its three length fixes.
// One entry, not a map: a client varying its path, query or Host only makes its requests miss
// (written the ordinary way, then kept in place of the last), so nothing grows with input. A kept
// value is a string of its own (a slice of a request's URL or header would keep it alive), copied
// only when that value changed.
import type { OtlpWriter } from './otlp-encode.ts'
import type { RequestFacts } from './request-spans.ts'

/** bytes of a head worth keeping (a longer URL is written the ordinary way every time) */
export const MAX_HEAD_BYTES = 512

const ownString = (s: string): string => Buffer.from(s, 'utf16le').toString('utf16le')

export class RepeatedHead {
  private method = ''
  private scheme = ''
  private host = ''
  private path = ''
  private query = ''
  /** the encoded attributes for the values above; null: nothing kept */
  private bytes: Uint8Array | null = null

  /** Writes the kept bytes into `w` if `f` has the values they were written for; false (nothing written) otherwise. */
  writeKept(w: OtlpWriter, f: RequestFacts): boolean {
    const b = this.bytes
    if (b === null || f.path !== this.path || f.host !== this.host || f.query !== this.query || f.method !== this.method || f.scheme !== this.scheme) return false
    const n = b.length
    w.ensure(n)
    w.buf.set(b, w.pos)
    w.pos += n
    return true
  }

  /** Keeps `w.buf[from, w.pos)`, just written for `f`'s values, for the next request with the same values. */
  keep(w: OtlpWriter, from: number, f: RequestFacts): void {
    const n = w.pos - from
    if (n > MAX_HEAD_BYTES) { this.bytes = null; return }
    if (f.method !== this.method) this.method = ownString(f.method)
    if (f.scheme !== this.scheme) this.scheme = ownString(f.scheme)
    if (f.host !== this.host) this.host = ownString(f.host)
    if (f.path !== this.path) this.path = ownString(f.path)
    if (f.query !== this.query) this.query = ownString(f.query)
    // a copy: the writer's buffer is reused batch after batch
    this.bytes = new Uint8Array(w.buf.subarray(from, w.pos))
  }
}
