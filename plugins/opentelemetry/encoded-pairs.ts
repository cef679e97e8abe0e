// A span attribute whose values repeat (a request's method, scheme, host, route; an upstream's
// address; a GenAI provider, operation or model) written as one copy of its whole encoded
// KeyValue, made the first time the value is seen, instead of a key copy, a string encode and two
// length fixes per span. Values come from clients (Host, model names), so the cache is capped in
// entries and in value length: past either, a value is written the ordinary way (attrString), the
// same bytes, only slower. The cap is never lifted by evicting: a flood of hostile hosts cannot
// make the cache churn, it only stops helping for values first seen after it filled.
import { attrString, OtlpWriter } from './otlp-encode.ts'
import { ownString } from './own-string.ts'

/** distinct values kept per key */
export const MAX_PAIRS = 256
/** UTF-16 units of a value worth keeping (a longer one is written without the cache) */
export const MAX_PAIR_VALUE = 128

const scratch = new OtlpWriter(64)

/** a kept value (a string of its own, not a slice that holds the header it came from) and its encoded pair */
interface Entry { readonly value: string; readonly pair: Uint8Array }

export class EncodedPairs {
  private readonly byValue = new Map<string, Entry>()
  /**
   * the entry written last: most requests repeat its value (one method, host, route, model), and
   * comparing a short string costs less than the map's hashing of a string new per request
   */
  private last: Entry | null = null

  /** `key`: the KeyValue key field (encodedKey) */
  constructor(private readonly key: Uint8Array) {}

  /** values kept (tests: the cap holds) */
  get size(): number { return this.byValue.size }

  /** The bytes attrString(w, key, v) writes. */
  write(w: OtlpWriter, v: string): void {
    let e = this.last
    if (e === null || e.value !== v) {
      e = this.byValue.get(v) ?? null
      if (e === null) {
        if (v.length > MAX_PAIR_VALUE || this.byValue.size >= MAX_PAIRS) { attrString(w, this.key, v); return }
        scratch.pos = 0
        attrString(scratch, this.key, v)
        const value = ownString(v)
        e = { value, pair: new Uint8Array(scratch.buf.subarray(0, scratch.pos)) }
        this.byValue.set(value, e)
      }
      this.last = e
    }
    const pair = e.pair
    const n = pair.length
    w.ensure(n)
    // one memmove (TypedArray#set): a byte loop cost more for pairs of this size
    w.buf.set(pair, w.pos)
    w.pos += n
  }
}
