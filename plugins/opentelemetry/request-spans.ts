// One request's spans in Kong's shape (kong/observability/tracing/instrumentation.lua): the
// server span `kong` with Kong's http.* attributes, `kong.router`, `kong.access.plugin.<name>`
// per access handler, `kong.balancer` per upstream try (client spans; the last one is the span
// the upstream was told about), and the GenAI span the LLM outcome gave, if any.
// encodeRequestSpans writes them straight into the exporter's batch from the timings (the request
// path: no span, attribute or id objects); spec/helpers/otel-reference-spans.ts makes the same
// spans as LeanSpan objects (the reference the tests compare the bytes with, and the benches).
import { TimingsBuffer, type RequestTimings } from '../../pdk/tracing.ts'
import { KIND, STATUS, type LeanSpan } from './lean-span.ts'
import { EncodedPairs } from './encoded-pairs.ts'
import { RepeatedBytes } from './repeated-bytes.ts'
import { attrClose, attrNumber, attrOpen, attrString, childIds, closeSpan, type ChildIds, encodedKey, encodedName, encodeSpan, openChild, openRoot, setChildIds, type OtlpWriter } from './otlp-encode.ts'

/** A sampled request's tracing state, from access to log. */
export interface TracedRequest {
  readonly traceId: string
  readonly rootId: string
  /** the span id injected upstream: the last balancer try's */
  readonly balancerId: string
  /** the caller's span, from its headers */
  readonly parentId: string | null
  genai: LeanSpan | null
  /** the three ids above as their span fields already (RequestIds): not decoded from the hex again */
  readonly ids?: ChildIds
}

/** What the log phase reads through the PDK for the server span. */
export interface RequestFacts {
  method: string
  scheme: string
  host: string
  /** raw path, no query */
  path: string
  /** redacted raw query, '' = none */
  query: string
  clientIp: string
  forwardedIp: string
  requestId: string
  status: number
  route: string
}

/** `kong.access.plugin.<name>` per plugin name, made once (plugin names come from the config) */
const accessNames = new Map<string, string>()
/** the same names as span name fields (encodedName), made once */
const accessNameFields = new Map<string, Uint8Array>()
const MAX_ACCESS_NAMES = 1000

export function accessSpanName(plugin: string): string {
  let n = accessNames.get(plugin)
  if (n === undefined) {
    n = `kong.access.plugin.${plugin}`
    if (accessNames.size < MAX_ACCESS_NAMES) accessNames.set(plugin, n)
  }
  return n
}

function accessNameField(plugin: string): Uint8Array {
  let f = accessNameFields.get(plugin)
  if (f === undefined) {
    f = encodedName(accessSpanName(plugin), KIND.internal)
    if (accessNameFields.size < MAX_ACCESS_NAMES) accessNameFields.set(plugin, f)
  }
  return f
}

const KONG = encodedName('kong', KIND.server)
const ROUTER = encodedName('kong.router', KIND.internal)
const BALANCER = encodedName('kong.balancer', KIND.client)
/** flat RequestTimings read into unboxed form (encodeRequestSpans is synchronous) */
const fromFlat = new TimingsBuffer()
/** a request's child-span ids decoded from hex once, when it has no `ids` (encodeRequestSpans is synchronous) */
const fromHex = childIds()

/** `r`'s id fields: its own bytes, else decoded from its hex into `scratch` */
export function idsOf(r: TracedRequest, scratch: ChildIds): ChildIds {
  if (r.ids !== undefined) return r.ids
  setChildIds(scratch, r.traceId, r.rootId, r.balancerId)
  return scratch
}

/** Where a request's spans go, one at a time (SpanExporter: its queue bound, its batches). */
export interface SpanSink {
  spanWriter(): OtlpWriter | null
  spanDone(): void
  spanFailed(err: unknown): void
}

// the attribute keys, encoded once
const K_METHOD = encodedKey('http.method')
const K_URL = encodedKey('http.url')
const K_HOST = encodedKey('http.host')
const K_SCHEME = encodedKey('http.scheme')
const K_FLAVOR = encodedKey('http.flavor')
const K_CLIENT_IP = encodedKey('http.client_ip')
const K_PEER_IP = encodedKey('net.peer.ip')
const K_REQUEST_ID = encodedKey('kong.request.id')
const K_STATUS = encodedKey('http.status_code')
const K_ROUTE = encodedKey('http.route')
const K_TRY = encodedKey('try_count')
const K_PEER_PORT = encodedKey('net.peer.port')

// attributes whose values repeat request after request, written as whole encoded pairs (capped)
const METHOD = new EncodedPairs(K_METHOD)
const HOST = new EncodedPairs(K_HOST)
const SCHEME = new EncodedPairs(K_SCHEME)
const FLAVOR = new EncodedPairs(K_FLAVOR)
const ROUTE = new EncodedPairs(K_ROUTE)
/** a balancer try's upstream address (the client's address, in the root span, is not cached: one per client) */
const UPSTREAM_IP = new EncodedPairs(K_PEER_IP)

/** the server span's method, URL, host, scheme and flavor attributes of the last request (repeated-bytes.ts) */
const HEAD = new RepeatedBytes()

