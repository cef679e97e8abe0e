// OTLP/protobuf ExportTraceServiceRequest straight from lean spans, one pass into one growable
// buffer: no ReadableSpan views, no HrTime arrays, no id Uint8Arrays, no per-attribute objects.
// The exporter appends each request's spans as they come (startBatch, encodeSpan, finishBatch).
// The resource and scope are encoded once per exporter (encodeHeader); the batch's spans are
// written after room left for the header, which is then written backwards in front of them, so
// nothing is moved. Nested messages reserve a guessed length width and shift only when the guess
// was wrong (rare: a span < 128 or >= 16 KiB bytes, a key/value pair >= 128 bytes).
// Field numbers: opentelemetry-proto trace.proto / common.proto / resource.proto. Output is the
// same message @opentelemetry/otlp-transformer encodes for the same spans (its span kind + 1, its
// flags, status code always present), checked in spec/plugins/opentelemetry/otlp-encode.test.ts.
import { LeanSpan, type AttrValue } from './lean-span.ts'
import { spanIdInto } from './trace-ids.ts'

/** span flags: W3C sampled | CONTEXT_HAS_IS_REMOTE (| CONTEXT_IS_REMOTE for a remote parent) */
const FLAGS_LOCAL = 0x01 | 0x100
const FLAGS_REMOTE = FLAGS_LOCAL | 0x200
const ORIGIN = performance.timeOrigin
const TWO_32 = 0x100000000
const INT64_MIN = -(2 ** 63)
const INT64_END = 2 ** 63
const DEFAULT_BYTES = 64 * 1024
/** a writer grown past this is replaced after the batch */
const KEEP_BYTES = 1024 * 1024

/** hex digit → value (ids are lowercase hex of the right width, checked where they are read) */
const HEX = new Uint8Array(128)
for (let i = 0; i < 10; i++) HEX[48 + i] = i
for (let i = 0; i < 6; i++) { HEX[97 + i] = 10 + i; HEX[65 + i] = 10 + i }

const varintSize = (v: number): number => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5)

/** A growable output buffer; one per exporter, reused batch after batch. */
export class OtlpWriter {
  buf: Buffer
  pos = 0
  /**
   * The next openChild/openRoot's start and end (performance.now() ms), set with setTimes: a double
   * passed to a call that is not inlined (those two are too large) is boxed, 16 B per argument and
   * ~10 per request; a double field of the writer is overwritten in place. (0.5: a double field from the start.)
   */
  spanStart = 0.5
  spanEnd = 0.5
  constructor(size = DEFAULT_BYTES) { this.buf = Buffer.allocUnsafe(size) }

