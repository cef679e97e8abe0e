// The direct OTLP encoder (otlp-encode.ts) against @opentelemetry/otlp-transformer, which it
// replaced: for a table of batches both byte strings decode (protobufjs + the OTLP trace.proto) to
// the same message; and for random spans, decoding what it wrote gives back the ids, the exact
// nanosecond times, names and attributes.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import protobuf from 'protobufjs'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { KIND, LeanSpan, readable, STATUS, type AttrValue, type Attrs } from '../../../plugins/opentelemetry/lean-span.ts'
import { attribute, attrNumber, encodedKey, encodeHeader, encodeSpans, OtlpWriter } from '../../../plugins/opentelemetry/otlp-encode.ts'

const root = protobuf.parse(readFileSync(new URL('../../fixtures/otlp/trace.proto', import.meta.url), 'utf8'), { keepCase: true }).root
const Request = root.lookupType('otlp.ExportTraceServiceRequest')
const decode = (b: Uint8Array): Record<string, unknown> =>
  Request.toObject(Request.decode(b), { longs: String, bytes: String, defaults: true }) as Record<string, unknown>

const RESOURCE = { 'service.name': 'kong', 'service.version': '1.2.3', 'service.instance.id': 'node-ü-1' }
const SCOPE = { name: 'kong-internal', version: '1.2.3' }
const T = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
const now = 1234.5678

const span = (o: Partial<{ name: string; kind: number; parent: string | null; start: number; end: number; attrs: Attrs; status: number; remote: boolean; traceId: string; spanId: string }> = {}): LeanSpan =>
  new LeanSpan(o.name ?? 'kong', o.kind ?? KIND.server, o.traceId ?? T, o.spanId ?? '0011223344556677', o.parent === undefined ? null : o.parent,
    o.start ?? now, o.end ?? now + 12.345678, o.attrs ?? {}, o.status ?? STATUS.unset, o.remote ?? false)

const GENAI: Attrs = {
  'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.usage.input_tokens': 25, 'gen_ai.usage.output_tokens': 12,
  'gen_ai.response.finish_reasons': ['stop', 'length'], 'gen_ai.server.time_to_first_token': 0.123, 'kong.ai.cost': 0.00042,
  'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: 'héllo 👋 '.repeat(400) }]),
  'gen_ai.output.messages': 'x'.repeat(20000), 'error.type': 'timeout',
}

const BATCHES: [string, LeanSpan[]][] = [
  ['a plain request span, no parent', [span({ attrs: { 'http.method': 'GET', 'http.status_code': 200, 'http.url': 'http://127.0.0.1/x?y=1' } })]],
  ['a request span with a remote parent', [span({ parent: 'ffeeddccbbaa9988', remote: true })]],
  ['children with a local parent, every kind', [0, 1, 2, 3, 4].map((k) => span({ kind: k, parent: '0011223344556677', spanId: `000000000000000${k + 1}` }))],
  ['the GenAI span with all attributes, error status', [span({ name: 'chat gpt-4o-mini', kind: KIND.client, parent: '0011223344556677', attrs: GENAI, status: STATUS.error })]],
  ['unicode names, keys and values', [span({ name: 'naïve 名前 🚀', attrs: { 'ключ': 'значение', '🔑': '🎉'.repeat(50), 'mixed': `a${'é'.repeat(42)}` } })]],
  ['lone surrogates (U+FFFD on both sides)', [span({ name: 'x\uD800y', attrs: { '\uDC00': 'a\uD83D', long: `${'a'.repeat(60)}\uD800` } })]],
  ['empty strings and an empty name', [span({ name: '', attrs: { '': '', e: '' } })]],
  ['huge and negative ints', [span({ attrs: { max: Number.MAX_SAFE_INTEGER, min: Number.MIN_SAFE_INTEGER, p62: 2 ** 62, n63: -(2 ** 63), p63: 2 ** 63, n1: -1, big32: 2 ** 32 + 7, neg32: -(2 ** 32) - 1, zero: 0, negzero: -0 } })]],
  ['doubles', [span({ attrs: { pi: Math.PI, tiny: 5e-324, neg: -2.5, inf: Infinity, ninf: -Infinity, nan: NaN, big: 1e300 } })]],
  ['booleans and arrays', [span({ attrs: { t: true, f: false, empty: [] as string[], one: ['a'], many: ['', 'é', 'x'.repeat(200)], mixed: [1, 2.5, true, 'x'] as unknown as string[] } })]],
  ['a span longer than 16 KiB and one shorter than 128 bytes', [span({ attrs: { big: 'y'.repeat(70000) } }), span({ name: 'r', kind: KIND.internal, attrs: {} })]],
  ['an end before the start (clamped)', [span({ start: 500.25, end: 400 })]],
  ['times at whole seconds and odd fractions', [span({ start: 0, end: 0.000001 }), span({ start: 1e7 + 0.999999, end: 2e7 + 0.5 })]],
  ['many spans (buffer growth)', Array.from({ length: 300 }, (_, i) => span({ name: `s${i}`, parent: '0011223344556677', attrs: { i, s: 'z'.repeat(i * 3) } }))],
]

