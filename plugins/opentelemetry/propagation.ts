// Trace context in and out of HTTP headers, in Kong's formats (kong/observability/tracing/
// propagation): w3c traceparent, b3 (multi and single header), jaeger uber-trace-id, ot, datadog,
// aws X-Amzn-Trace-Id, gcp X-Cloud-Trace-Context. Client headers are hostile: a malformed header
// is ignored (the next format is tried, then a new trace starts), never an error.
import type { Extractor, Injector, OtelConf, PropagationConf } from './schema.ts'

/** What a client's headers said. Ids are lowercase hex: trace 32, span 16. */
export interface Extracted {
  readonly traceId: string
  /** the caller's span: our root span's parent; null when the header named none */
  readonly spanId: string | null
  /** the caller's sampling decision; null = none (the sampler decides) */
  readonly sampled: boolean | null
  /** b3 came as the single `b3` header (preserve answers in kind) */
  readonly single: boolean
}

/** What goes upstream: the trace, the span the upstream is called from, its parent. */
export interface Outgoing {
  readonly traceId: string
  readonly spanId: string
  readonly parentId: string | null
  readonly sampled: boolean
  /** the W3C traceparent of these fields, when the caller can write it more cheaply than from the hex */
  traceparent?(): string
}

export type GetHeader = (name: string) => string | undefined
export type SetHeader = (name: string, value: string) => void

/** A config's propagation, resolved once at config load (Kong's get_plugin_params). */
export interface Propagation {
  readonly extract: readonly Extractor[]
  readonly clear: readonly string[]
  readonly inject: readonly (Injector | 'preserve')[]
  readonly defaultFormat: Injector
}

const LEGACY_EXTRACT: readonly Extractor[] = ['b3', 'w3c', 'jaeger', 'ot', 'datadog', 'aws', 'gcp']

export function resolvePropagation(conf: Pick<OtelConf, 'header_type' | 'propagation'>): Propagation {
  const p: PropagationConf = conf.propagation
  const own = (k: string): unknown => (Object.hasOwn(p, k) ? (p as Record<string, unknown>)[k] : undefined)
  const extract = own('extract') as Extractor[] | undefined
  const inject = own('inject') as (Injector | 'preserve')[] | undefined
  const clear = own('clear') as string[] | undefined
  const defaultFormat = p.default_format
  if (extract !== undefined || inject !== undefined || clear !== undefined) {
    return { extract: extract ?? [], inject: inject ?? [], clear: clear ?? [], defaultFormat }
  }
  // Kong's backwards compatibility: header_type (default preserve) decides
  const ht = conf.header_type
  if (ht === 'preserve') return { extract: LEGACY_EXTRACT, inject: ['preserve'], clear: [], defaultFormat }
  if (ht === 'ignore') return { extract: [], inject: [defaultFormat], clear: [], defaultFormat }
  return { extract: LEGACY_EXTRACT, inject: ['preserve', ht], clear: [], defaultFormat }
}

const HEX = /^[0-9a-f]+$/
const ZERO = /^0+$/

/** A hex id of 1..max digits, left-padded to `width`; null when malformed or all zeros. */
function hexId(v: string | undefined, widths: readonly number[], pad: number): string | null {
  if (v === undefined) return null
  const s = v.trim().toLowerCase()
  if (!widths.includes(s.length) || !HEX.test(s) || ZERO.test(s)) return null
  return s.padStart(pad, '0')
}

/** A decimal 64-bit id (datadog, gcp span) as 16 hex digits; null when malformed or zero. */
function decimalId(v: string | undefined): string | null {
  if (v === undefined) return null
  const s = v.trim()
  if (!/^[0-9]{1,20}$/.test(s)) return null
  const n = BigInt(s)
  if (n === 0n || n > 0xffffffffffffffffn) return null
  return n.toString(16).padStart(16, '0')
}