  /** The times of the span the next openChild or openRoot writes. */
  setTimes(start: number, end: number): void {
    this.spanStart = start
    this.spanEnd = end
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** unsigned, < 2^32 (tags, lengths, enums) */
  varint(v: number): void {
    const b = this.buf
    while (v > 0x7f) { b[this.pos++] = (v & 0x7f) | 0x80; v >>>= 7 }
    b[this.pos++] = v
  }

  /** int64 (two's complement for negatives, 10 bytes) of an integral double in [-2^63, 2^63) */
  int64(v: number): void {
    if (v >= 0 && v < TWO_32) { this.varint(v); return }
    let lo: number, hi: number
    if (v >= 0) { lo = v >>> 0; hi = (v / TWO_32) >>> 0 } else {
      const a = -v
      lo = ~(a >>> 0) >>> 0
      hi = ~((a / TWO_32) >>> 0) >>> 0
      lo = (lo + 1) >>> 0
      if (lo === 0) hi = (hi + 1) >>> 0
    }
    const b = this.buf
    while (hi > 0 || lo > 0x7f) {
      b[this.pos++] = (lo & 0x7f) | 0x80
      lo = ((lo >>> 7) | (hi << 25)) >>> 0
      hi >>>= 7
    }
    b[this.pos++] = lo
  }

  /** fixed32, little-endian */
  u32(v: number): void {
    const b = this.buf
    const p = this.pos
    b[p] = v
    b[p + 1] = v >>> 8
    b[p + 2] = v >>> 16
    b[p + 3] = v >>> 24
    this.pos = p + 4
  }

  /** performance.now() ms → fixed64 ns since the epoch, rounded as lean-span.ts's hr() rounds */
  time(ms: number): void {
    const t = ORIGIN + ms
    const s = Math.floor(t / 1000)
    const ns = Math.round((t - s * 1000) * 1e6)
    // s·1e9 = s·1953125·2^9, and s·1953125 < 2^53: split it at 2^23 so every product stays exact
    const m = s * 1953125
    const mHi = Math.floor(m / 0x800000)
    const low = (m - mHi * 0x800000) * 512 + ns
    const carry = Math.floor(low / TWO_32)
    this.u32(low - carry * TWO_32)
    this.u32(mHi + carry)
  }

  /** `hex.length / 2` bytes of a hex id, with their length prefix */
  id(hex: string): void {
    const n = hex.length >> 1
    const b = this.buf
    let p = this.pos
    b[p++] = n
    for (let i = 0; i < 2 * n; i += 2) b[p++] = (HEX[hex.charCodeAt(i) & 0x7f]! << 4) | HEX[hex.charCodeAt(i + 1) & 0x7f]!
    this.pos = p
  }

  /** length-prefixed UTF-8 (lone surrogates become U+FFFD, as TextEncoder does) */
  string(s: string): void {
    const len = s.length
    // < 43 UTF-16 units is < 128 bytes: a 1-byte prefix, written after the bytes are
    if (len < 43) {
      this.ensure(1 + 3 * len)
      const b = this.buf
      const at = this.pos
      // ASCII by hand: a native write costs more than the copy for short strings
      let i = 0
      for (; i < len; i++) {
        const c = s.charCodeAt(i)
        if (c > 0x7f) break
        b[at + 1 + i] = c
      }
      b[at] = i === len ? len : b.write(s, at + 1, 'utf8')
      this.pos = at + 1 + b[at]!
      return
    }
    const bytes = Buffer.byteLength(s, 'utf8')
    this.ensure(5 + bytes)
    this.varint(bytes)
    this.pos += this.buf.write(s, this.pos, bytes, 'utf8')
  }

  /**
   * `s`'s bytes with no length prefix, when all ASCII (a part of a string field opened with
   * open(1)); false, with nothing written, otherwise.
   */
  ascii(s: string): boolean {
    const len = s.length
    this.ensure(len)
    const b = this.buf
    const at = this.pos
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i)
      if (c > 0x7f) return false
      b[at + i] = c
    }
    this.pos = at + len
    return true
  }

  /** Reserves `width` bytes for a length; returns where the message starts. */
  open(width: number): number {
    this.pos += width
    return this.pos
  }

  /** Writes the length of the message begun at `start` with `width` reserved bytes, shifting it if needed. */
  close(start: number, width: number): void {
    const len = this.pos - start
    const need = varintSize(len)
    let at = start - width
    if (need !== width) {
      this.ensure(need - width)
      this.buf.copyWithin(at + need, start, this.pos)
      this.pos += need - width
    }
    const b = this.buf
    let v = len
    while (v > 0x7f) { b[at++] = (v & 0x7f) | 0x80; v >>>= 7 }
    b[at] = v
  }
}

/** AnyValue's fields */
export function anyValue(w: OtlpWriter, v: unknown): void {
  switch (typeof v) {
    case 'string':
      w.ensure(1)
      w.buf[w.pos++] = 0x0a
      w.string(v)
      return
    case 'boolean':
      w.ensure(2)
      w.buf[w.pos++] = 0x10
      w.buf[w.pos++] = v ? 1 : 0
      return
    case 'number':
      w.ensure(11)
      if (Number.isInteger(v) && v >= INT64_MIN && v < INT64_END) {
        w.buf[w.pos++] = 0x18
        w.int64(v)
      } else {
        w.buf[w.pos++] = 0x21
        w.buf.writeDoubleLE(v, w.pos)
        w.pos += 8
      }
      return
    default:
      if (Array.isArray(v)) {
        w.ensure(3)
        w.buf[w.pos++] = 0x2a
        const arr = w.open(1)
        for (let i = 0; i < v.length; i++) {
          w.ensure(2)
          w.buf[w.pos++] = 0x0a
          const item = w.open(1)
          anyValue(w, v[i])
          w.close(item, 1)
        }
        w.close(arr, 1)
      }
    // anything else: an empty AnyValue, as otlp-transformer writes
  }
}