describe('encodeSpans matches otlp-transformer', () => {
  const resource = resourceFromAttributes(RESOURCE)
  const header = encodeHeader(RESOURCE, SCOPE)
  // a small writer, so the table also covers growing it
  const writer = new OtlpWriter(256)

  it.each(BATCHES)('%s', (_, spans) => {
    const ours = encodeSpans(writer, header, spans)
    const theirs = ProtobufTraceSerializer.serializeRequest(spans.map((s) => readable(s, resource, SCOPE)))!
    expect(decode(ours)).toEqual(decode(theirs))
  })

  it('the bytes stay valid after the writer encodes the next batch', () => {
    const first = encodeSpans(writer, header, BATCHES[0]![1])
    const copy = Buffer.from(first)
    encodeSpans(writer, header, BATCHES[3]![1])
    expect(first.equals(copy)).toBe(true)
  })
})

// ---- round trip on random spans ----

type Decoded = { key: string; value: AnyV }
type AnyV = { string_value?: string; bool_value?: boolean; int_value?: string; double_value?: number; array_value?: { values: AnyV[] } }

const ORIGIN = performance.timeOrigin
/** the nanoseconds lean-span.ts's hr() gives, in exact integer arithmetic */
function nanos(ms: number): bigint {
  const t = ORIGIN + ms
  const s = Math.floor(t / 1000)
  return BigInt(s) * 1_000_000_000n + BigInt(Math.round((t - s * 1000) * 1e6))
}

function expected(v: unknown): AnyV {
  if (typeof v === 'string') return { string_value: v }
  if (typeof v === 'boolean') return { bool_value: v }
  if (typeof v === 'number') return Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63 ? { int_value: BigInt(v).toString() } : { double_value: v }
  return { array_value: { values: (v as unknown[]).map(expected) } }
}

const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'))
const text = fc.string({ unit: 'grapheme', maxLength: 60 })
const scalar = fc.oneof(text, fc.boolean(), fc.integer(), fc.maxSafeInteger(), fc.double(),
  fc.integer({ min: -63, max: 62 }).map((e) => (e < 0 ? -(2 ** -e) : 2 ** e)))
const value: fc.Arbitrary<AttrValue> = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 5 }) as fc.Arbitrary<AttrValue> })
const attrs = fc.dictionary(text.filter((k) => k !== '__proto__'), value, { maxKeys: 12, noNullPrototype: true })
const leanSpan = fc.record({
  name: fc.oneof(text, fc.string({ unit: 'grapheme', minLength: 40, maxLength: 400 })),
  kind: fc.integer({ min: 0, max: 4 }), traceId: hex(16), spanId: hex(8), parent: fc.option(hex(8)),
  start: fc.double({ min: 0, max: 1e9, noNaN: true }), dur: fc.double({ min: 0, max: 1e6, noNaN: true }),
  attrs, status: fc.constantFrom(0, 1, 2), remote: fc.boolean(),
}).map((r) => new LeanSpan(r.name, r.kind, r.traceId, r.spanId, r.parent, r.start, r.start + r.dur, r.attrs, r.status, r.remote))

