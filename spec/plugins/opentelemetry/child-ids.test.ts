// A request's id fields are copied into each child span from a view of their buffer (ChildIds.trace,
// one TypedArray#set instead of a byte loop). The view must follow the layout: for ids of every
// width, a buffer grown for long ones, and a scratch reused from long ids to short ones and back,
// openChild and openRoot write what openSpan writes from the hex ids.
import { describe, expect, it } from 'vitest'
import { childIds, closeSpan, encodedName, openChild, openRoot, openSpan, OtlpWriter, setChildIds } from '../../../plugins/opentelemetry/otlp-encode.ts'
import { KIND, STATUS } from '../../../plugins/opentelemetry/lean-span.ts'
import { RequestIds } from '../../../plugins/opentelemetry/request-ids.ts'

const NAME = 'kong.access.plugin.a-plugin-name-long-enough-to-matter'
const hexOf = (bytes: number, seed: number): string => Buffer.from(Array.from({ length: bytes }, (_, i) => (seed * 31 + i * 7) % 255 + 1)).toString('hex')

function viaTemplates(ids: ReturnType<typeof childIds>, parent: string | null): Buffer {
  const w = new OtlpWriter(16)
  const name = encodedName(NAME, KIND.internal)
  w.setTimes(10, 20)
  closeSpan(w, openRoot(w, ids, parent, name), STATUS.unset, parent !== null)
  w.setTimes(11, 12)
  closeSpan(w, openChild(w, ids, true, name), STATUS.unset, false)
  return Buffer.from(w.buf.subarray(0, w.pos))
}

function viaHex(trace: string, root: string, balancer: string, parent: string | null): Buffer {
  const w = new OtlpWriter(16)
  closeSpan(w, openSpan(w, trace, root, parent, NAME, KIND.internal, 10, 20), STATUS.unset, parent !== null)
  closeSpan(w, openSpan(w, trace, balancer, root, NAME, KIND.internal, 11, 12), STATUS.unset, false)
  return Buffer.from(w.buf.subarray(0, w.pos))
}

// [trace bytes, span bytes] (span ids are 8 bytes, as openChild writes them): W3C's, a 64-bit trace
// (b3, jaeger), a 1-byte one, and traces long enough to outgrow the scratch buffer (40: no, 60 and 100: yes), then W3C's again
const WIDTHS: [number, number][] = [[16, 8], [8, 8], [1, 8], [40, 8], [100, 8], [16, 8], [60, 8], [8, 8]]

describe('child span id fields', () => {
  it('one scratch reused through every width: the trace view follows its buffer', () => {
    const ids = childIds()
    WIDTHS.forEach(([t, s], k) => {
      const trace = hexOf(t, k), root = hexOf(s, k + 1), balancer = hexOf(s, k + 2), parent = k % 2 ? hexOf(8, k + 3) : null
      setChildIds(ids, trace, root, balancer)
      expect(viaTemplates(ids, parent).equals(viaHex(trace, root, balancer, parent)), `${t}/${s}`).toBe(true)
    })
  })

  it("a request's drawn ids (RequestIds) write what their hex writes", () => {
    const r = new RequestIds()
    for (let i = 0; i < 50; i++) {
      r.draw(i % 3 === 0 ? hexOf(16, i) : null)
      const copy = new RequestIds()
      copy.copyFrom(r)
      expect(viaTemplates(copy.ids, null).equals(viaHex(r.traceId, r.rootId, r.balancerId, null))).toBe(true)
    }
  })
})

describe("a span's times come from the writer (setTimes), not from arguments", () => {
  // [start, end] in performance.now() ms: fractions, a clock step back (end before start: written
  // as start), equal, zero, the far future, and one span's times not leaking into the next
  const TIMES: [number, number][] = [[10, 20], [0.123456, 1.987654], [5000.5, 4999.25], [7, 7], [0, 0], [1e9 + 0.5, 1e9 + 3.75], [123.456789, 98765.4321]]
  it.each(TIMES)('start %d, end %d: openRoot and openChild write what openSpan writes', (start, end) => {
    const ids = childIds()
    const trace = hexOf(16, 1), root = hexOf(8, 2), balancer = hexOf(8, 3)
    setChildIds(ids, trace, root, balancer)
    const name = encodedName(NAME, KIND.internal)
    const a = new OtlpWriter(16)
    a.setTimes(start, end)
    closeSpan(a, openRoot(a, ids, null, name), STATUS.unset, false)
    a.setTimes(end, start)
    closeSpan(a, openChild(a, ids, true, name), STATUS.unset, false)
    const b = new OtlpWriter(16)
    closeSpan(b, openSpan(b, trace, root, null, NAME, KIND.internal, start, end), STATUS.unset, false)
    closeSpan(b, openSpan(b, trace, balancer, root, NAME, KIND.internal, end, start), STATUS.unset, false)
    expect(Buffer.from(a.buf.subarray(0, a.pos)).equals(Buffer.from(b.buf.subarray(0, b.pos)))).toBe(true)
  })
})