/** the caches' sizes (tests: hostile values do not grow them past their cap) */
export const requestPairCounts = (): number[] => [METHOD.size, HOST.size, SCHEME.size, FLAVOR.size, ROUTE.size, UPSTREAM_IP.size]

/**
 * A span with no attributes and a name field shorter than this (bytes) is under 128 bytes (70
 * bytes of ids, times, status and flags): its length takes one byte.
 */
const NO_ATTRS_SHORT = 56

/** http.url from its parts, concatenated only when a part is not ASCII (then the string's UTF-8, as the LeanSpan reference writes it) */
function urlAttr(w: OtlpWriter, f: RequestFacts): void {
  const kv = attrOpen(w, K_URL)
  w.ensure(2)
  w.buf[w.pos++] = 0x0a // AnyValue.string_value
  const at = w.pos
  const str = w.open(1)
  if (w.ascii(f.scheme) && w.ascii('://') && w.ascii(f.host) && w.ascii(f.path) && (f.query === '' || (w.ascii('?') && w.ascii(f.query)))) {
    w.close(str, 1)
  } else {
    w.pos = at
    w.string(`${f.scheme}://${f.host}${f.path}${f.query ? `?${f.query}` : ''}`)
  }
  attrClose(w, kv, K_URL)
}

/** The server span's http.method, http.url, http.host, http.scheme and http.flavor: the last request's bytes when its values repeat. */
function headAttrs(w: OtlpWriter, f: RequestFacts): void {
  if (HEAD.writeKept(w, f.path, f.host, f.query, f.method, f.scheme)) return
  const from = w.pos
  METHOD.write(w, f.method)
  urlAttr(w, f)
  HOST.write(w, f.host)
  SCHEME.write(w, f.scheme)
  FLAVOR.write(w, '1.1')
  HEAD.keep(w, from, f.path, f.host, f.query, f.method, f.scheme)
}

/**
 * The spans of the LeanSpan reference (spec/helpers/otel-reference-spans.ts), the same bytes, written into `sink` one by one as they are known:
 * child span ids are random bytes written in place. A span that does not fit the queue is dropped
 * and counted by the sink; one whose encoding throws is taken back.
 */
export function encodeRequestSpans(sink: SpanSink, r: TracedRequest, timings: RequestTimings, f: RequestFacts): void {
  // the plugin passes its TimingsBuffer (unboxed readings); flat RequestTimings (tests, benches) are read into one
  const t = timings instanceof TimingsBuffer ? timings : fromFlat.setFrom(timings)
  const end = t.end > 0 ? t.end : performance.now()
  const ids = idsOf(r, fromHex)
  let w = sink.spanWriter()
  if (w !== null) {
    try {
      w.setTimes(t.start, end)
      const m = openRoot(w, ids, r.parentId, KONG)
      headAttrs(w, f)
      attrString(w, K_CLIENT_IP, f.forwardedIp)
      attrString(w, K_PEER_IP, f.clientIp)
      attrString(w, K_REQUEST_ID, f.requestId)
      attrNumber(w, K_STATUS, f.status)
      ROUTE.write(w, f.route)
      closeSpan(w, m, f.status >= 500 ? STATUS.error : STATUS.unset, r.parentId !== null)
      sink.spanDone()
    } catch (e) { sink.spanFailed(e) }
  }
  if (t.routerStart > 0 && (w = sink.spanWriter()) !== null) {
    try {
      w.setTimes(t.routerStart, t.routerEnd)
      closeSpan(w, openChild(w, ids, false, ROUTER, 1), STATUS.unset, false, 1)
      sink.spanDone()
    } catch (e) { sink.spanFailed(e) }
  }
  const accessCount = t.accessCount
  for (let i = 0; i < accessCount; i++) {
    if ((w = sink.spanWriter()) === null) continue
    try {
      const start = t.accessStart(i)
      w.setTimes(start, t.accessEnd(i) || start)
      const name = accessNameField(t.accessName(i))
      const width = name.length < NO_ATTRS_SHORT ? 1 : 2
      closeSpan(w, openChild(w, ids, false, name, width), STATUS.unset, false, width)
      sink.spanDone()
    } catch (e) { sink.spanFailed(e) }
  }
  const count = t.tryCount
  for (let i = 0; i < count; i++) {
    if ((w = sink.spanWriter()) === null) continue
    try {
      const last = i === count - 1
      w.setTimes(t.tryStart(i), last ? end : t.tryStart(i + 1))
      const m = openChild(w, ids, last, BALANCER)
      attrNumber(w, K_TRY, i + 1)
      UPSTREAM_IP.write(w, t.tryHost(i))
      attrNumber(w, K_PEER_PORT, t.tryPort(i))
      closeSpan(w, m, last ? STATUS.unset : STATUS.error, false)
      sink.spanDone()
    } catch (e) { sink.spanFailed(e) }
  }
  if (r.genai !== null && (w = sink.spanWriter()) !== null) {
    try {
      encodeSpan(w, r.genai)
      sink.spanDone()
    } catch (e) { sink.spanFailed(e) }
  }
}