describe('decode(encodeSpans(spans)) gives the spans back', () => {
  const header = encodeHeader(RESOURCE, SCOPE)
  const writer = new OtlpWriter(64)

  it('for random batches', () => {
    fc.assert(fc.property(fc.array(leanSpan, { minLength: 1, maxLength: 8 }), (spans) => {
      const msg = Request.toObject(Request.decode(encodeSpans(writer, header, spans)), { longs: String, bytes: String, defaults: false }) as {
        resource_spans: { resource: { attributes: Decoded[] }; scope_spans: { scope: { name: string; version: string }; spans: Record<string, unknown>[] }[] }[]
      }
      expect(msg.resource_spans).toHaveLength(1)
      const rs = msg.resource_spans[0]!
      expect(rs.resource.attributes.map((a) => [a.key, a.value.string_value])).toEqual(Object.entries(RESOURCE))
      expect(rs.scope_spans[0]!.scope).toEqual(SCOPE)
      const got = rs.scope_spans[0]!.spans
      expect(got).toHaveLength(spans.length)
      spans.forEach((s, i) => {
        const d = got[i]!
        const b64 = (h: string) => Buffer.from(h, 'hex').toString('base64')
        expect(d.trace_id).toBe(b64(s.traceId))
        expect(d.span_id).toBe(b64(s.spanId))
        expect(d.parent_span_id).toBe(s.parentId === null ? undefined : b64(s.parentId))
        expect(d.name ?? '').toBe(s.name)
        expect(d.kind).toBe(s.kind + 1)
        expect(BigInt(d.start_time_unix_nano as string)).toBe(nanos(s.start))
        expect(BigInt(d.end_time_unix_nano as string)).toBe(nanos(s.end))
        expect((d.status as { code?: number }).code ?? 0).toBe(s.status)
        expect(d.flags).toBe(s.remoteParent ? 0x301 : 0x101)
        const a = (d.attributes as Decoded[] | undefined) ?? []
        expect(a.map((kv) => kv.key ?? '')).toEqual(Object.keys(s.attributes))
        a.forEach((kv) => {
          const want = expected(s.attributes[kv.key ?? ''])
          if (want.double_value !== undefined) expect(Object.is(kv.value.double_value, want.double_value)).toBe(true)
          else expect(normal(kv.value)).toEqual(want)
        })
      })
    }), { numRuns: 300 })
  })
})

/** protobufjs leaves defaults out: an empty string / false / 0 / empty array reads back as absent */
function normal(v: AnyV | undefined): AnyV {
  if (v === undefined) return {}
  if (v.array_value !== undefined) return { array_value: { values: (v.array_value.values ?? []).map(normal) } }
  return v
}

// attrNumber writes the common integers with both lengths known up front: the same bytes as the
// generic attribute(), for every width, sign, fraction and non-finite value, keys near the
// one-byte length edge
describe('attrNumber', () => {
  const NUMBERS = [
    0, -0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER,
    -1, -127, -(2 ** 28), -(2 ** 63), 2 ** 63, 2 ** 64, 0.5, 1.5, 2 ** 28 - 0.5, Number.EPSILON, Number.MIN_VALUE, 1e300, -1e300,
    NaN, Infinity, -Infinity,
  ]
  const KEYS = ['try_count', 'x', '', 'k'.repeat(116), 'k'.repeat(117), 'k'.repeat(118), 'k'.repeat(125), 'k'.repeat(200), 'é'.repeat(60)]
  it.each(KEYS.map((k) => [k.length > 12 ? `${k.slice(0, 3)}… (${k.length})` : JSON.stringify(k), k]))('key %s: attribute()\'s bytes for every number', (_n, k) => {
    const key = encodedKey(k)
    for (const v of NUMBERS) {
      const ours = new OtlpWriter(4)
      ours.pos = 1 // not at the buffer's start, and growing it
      attrNumber(ours, key, v)
      const theirs = new OtlpWriter(4)
      theirs.pos = 1
      attribute(theirs, 0x4a, k, v)
      expect(Buffer.from(ours.buf.subarray(1, ours.pos)).equals(Buffer.from(theirs.buf.subarray(1, theirs.pos))), `${v}`).toBe(true)
    }
  })
})