const TRACE_WIDTHS = [16, 32]
const SPAN_WIDTHS = [16]
// jaeger drops leading zeros
const UP_TO_32 = Array.from({ length: 32 }, (_, i) => i + 1)
const UP_TO_16 = Array.from({ length: 16 }, (_, i) => i + 1)

function w3c(get: GetHeader): Extracted | null {
  const v = get('traceparent')
  if (v === undefined || v.length > 512) return null
  // `00-<32 hex>-<16 hex>-<2 hex>`, lowercase, ids not all zeros: checked by char code (a regex
  // match made an array and four strings per request that carried one)
  const s = v.trim()
  if (s.length !== 55 || s.charCodeAt(0) !== 48 || s.charCodeAt(1) !== 48 || s.charCodeAt(2) !== 45 || s.charCodeAt(35) !== 45 || s.charCodeAt(52) !== 45) return null
  if (!lowerHex(s, 3, 35) || !lowerHex(s, 36, 52) || !lowerHex(s, 53, 55) || zeros(s, 3, 35) || zeros(s, 36, 52)) return null
  const flags = s.charCodeAt(54)
  // the low bit of the flags' last digit (0-9: its code's low bit; a-f: 97 = 'a' is 10, even)
  const sampled = flags <= 57 ? (flags & 1) === 1 : (flags & 1) === 0
  return { traceId: s.slice(3, 35), spanId: s.slice(36, 52), sampled, single: false }
}

/** s[from, to) is all lowercase hex digits */
function lowerHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false
  }
  return true
}

/** s[from, to) is all '0' */
function zeros(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) !== 48) return false
  return true
}

function b3Sampled(v: string | undefined): boolean | null {
  if (v === undefined) return null
  const s = v.trim().toLowerCase()
  return s === '1' || s === 'true' || s === 'd' ? true : s === '0' || s === 'false' ? false : null
}

function b3(get: GetHeader): Extracted | null {
  const single = get('b3')
  if (single !== undefined && single.length <= 512) {
    const parts = single.trim().split('-')
    // `b3: 0`, `b3: 1`, `b3: d` carry only a decision, no context to join
    if (parts.length >= 2 && parts.length <= 4) {
      const traceId = hexId(parts[0], TRACE_WIDTHS, 32)
      const spanId = hexId(parts[1], SPAN_WIDTHS, 16)
      const sampled = parts.length >= 3 ? b3Sampled(parts[2]) : null
      const parentOk = parts.length < 4 || hexId(parts[3], SPAN_WIDTHS, 16) !== null
      if (traceId && spanId && parentOk && (parts.length < 3 || sampled !== null)) return { traceId, spanId, sampled, single: true }
    }
    return null
  }
  // a missing trace id ends it before the other headers are looked up (most requests carry none)
  const traceId = hexId(get('x-b3-traceid'), TRACE_WIDTHS, 32)
  if (!traceId) return null
  const spanId = hexId(get('x-b3-spanid'), SPAN_WIDTHS, 16)
  if (!spanId) return null
  const flags = get('x-b3-flags')
  const sampled = flags?.trim() === '1' ? true : b3Sampled(get('x-b3-sampled'))
  return { traceId, spanId, sampled, single: false }
}

function jaeger(get: GetHeader): Extracted | null {
  const v = get('uber-trace-id')
  if (v === undefined || v.length > 512) return null
  const parts = v.trim().split(':')
  if (parts.length !== 4) return null
  const traceId = hexId(parts[0], UP_TO_32, 32)
  const spanId = hexId(parts[1], UP_TO_16, 16)
  const parentOk = parts[2] === '0' || hexId(parts[2], UP_TO_16, 16) !== null
  const flags = parts[3]!
  if (!traceId || !spanId || !parentOk || !/^[0-9a-f]{1,2}$/i.test(flags)) return null
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1, single: false }
}

function ot(get: GetHeader): Extracted | null {
  const traceId = hexId(get('ot-tracer-traceid'), TRACE_WIDTHS, 32)
  if (!traceId) return null
  const spanId = hexId(get('ot-tracer-spanid'), SPAN_WIDTHS, 16)
  if (!spanId) return null
  const s = get('ot-tracer-sampled')?.trim()
  return { traceId, spanId, sampled: s === '1' ? true : s === '0' ? false : null, single: false }
}