/** One KeyValue under `tag` (a field's tag byte, wire type 2; 0x4a = Span.attributes). */
export function attribute(w: OtlpWriter, tag: number, key: string, value: AttrValue | readonly string[]): void {
  w.ensure(4)
  w.buf[w.pos++] = tag
  const kv = w.open(1)
  w.buf[w.pos++] = 0x0a
  w.string(key)
  w.ensure(2)
  w.buf[w.pos++] = 0x12
  const val = w.open(1)
  anyValue(w, value)
  w.close(val, 1)
  w.close(kv, 1)
}

/** repeated KeyValue under `tag` */
function attributes(w: OtlpWriter, tag: number, attrs: Readonly<Record<string, AttrValue>>): void {
  for (const key in attrs) {
    if (!Object.hasOwn(attrs, key)) continue
    attribute(w, tag, key, attrs[key]!)
  }
}

/**
 * Opens a span in `w` (ScopeSpans.spans): its ids, name, kind and times. `spanId` null = 8 fresh
 * random bytes from the id pool, written as they are (a child span's id is needed nowhere else, so
 * it is never a hex string). Attributes follow (attrString, attrNumber, attributes), then closeSpan
 * with the returned mark.
 */
export function openSpan(w: OtlpWriter, traceId: string, spanId: string | null, parentId: string | null, name: string, kind: number, start: number, end: number, width = 2): number {
  // fixed-size fields: tag+len+16, tag+len+8, tag+len+8, tags, kind, 2×fixed64, status, flags
  w.ensure(96)
  w.buf[w.pos++] = 0x12 // ScopeSpans.spans
  const mark = w.open(width)
  w.buf[w.pos++] = 0x0a // trace_id
  w.id(traceId)
  w.buf[w.pos++] = 0x12 // span_id
  if (spanId === null) {
    w.buf[w.pos++] = 8
    spanIdInto(w.buf, w.pos)
    w.pos += 8
  } else w.id(spanId)
  if (parentId !== null) {
    w.buf[w.pos++] = 0x22 // parent_span_id
    w.id(parentId)
  }
  w.buf[w.pos++] = 0x2a // name
  w.string(name)
  w.ensure(48)
  w.buf[w.pos++] = 0x30 // kind: the API's value + 1 (0 = unspecified)
  w.varint(kind + 1)
  w.buf[w.pos++] = 0x39 // start_time_unix_nano
  w.time(start)
  w.buf[w.pos++] = 0x41 // end_time_unix_nano (a clock step never makes it earlier than the start)
  w.time(end >= start ? end : start)
  return mark
}

/**
 * A span's name and kind fields (tag, length, UTF-8 name; tag, kind + 1), encoded once per name:
 * the constant part of a child span (encodeRequestSpans keeps one per span name).
 */
export function encodedName(name: string, kind: number): Uint8Array {
  const w = new OtlpWriter(16 + 3 * name.length)
  w.buf[w.pos++] = 0x2a
  w.string(name)
  w.buf[w.pos++] = 0x30
  w.varint(kind + 1)
  return new Uint8Array(w.buf.subarray(0, w.pos))
}

/**
 * The id fields every child span of one request repeats, as bytes, decoded from the hex ids once
 * per request (setChildIds) and copied into each span: `trace_id` (tag, length, bytes), then
 * `parent_span_id` = the request's root span (tag, length, bytes), then the balancer span's 8 id
 * bytes (no tag: it is written as a span_id).
 */
export interface ChildIds {
  buf: Buffer
  traceEnd: number
  parentEnd: number
  /** `buf[0, traceEnd)`, the trace_id field, as a view made when the layout is (copied with one `set`) */
  trace: Uint8Array
}

