// A request's trace, root span and balancer span ids kept as bytes from the moment they are drawn
// (in the ChildIds layout its spans copy: no hex decoding in the log phase), with their hex made
// only where a header or a test asks for it (the W3C traceparent is written from the bytes). Three
// hex strings per sampled request were ~110 B of garbage that lived across the upstream call.
import { childIds, setTraceView, type ChildIds } from './otlp-encode.ts'
import { spanIdInto, traceIdInto } from './trace-ids.ts'

/** where each id's bytes are in `ids.buf` (setChildIds writes the same layout from hex) */
export const TRACE_AT = 2
export const ROOT_AT = 20
export const BALANCER_AT = 28
const END = 36

const HEX = new Uint8Array(128)
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i
}

export class RequestIds {
  /** trace_id field, parent_span_id field (the root span), the balancer span's 8 bytes */
  readonly ids: ChildIds = childIds()
  /** the three ids' bytes (a view made once: copyFrom copies them with one TypedArray#set) */
  private readonly idBytes: Uint8Array
  private hexTrace: string | null = null
  private hexRoot: string | null = null
  private hexBalancer: string | null = null
  /**
   * whether the root span's id is drawn: only when something reads it (a sampled request's spans,
   * a format that sends a parent id), not for the sampled-out request that injects W3C only
   */
  private rootDrawn = false

  constructor() {
    this.ids.traceEnd = ROOT_AT - 2
    this.ids.parentEnd = BALANCER_AT
    setTraceView(this.ids)
    this.idBytes = this.ids.buf.subarray(TRACE_AT, END)
    const b = this.ids.buf
    b[0] = 0x0a // trace_id
    b[1] = 16
    b[ROOT_AT - 2] = 0x22 // parent_span_id
    b[ROOT_AT - 1] = 8
  }

  /**
   * New root and balancer span ids (the root's drawn when first read); the trace `traceId` (32 hex digits, as extraction gives it:
   * validated and padded) or a new one when null.
   */
  draw(traceId: string | null): void {
    const b = this.ids.buf
    if (traceId === null) {
      traceIdInto(b, TRACE_AT)
    } else {
      for (let i = 0; i < 16; i++) b[TRACE_AT + i] = (HEX[traceId.charCodeAt(2 * i) & 0x7f]! << 4) | HEX[traceId.charCodeAt(2 * i + 1) & 0x7f]!
    }
    spanIdInto(b, BALANCER_AT)
    this.rootDrawn = false
    this.hexTrace = traceId
    this.hexRoot = this.hexBalancer = null
  }

  /** The root span's id bytes at ROOT_AT, drawn now if not yet (a traceparent written from them). */
  drawRoot(): void {
    if (this.rootDrawn) return
    spanIdInto(this.ids.buf, ROOT_AT)
    this.rootDrawn = true
  }

  /** `from`'s ids (and whatever hex it made already) */
  copyFrom(from: RequestIds): void {
    from.drawRoot()
    this.rootDrawn = true
    // TypedArray#set of a view made once (Buffer#copy of a part makes a view of the source per call)
    this.ids.buf.set(from.idBytes, TRACE_AT)
    this.hexTrace = from.hexTrace
    this.hexRoot = from.hexRoot
    this.hexBalancer = from.hexBalancer
  }

  get traceId(): string { return (this.hexTrace ??= this.ids.buf.toString('hex', TRACE_AT, TRACE_AT + 16)) }
  get rootId(): string {
    this.drawRoot()
    return (this.hexRoot ??= this.ids.buf.toString('hex', ROOT_AT, ROOT_AT + 8))
  }
  get balancerId(): string { return (this.hexBalancer ??= this.ids.buf.toString('hex', BALANCER_AT, BALANCER_AT + 8)) }
}