function datadog(get: GetHeader): Extracted | null {
  const trace = decimalId(get('x-datadog-trace-id'))
  if (!trace) return null
  const parent = get('x-datadog-parent-id')
  const spanId = parent === undefined ? null : decimalId(parent)
  if (parent !== undefined && spanId === null) return null
  const p = get('x-datadog-sampling-priority')?.trim()
  const sampled = p === undefined ? null : /^-?[0-9]+$/.test(p) ? Number(p) > 0 : null
  return { traceId: trace.padStart(32, '0'), spanId, sampled, single: false }
}

function aws(get: GetHeader): Extracted | null {
  const v = get('x-amzn-trace-id')
  if (v === undefined || v.length > 512) return null
  let root: string | null = null
  let parent: string | null = null
  let sampled: boolean | null = null
  for (const part of v.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const k = part.slice(0, eq).trim()
    const val = part.slice(eq + 1).trim()
    if (k === 'Root') {
      const m = /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/.exec(val)
      if (!m) return null
      root = (m[1]! + m[2]!).toLowerCase()
    } else if (k === 'Parent') {
      parent = hexId(val, SPAN_WIDTHS, 16)
      if (parent === null) return null
    } else if (k === 'Sampled') {
      sampled = val === '1' ? true : val === '0' ? false : null
    }
  }
  if (root === null || ZERO.test(root) || parent === null) return null
  return { traceId: root, spanId: parent, sampled, single: false }
}

function gcp(get: GetHeader): Extracted | null {
  const v = get('x-cloud-trace-context')
  if (v === undefined || v.length > 512) return null
  const m = /^([0-9a-fA-F]{32})\/([0-9]{1,20})(?:;o=([01]))?$/.exec(v.trim())
  if (!m || ZERO.test(m[1]!)) return null
  const spanId = decimalId(m[2])
  if (!spanId) return null
  return { traceId: m[1]!.toLowerCase(), spanId, sampled: m[3] === undefined ? null : m[3] === '1', single: false }
}

const EXTRACT: Record<Extractor, (get: GetHeader) => Extracted | null> = { w3c, b3, jaeger, ot, datadog, aws, gcp }

/**
 * The headers each extractor gives up without (it reads them first and returns null when they are
 * all missing): a request carrying none of a config's can skip extraction with one test
 * (extractorHeaders), instead of every extractor looking up its own.
 */
const GIVES_UP_WITHOUT: Record<Extractor, readonly string[]> = {
  w3c: ['traceparent'],
  b3: ['b3', 'x-b3-traceid'],
  jaeger: ['uber-trace-id'],
  ot: ['ot-tracer-traceid'],
  datadog: ['x-datadog-trace-id'],
  aws: ['x-amzn-trace-id'],
  gcp: ['x-cloud-trace-context'],
}

/** Lowercase header names at least one of which a request must carry for extract(formats) to find a context (made at config load). */
export function extractorHeaders(formats: readonly Extractor[]): string[] {
  const out: string[] = []
  for (const f of formats) for (const h of GIVES_UP_WITHOUT[f]) if (!out.includes(h)) out.push(h)
  return out
}

/** The first format in `formats` the headers carry validly, with its name; null when none does. */
export function extract(formats: readonly Extractor[], get: GetHeader): { from: Extractor; ctx: Extracted } | null {
  for (const f of formats) {
    const ctx = EXTRACT[f](get)
    if (ctx !== null) return { from: f, ctx }
  }
  return null
}

const decimal = (hex: string): string => BigInt(`0x${hex}`).toString(10)

// `00-<trace>-<span>-<flags>` written into one scratch buffer and read back as one flat string: a
// template literal makes a rope of its pieces, which the header write then flattens into a copy
// (about 300 B per request where one 55-character string is 72 B). Ids here are always 32 and 16
// lowercase hex digits (extraction pads them, new ones are made so); anything else takes the template.
const TRACEPARENT = Buffer.from(`00-${'0'.repeat(32)}-${'0'.repeat(16)}-00`, 'latin1')