export function childIds(): ChildIds {
  const buf = Buffer.alloc(64)
  return { buf, traceEnd: 0, parentEnd: 0, trace: buf.subarray(0, 0) }
}

/** `ids.trace` for its current buffer and layout */
export function setTraceView(ids: ChildIds): void {
  ids.trace = ids.buf.subarray(0, ids.traceEnd)
}

// Copies of more than about a dozen bytes go through TypedArray#set (a memmove after a fixed ~15 ns)
// rather than a loop (~1.3 ns a byte): a span's trace_id field, its name, a cached attribute pair.

/** `ids` for a request's trace, root span and balancer span (hex ids, as openSpan takes them). */
export function setChildIds(ids: ChildIds, traceId: string, rootId: string, balancerId: string): void {
  const need = 6 + ((traceId.length + rootId.length + balancerId.length) >> 1)
  if (ids.buf.length < need) ids.buf = Buffer.alloc(need)
  const w = IDS_WRITER
  w.buf = ids.buf
  w.pos = 0
  w.buf[w.pos++] = 0x0a
  w.id(traceId)
  ids.traceEnd = w.pos
  w.buf[w.pos++] = 0x22
  w.id(rootId)
  ids.parentEnd = w.pos
  // the balancer id's bytes without their length byte
  w.id(balancerId)
  w.buf.copyWithin(ids.parentEnd, ids.parentEnd + 1, w.pos)
  setTraceView(ids)
}
const IDS_WRITER = new OtlpWriter(0)

/**
 * openSpan for a child of the request's root span, from its constant parts: the id fields copied
 * from `ids`, the name and kind from `name` (encodedName). `balancer`: the span id is the
 * balancer's (the one the upstream was told), else 8 fresh random bytes. The same bytes openSpan
 * writes for the same span. Its times are the writer's (setTimes), set just before.
 */
export function openChild(w: OtlpWriter, ids: ChildIds, balancer: boolean, name: Uint8Array, width = 2): number {
  w.ensure(64 + ids.parentEnd + name.length)
  const b = w.buf
  const from = ids.buf
  let p = w.pos
  b[p++] = 0x12 // ScopeSpans.spans
  p += width
  const mark = p
  const traceEnd = ids.traceEnd
  b.set(ids.trace, p)
  p += traceEnd
  b[p++] = 0x12 // span_id
  b[p++] = 8
  if (balancer) {
    const at = ids.parentEnd
    for (let i = 0; i < 8; i++) b[p++] = from[at + i]!
  } else {
    spanIdInto(b, p)
    p += 8
  }
  const parentEnd = ids.parentEnd
  for (let i = traceEnd; i < parentEnd; i++) b[p++] = from[i]!
  b.set(name, p)
  p += name.length
  b[p++] = 0x39 // start_time_unix_nano
  w.pos = p
  const start = w.spanStart, end = w.spanEnd
  w.time(start)
  w.buf[w.pos++] = 0x41 // end_time_unix_nano (a clock step never makes it earlier than the start)
  w.time(end >= start ? end : start)
  return mark
}

/**
 * openSpan for the request's root span from `ids` (setChildIds): its trace id and its own id
 * (the children's parent) copied, `parentId` (hex, the caller's span from its headers) decoded.
 */
export function openRoot(w: OtlpWriter, ids: ChildIds, parentId: string | null, name: Uint8Array): number {
  w.ensure(96 + ids.parentEnd + name.length)
  const b = w.buf
  const from = ids.buf
  let p = w.pos
  b[p++] = 0x12 // ScopeSpans.spans
  p += 2
  const mark = p
  const traceEnd = ids.traceEnd
  b.set(ids.trace, p)
  p += traceEnd
  b[p++] = 0x12 // span_id: the root id's length and bytes, kept after the parent_span_id tag
  const parentEnd = ids.parentEnd
  for (let i = traceEnd + 1; i < parentEnd; i++) b[p++] = from[i]!
  w.pos = p
  if (parentId !== null) {
    w.buf[w.pos++] = 0x22 // parent_span_id
    w.id(parentId)
  }
  w.ensure(name.length + 32)
  w.buf.set(name, w.pos)
  w.pos += name.length
  w.buf[w.pos++] = 0x39
  const start = w.spanStart, end = w.spanEnd
  w.time(start)
  w.buf[w.pos++] = 0x41
  w.time(end >= start ? end : start)
  return mark
}

