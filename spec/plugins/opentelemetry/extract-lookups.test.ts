// Extraction runs on every request, and most carry no trace context: each format must give up
// after its first missing header. Also with partial headers: the answer stays "none" (a b3 span
// id without its trace id is no context), and a full set is still found.
import { describe, expect, it } from 'vitest'
import { extract } from '../../../plugins/opentelemetry/propagation.ts'
import { EXTRACTORS, type Extractor } from '../../../plugins/opentelemetry/schema.ts'

function counting(headers: Record<string, string>) {
  const asked: string[] = []
  return { asked, get: (name: string) => { asked.push(name); return Object.hasOwn(headers, name) ? headers[name] : undefined } }
}

describe('extraction lookups', () => {
  it.each(EXTRACTORS.map((f) => [f]))('%s with no trace headers asks for one header (b3: b3 and x-b3-traceid)', (f) => {
    const c = counting({ 'content-type': 'application/json' })
    expect(extract([f as Extractor], c.get)).toBeNull()
    expect(c.asked.length).toBe(f === 'b3' ? 2 : 1)
  })

  it('Kong\'s default order over a request with no trace headers: 8 lookups, none twice', () => {
    const c = counting({})
    expect(extract(['b3', 'w3c', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'], c.get)).toBeNull()
    expect(c.asked).toHaveLength(8)
    expect(new Set(c.asked).size).toBe(8)
  })

  const T = '0af7651916cd43dd8448eb211c80319c'
  const S = 'b7ad6b7169203331'
  const PARTIAL: [string, Extractor, Record<string, string>, string | null][] = [
    ['b3 span id only', 'b3', { 'x-b3-spanid': S, 'x-b3-sampled': '1' }, null],
    ['b3 trace id only', 'b3', { 'x-b3-traceid': T }, null],
    ['b3 bad trace id, good span id', 'b3', { 'x-b3-traceid': 'zz', 'x-b3-spanid': S }, null],
    ['b3 both', 'b3', { 'x-b3-traceid': T, 'x-b3-spanid': S }, T],
    ['ot span id only', 'ot', { 'ot-tracer-spanid': S }, null],
    ['ot trace id only', 'ot', { 'ot-tracer-traceid': T }, null],
    ['ot zero trace id', 'ot', { 'ot-tracer-traceid': '0'.repeat(32), 'ot-tracer-spanid': S }, null],
    ['ot both', 'ot', { 'ot-tracer-traceid': T, 'ot-tracer-spanid': S }, T],
  ]
  it.each(PARTIAL)('%s', (_, f, headers, want) => {
    expect(extract([f], counting(headers).get)?.ctx.traceId ?? null).toBe(want)
  })
})
