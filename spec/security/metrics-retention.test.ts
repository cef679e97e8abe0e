// What the prometheus plugin keeps between requests is small whatever the client sends: a model
// name is kept (as a map key as well as a label) only as far as its label is, and a counted
// outcome leaves nothing behind: not the answer, the logged payloads or the response handler
// behind them. Measured on the heap after a full GC.
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { recordAi } from '../../plugins/prometheus/ai-metrics.ts'
import type { LlmOutcome } from '../../plugins/llm/outcome/llm-outcome.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const MIB = 1024 * 1024
const N = 48

let seq = 0
function outcome(model: string, over: Partial<LlmOutcome> = {}): LlmOutcome {
  return {
    ending: 'complete', response: 'passthrough', status: 200, requestId: `ret-${++seq}`, pluginId: 'p', provider: 'openai',
    requestModel: model, responseModel: model, stream: false, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    cost: 0, latencyMs: 5, targetLatencyMs: 4, timeToFirstTokenMs: null, tried: [0], cache: 'none', ...over,
  }
}

/** Heap growth (bytes) that survives a full GC after `fn`. */
function retained(fn: () => void): number {
  gc()
  const before = process.memoryUsage().heapUsed
  fn()
  gc()
  return process.memoryUsage().heapUsed - before
}

/** a distinct string of `bytes` one-byte characters, flat on the heap */
const big = (i: number, bytes: number): string => `${i}-`.padEnd(bytes, 'x').split('').join('')

const CASES: ReadonlyArray<readonly [what: string, run: (i: number) => void]> = [
  ['a counted outcome with a 1 MiB model name', (i) => recordAi(outcome(big(i, MIB)), '')],
  ['a counted outcome with 1 MiB payloads', (i) => recordAi(outcome(`m-${i}`, { payloads: { request: big(i, MIB / 2), response: big(-i, MIB / 2) } }), '')],
  ['a counted outcome whose handler holds a 1 MiB answer', (i) => { const answer = big(i, MIB); recordAi(outcome(`h-${i}`, { finishReasons: () => (answer.length > 0 ? ['stop'] : []) }), '') }],
]

describe('prometheus AI metrics keep no client-sized data', () => {
  it.each(CASES)('%s', (_what, run) => {
    const grew = retained(() => { for (let i = 0; i < N; i++) run(i) })
    // N MiB went through; what stays is a few KB per request at most
    expect(grew).toBeLessThan(4 * MIB)
  })
})
