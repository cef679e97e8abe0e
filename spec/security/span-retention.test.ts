// A GenAI span waits in the exporter's queue (up to 10,000 spans behind a slow collector), so it
// must hold no more of the request than its capped attributes: the payloads cut to
// MAX_PAYLOAD_CHARS and model names cut short, each in a string of its own (a V8 slice of a long
// string keeps the whole original alive). Measured on the heap after a full GC.
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { genaiSpan, MAX_PAYLOAD_CHARS } from '../../plugins/opentelemetry/genai-span.ts'
import type { LeanSpan } from '../../plugins/opentelemetry/lean-span.ts'
import type { LlmOutcome } from '../../plugins/llm/outcome/llm-outcome.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const MIB = 1024 * 1024
const N = 32

function outcome(over: Partial<LlmOutcome>): LlmOutcome {
  return {
    ending: 'complete', response: 'passthrough', status: 200, requestId: 'r', pluginId: 'p', provider: 'openai',
    requestModel: 'gpt-4o', responseModel: 'gpt-4o', stream: false, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    cost: 0, latencyMs: 5, targetLatencyMs: 4, timeToFirstTokenMs: null, tried: [0], cache: 'none', ...over,
  }
}

const big = (i: number, chars: number): string => `${i}-`.padEnd(chars, 'x').split('').join('')
const traced = { traceId: '0'.repeat(32), rootId: '1'.repeat(16), balancerId: '2'.repeat(16), parentId: null, genai: null }

const CASES: ReadonlyArray<readonly [what: string, make: (i: number) => Partial<LlmOutcome>]> = [
  ['1 MiB payloads', (i) => ({ payloads: { request: big(i, MIB / 2), response: big(-i, MIB / 2) } })],
  ['a 1 MiB requested model', (i) => ({ requestModel: big(i, MIB) })],
  ['a 1 MiB answered model', (i) => ({ responseModel: big(i, MIB) })],
]

describe('a queued GenAI span', () => {
  it.each(CASES)('%s: the span keeps its capped attributes only', (_what, make) => {
    const queue: LeanSpan[] = []
    gc()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < N; i++) queue.push(genaiSpan(traced, outcome(make(i)), 1000))
    gc()
    const grew = process.memoryUsage().heapUsed - before
    expect(queue).toHaveLength(N)
    // two payload attributes of at most MAX_PAYLOAD_CHARS (two bytes a char at worst) per span, and some slack
    expect(grew).toBeLessThan(N * 4 * MAX_PAYLOAD_CHARS + 2 * MIB)
  })
})
