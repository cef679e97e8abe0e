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
  closeSpan(w, openRoot(w, ids, parent, name, 10, 20), STATUS.unset, parent !== null)
  closeSpan(w, openChild(w, ids, true, name, 11, 12), STATUS.unset, false)
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