/** The W3C traceparent of `o`, one string. */
export function traceparent(traceId: string, spanId: string, sampled: boolean): string {
  if (traceId.length !== 32 || spanId.length !== 16) return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`
  const b = TRACEPARENT
  b.write(traceId, 3, 32, 'latin1')
  b.write(spanId, 36, 16, 'latin1')
  b[54] = sampled ? 0x31 : 0x30
  return b.toString('latin1', 0, 55)
}

const DIGITS = Buffer.from('0123456789abcdef', 'latin1')

/** The W3C traceparent from id bytes (16 at `trace[traceAt]`, 8 at `span[spanAt]`): no hex string made for either. */
export function traceparentFromBytes(trace: Uint8Array, traceAt: number, span: Uint8Array, spanAt: number, sampled: boolean): string {
  const b = TRACEPARENT
  for (let i = 0; i < 16; i++) {
    const v = trace[traceAt + i]!
    b[3 + 2 * i] = DIGITS[v >> 4]!
    b[4 + 2 * i] = DIGITS[v & 15]!
  }
  for (let i = 0; i < 8; i++) {
    const v = span[spanAt + i]!
    b[36 + 2 * i] = DIGITS[v >> 4]!
    b[37 + 2 * i] = DIGITS[v & 15]!
  }
  b[54] = sampled ? 0x31 : 0x30
  return b.toString('latin1', 0, 55)
}

const INJECT: Record<Injector, (o: Outgoing, set: SetHeader) => void> = {
  w3c: (o, set) => set('traceparent', o.traceparent !== undefined ? o.traceparent() : traceparent(o.traceId, o.spanId, o.sampled)),
  b3: (o, set) => {
    set('x-b3-traceid', o.traceId)
    set('x-b3-spanid', o.spanId)
    if (o.parentId !== null) set('x-b3-parentspanid', o.parentId)
    set('x-b3-sampled', o.sampled ? '1' : '0')
  },
  'b3-single': (o, set) => set('b3', `${o.traceId}-${o.spanId}-${o.sampled ? '1' : '0'}${o.parentId !== null ? `-${o.parentId}` : ''}`),
  jaeger: (o, set) => set('uber-trace-id', `${o.traceId}:${o.spanId}:${o.parentId ?? '0'}:${o.sampled ? '01' : '00'}`),
  ot: (o, set) => {
    set('ot-tracer-traceid', o.traceId)
    set('ot-tracer-spanid', o.spanId)
    set('ot-tracer-sampled', o.sampled ? '1' : '0')
  },
  // datadog ids are 64-bit decimals: the low half of the trace id
  datadog: (o, set) => {
    set('x-datadog-trace-id', decimal(o.traceId.slice(16)))
    set('x-datadog-parent-id', decimal(o.spanId))
    set('x-datadog-sampling-priority', o.sampled ? '1' : '0')
  },
  aws: (o, set) => set('x-amzn-trace-id', `Root=1-${o.traceId.slice(0, 8)}-${o.traceId.slice(8)};Parent=${o.spanId};Sampled=${o.sampled ? '1' : '0'}`),
  gcp: (o, set) => set('x-cloud-trace-context', `${o.traceId}/${decimal(o.spanId)};o=${o.sampled ? '1' : '0'}`),
}

/** Writes the outgoing context in each configured format (`preserve`: the one extracted, else default_format). */
export function inject(p: Propagation, found: { from: Extractor; ctx: Extracted } | null, o: Outgoing, set: SetHeader): void {
  for (const f of p.inject) {
    let format: Injector = f === 'preserve' ? found?.from ?? p.defaultFormat : f
    if (f === 'preserve' && format === 'b3' && found?.ctx.single) format = 'b3-single'
    INJECT[format](o, set)
  }
}