/**
 * Ends the span openSpan began: its status and flags, then its length. `width`: the bytes openSpan
 * reserved for the length (a guess: 1 for a span under 128 bytes saves shifting it; any guess
 * gives the same bytes).
 */
export function closeSpan(w: OtlpWriter, mark: number, status: number, remoteParent: boolean, width = 2): void {
  w.ensure(16)
  w.buf[w.pos++] = 0x7a // status { code }
  w.buf[w.pos++] = 0x02
  w.buf[w.pos++] = 0x18
  w.buf[w.pos++] = status
  w.buf[w.pos++] = 0x85 // flags (field 16, fixed32): two-byte tag
  w.buf[w.pos++] = 0x01
  w.u32(remoteParent ? FLAGS_REMOTE : FLAGS_LOCAL)
  w.close(mark, width)
}

/** A KeyValue's key field as bytes (tag, length, UTF-8), made once per key at module load. */
export function encodedKey(key: string): Uint8Array {
  const w = new OtlpWriter(16 + 3 * key.length)
  w.buf[w.pos++] = 0x0a
  w.string(key)
  return new Uint8Array(w.buf.subarray(0, w.pos))
}

/** Span.attributes: opens a KeyValue with a pre-encoded key and its AnyValue; returns the mark for attrClose. */
export function attrOpen(w: OtlpWriter, key: Uint8Array): number {
  const n = key.length
  w.ensure(n + 4)
  const b = w.buf
  b[w.pos++] = 0x4a
  const kv = w.open(1)
  b.set(key, w.pos)
  w.pos += n
  b[w.pos++] = 0x12
  w.open(1)
  return kv
}

/** Closes the KeyValue attrOpen began (the AnyValue's length, then the pair's). */
export function attrClose(w: OtlpWriter, kv: number, key: Uint8Array): void {
  w.close(kv + key.length + 2, 1)
  w.close(kv, 1)
}

/** A string attribute with a pre-encoded key (the bytes attributes() writes for it). */
export function attrString(w: OtlpWriter, key: Uint8Array, v: string): void {
  const kv = attrOpen(w, key)
  w.ensure(1)
  w.buf[w.pos++] = 0x0a
  w.string(v)
  attrClose(w, kv, key)
}

/** A number attribute with a pre-encoded key (int64 when integral, else double, as attributes() writes). */
export function attrNumber(w: OtlpWriter, key: Uint8Array, v: number): void {
  const n = key.length
  // the common case (a status, a port, a try or token count): both lengths known before writing,
  // no length to fix afterwards
  if (v >= 0 && v < 0x10000000 && n < 120 && Number.isInteger(v)) {
    const value = 1 + varintSize(v)
    w.ensure(n + value + 4)
    const b = w.buf
    let p = w.pos
    b[p++] = 0x4a
    b[p++] = n + 2 + value
    b.set(key, p)
    p += n
    b[p++] = 0x12
    b[p++] = value
    b[p++] = 0x18
    w.pos = p
    w.varint(v)
    return
  }
  const kv = attrOpen(w, key)
  anyValue(w, v)
  attrClose(w, kv, key)
}

function span(w: OtlpWriter, s: LeanSpan): void {
  const mark = openSpan(w, s.traceId, s.spanId, s.parentId, s.name, s.kind, s.start, s.end)
  attributes(w, 0x4a, s.attributes)
  closeSpan(w, mark, s.status, s.remoteParent)
}

/** The Resource and InstrumentationScope messages, each with its field tag (built once per exporter). */
export interface OtlpHeader { resource: Buffer; scope: Buffer }

