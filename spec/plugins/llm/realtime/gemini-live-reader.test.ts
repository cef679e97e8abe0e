// GeminiLiveReader on its own: which upstream messages count as usage (hostile shapes count 0 or
// nothing), and the setup's model recorded when the route fixes none.
import { describe, expect, it } from 'vitest'
import { GeminiLiveReader, liveModelName, liveSetupModels } from '../../../../plugins/llm/realtime/gemini-live-reader.ts'

const free = () => new GeminiLiveReader({ provider: 'gemini', options: {} } as never)
const msg = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o))

describe('GeminiLiveReader: upstream usage', () => {
  it('sums each message\'s usageMetadata, from text or binary frames, responseTokenCount or candidatesTokenCount', () => {
    const r = free()
    r.frame(msg({ setupComplete: {} }))
    r.frame(msg({ serverContent: { turnComplete: true }, usageMetadata: { promptTokenCount: 3, responseTokenCount: 4, totalTokenCount: 7 } }))
    r.frame(msg({ usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2 } }))
    expect(r.usage()).toEqual({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 })
  })

  it('no usage message: no usage', () => {
    const r = free()
    r.frame(msg({ serverContent: { modelTurn: { parts: [{ text: 'usageMetadata' }] } } }))
    expect(r.usage()).toBeNull()
  })

  it.each([
    ['negative counts', { usageMetadata: { promptTokenCount: -5, responseTokenCount: -1, totalTokenCount: -6 } }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    ['strings', { usageMetadata: { promptTokenCount: '5', responseTokenCount: '1e9' } }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    ['unsafe integers', { usageMetadata: { promptTokenCount: 2 ** 60, responseTokenCount: 1.5 } }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    ['non-finite via exponent', '{"usageMetadata":{"promptTokenCount":1e400}}', { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
  ])('%s count as 0', (_name, m, usage) => {
    const r = free()
    r.frame(msg(m))
    expect(r.usage()).toEqual(usage)
  })

  it.each([
    ['usage inherited from __proto__', '{"__proto__":{"usageMetadata":{"promptTokenCount":9}}}'],
    ['usage under constructor.prototype', '{"constructor":{"prototype":{"usageMetadata":{"promptTokenCount":9}}}}'],
    ['usageMetadata as an array', '{"usageMetadata":[{"promptTokenCount":9}]}'],
    ['usageMetadata null', '{"usageMetadata":null}'],
    ['cut JSON', '{"usageMetadata":{"promptTokenCount":9'],
    ['the name in a string only', '{"x":"\\"usageMetadata\\""}'],
  ])('%s: not counted, nothing thrown', (_name, m) => {
    const r = free()
    r.frame(msg(m))
    expect(r.usage()).toBeNull()
    expect(({} as Record<string, unknown>).promptTokenCount).toBeUndefined()
  })
})

describe('GeminiLiveReader: the setup\'s model', () => {
  it('with no fixed model, the first setup names the request\'s model and nothing is refused', () => {
    const r = free()
    expect(r.clientFrame(msg({ setup: { model: 'models/gemini-2.0-flash-live-001' } }))).toBeUndefined()
    expect(r.clientFrame(msg({ setup: { model: 'models/other' } }))).toBeUndefined()
    expect(r.requestModel()).toBe('gemini-2.0-flash-live-001')
  })

  it('resource names: AI Studio short and models/ forms; Vertex only its own project and location', () => {
    expect(liveSetupModels({ provider: 'gemini', name: 'm', options: {} } as never)).toEqual(['m', 'models/m'])
    expect(liveSetupModels({ provider: 'gemini', name: 'm', options: { gemini: { api_endpoint: 'x', project_id: 'p', location_id: 'l' } } } as never))
      .toEqual(['projects/p/locations/l/publishers/google/models/m'])
    expect(liveSetupModels({ provider: 'gemini', options: {} } as never)).toBeNull()
    expect(liveModelName('projects/p/locations/l/publishers/google/models/m')).toBe('m')
  })
})
