// The outcome bus: every listener hears every outcome in subscription order, a throwing listener
// neither stops the others nor escapes, an unsubscribed one hears nothing more.
import { describe, expect, it } from 'vitest'
import { onLlmOutcome, publishOutcome } from '../../../../plugins/llm/outcome/outcome-bus.ts'
import type { LlmOutcome } from '../../../../plugins/llm/outcome/llm-outcome.ts'

const outcome = (requestId: string): LlmOutcome => ({
  ending: 'complete', response: 'passthrough', status: 200, requestId, pluginId: null, provider: 'openai',
  requestModel: 'm', responseModel: 'm', stream: false, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  cost: 0, latencyMs: 1, targetLatencyMs: 1, timeToFirstTokenMs: null, tried: [0], cache: 'none',
})

describe('outcome bus', () => {
  it('hands each outcome to every listener, in subscription order', () => {
    const heard: string[] = []
    const offA = onLlmOutcome((o) => { heard.push(`a:${o.requestId}`) })
    const offB = onLlmOutcome((o) => { heard.push(`b:${o.requestId}`) })
    publishOutcome(outcome('1'))
    publishOutcome(outcome('2'))
    offA()
    publishOutcome(outcome('3'))
    offB()
    publishOutcome(outcome('4'))
    expect(heard).toEqual(['a:1', 'b:1', 'a:2', 'b:2', 'b:3'])
  })

  it.each([
    ['an Error', () => { throw new Error('listener bug') }],
    ['a string', () => { throw 'oops' }],
    ['null', () => { throw null }],
  ])('a listener throwing %s does not keep the others from hearing, nor escapes', (_name, bad) => {
    const heard: string[] = []
    const offBad = onLlmOutcome(bad)
    const offGood = onLlmOutcome((o) => { heard.push(o.requestId) })
    expect(() => publishOutcome(outcome('x'))).not.toThrow()
    offBad()
    offGood()
    expect(heard).toEqual(['x'])
  })
})