export function encodeHeader(resource: Readonly<Record<string, AttrValue>>, scope: { name: string; version: string }): OtlpHeader {
  const w = new OtlpWriter(1024)
  w.buf[w.pos++] = 0x0a // ResourceSpans.resource
  const r = w.open(1)
  attributes(w, 0x0a, resource)
  w.close(r, 1)
  const res = Buffer.from(w.buf.subarray(0, w.pos))
  w.pos = 0
  w.buf[w.pos++] = 0x0a // ScopeSpans.scope
  const sc = w.open(1)
  w.buf[w.pos++] = 0x0a
  w.string(scope.name)
  if (scope.version) {
    w.ensure(1)
    w.buf[w.pos++] = 0x12
    w.string(scope.version)
  }
  w.close(sc, 1)
  return { resource: res, scope: Buffer.from(w.buf.subarray(0, w.pos)) }
}

/** bytes left in front of a batch's spans for what encloses them (see finishBatch) */
function headerRoom(h: OtlpHeader): number {
  // 2 tags + 2 lengths (≤ 5 bytes each) + the resource and scope bytes
  return 12 + h.resource.length + h.scope.length
}

/**
 * Starts a batch in `w`: its spans are then appended one by one (encodeSpan), each as soon as it
 * is known, so a queued span is bytes in the writer and no object graph for the GC to trace.
 */
export function startBatch(w: OtlpWriter, h: OtlpHeader): void {
  const room = headerRoom(h)
  w.pos = 0
  w.ensure(room)
  w.pos = room
}

/** Appends one span to the batch started in `w`; on a throw, `w` is as it was before. */
export function encodeSpan(w: OtlpWriter, s: LeanSpan): void {
  const at = w.pos
  try {
    span(w, s)
  } catch (e) {
    w.pos = at
    throw e
  }
}

/**
 * One ExportTraceServiceRequest around the spans appended since startBatch: one ResourceSpans,
 * one ScopeSpans. Returns a fresh Buffer (the writer is reused by the next batch while this one
 * may still be in flight).
 */
export function finishBatch(w: OtlpWriter, h: OtlpHeader): Buffer {
  const out = Buffer.from(finishBatchView(w, h))
  // a batch of payload-laden spans may have grown the writer: do not keep megabytes per exporter
  if (w.buf.length > KEEP_BYTES) w.buf = Buffer.allocUnsafe(DEFAULT_BYTES)
  return out
}

/**
 * finishBatch without the copy: the request body is a view into `w.buf`, so the caller hands that
 * buffer over with the body and gives `w` another one (`spareWriterBuffer`) before the next
 * startBatch. Copying a 40 KB batch into a Buffer of its own cost more than encoding its spans.
 */
export function finishBatchView(w: OtlpWriter, h: OtlpHeader): Buffer {
  const room = headerRoom(h)
  const end = w.pos
  const scopeSpansLen = h.scope.length + (end - room)
  const resourceSpansLen = h.resource.length + 1 + varintSize(scopeSpansLen) + scopeSpansLen
  const begin = room - h.scope.length - varintSize(scopeSpansLen) - 1 - h.resource.length - varintSize(resourceSpansLen) - 1
  w.pos = begin
  w.buf[w.pos++] = 0x0a // ExportTraceServiceRequest.resource_spans
  w.varint(resourceSpansLen)
  w.pos += h.resource.copy(w.buf, w.pos)
  w.buf[w.pos++] = 0x12 // ResourceSpans.scope_spans
  w.varint(scopeSpansLen)
  h.scope.copy(w.buf, w.pos)
  w.pos = 0
  return w.buf.subarray(begin, end)
}

/** A writer buffer of the default size, for a writer whose buffer left with a batch (finishBatchView). */
export const newWriterBuffer = (): Buffer => Buffer.allocUnsafe(DEFAULT_BYTES)

/** Whether a buffer that carried a batch is worth keeping for the next one (not one grown for a huge batch). */
export const reusableWriterBuffer = (b: Buffer): boolean => b.length === DEFAULT_BYTES

/** One ExportTraceServiceRequest of these spans (startBatch, encodeSpan each, finishBatch). */
export function encodeSpans(w: OtlpWriter, h: OtlpHeader, spans: readonly LeanSpan[]): Buffer {
  startBatch(w, h)
  for (let i = 0; i < spans.length; i++) span(w, spans[i]!)
  return finishBatch(w, h)
}
