// The opentelemetry encoders remember the value they wrote last (EncodedPairs per attribute, the
// GenAI span's name field per model): a client's value may be a V8 slice of its whole request
// (a Host header, a model name cut from a 1 MiB body), so what is remembered must be a string of
// its own. Measured on the heap after a full GC; and whatever order values come in, the bytes stay
// attrString's.
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { attrString, encodedKey, OtlpWriter } from '../../plugins/opentelemetry/otlp-encode.ts'
import { EncodedPairs, MAX_PAIRS } from '../../plugins/opentelemetry/encoded-pairs.ts'
import { encodeGenaiSpan } from '../../plugins/opentelemetry/genai-span.ts'
import { RequestIds } from '../../plugins/opentelemetry/request-ids.ts'
import type { LlmOutcome } from '../../plugins/llm/outcome/llm-outcome.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const MIB = 1024 * 1024
const N = 16
const KEY = encodedKey('gen_ai.request.model')

/** a short value that is a slice of a fresh 1 MiB string (the whole string stays alive while the slice does) */
function sliceOfBig(i: number): string {
  const big = `${i}-`.padEnd(MIB, 'x').split('').join('')
  return big.slice(0, 20)
}

function outcome(requestModel: string): LlmOutcome {
  return {
    ending: 'complete', response: 'passthrough', status: 200, requestId: 'r', pluginId: 'p', provider: 'openai',
    requestModel, responseModel: requestModel, stream: false, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    cost: 0, latencyMs: 5, targetLatencyMs: 4, timeToFirstTokenMs: null, tried: [0], cache: 'none', routeType: 'llm/v1/chat',
  }
}

const ids = new RequestIds()
ids.draw(null)
const traced = { traceId: ids.traceId, rootId: ids.rootId, balancerId: ids.balancerId, parentId: null, genai: null, ids: ids.ids }

describe('remembered last values hold no client string alive', () => {
  it('EncodedPairs: a sliced value per writer, each 1 MiB behind it', () => {
    const pairs = Array.from({ length: N }, () => new EncodedPairs(KEY))
    const w = new OtlpWriter()
    gc()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < N; i++) { w.pos = 0; pairs[i]!.write(w, sliceOfBig(i)) }
    gc()
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(2 * MIB)
  })

  it('the GenAI name field: the last model remembered is its own string', () => {
    const w = new OtlpWriter()
    gc()
    const before = process.memoryUsage().heapUsed
    // a new model per request: past the name-field cap too, each one remembered in turn
    for (let i = 0; i < N; i++) { w.pos = 0; encodeGenaiSpan(w, traced, outcome(sliceOfBig(i)), 1000) }
    gc()
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(2 * MIB)
  })
})

describe('the last value and the map agree, whatever the order', () => {
  const one = (v: string): Buffer => { const w = new OtlpWriter(8); attrString(w, KEY, v); return Buffer.from(w.buf.subarray(0, w.pos)) }
  const ORDERS: [string, string[]][] = [
    ['repeats', ['a', 'a', 'a']],
    ['alternating', ['a', 'b', 'a', 'b', 'b', 'a']],
    ['equal strings made apart', ['gpt-4o', ['gpt', '4o'].join('-'), JSON.parse('"gpt-4o"') as string]],
    ['a value too long to keep between kept ones', ['a', 'x'.repeat(5000), 'a', 'x'.repeat(5000)]],
    ['prototype names', ['__proto__', 'constructor', '__proto__', 'toString']],
    ['empty and non-ASCII', ['', 'é', '', '\uD800', 'é']],
  ]
  it.each(ORDERS)('%s', (_what, values) => {
    const p = new EncodedPairs(KEY)
    for (const v of values) {
      const w = new OtlpWriter(8)
      p.write(w, v)
      expect(Buffer.from(w.buf.subarray(0, w.pos)).equals(one(v))).toBe(true)
    }
  })

  it('past the cap: the remembered value is one of the kept ones, new values take the slow path', () => {
    const p = new EncodedPairs(KEY)
    for (let i = 0; i < MAX_PAIRS + 50; i++) {
      const v = `v${i % (MAX_PAIRS + 10)}`
      const w = new OtlpWriter(8)
      p.write(w, v)
      expect(Buffer.from(w.buf.subarray(0, w.pos)).equals(one(v))).toBe(true)
    }
    expect(p.size).toBe(MAX_PAIRS)
  })
})
