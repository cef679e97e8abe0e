import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ollamaDriver } from '../../../../plugins/llm/drivers/ollama.ts'
import { mistralDriver } from '../../../../plugins/llm/drivers/mistral.ts'
import type { DriverContext, LlmRequest, ModelOptions, ProviderDriver, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string) => readFileSync(FIXTURES + p)

function ctx(provider: string, route: RouteType, options: ModelOptions = {}, name = 'llama3'): DriverContext {
  return { route, model: { provider, name, options }, stream: false, clientPath: '/client', clientQuery: '' }
}

function encode(d: ProviderDriver, req: LlmRequest, c: DriverContext) {
  return JSON.parse(d.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)!)
}

function frames(sse: Buffer): any[] {
  return sse.toString().split('\n\n').filter(Boolean).map((f) => {
    expect(f.startsWith('data: ')).toBe(true)
    return f.slice(6) === '[DONE]' ? '[DONE]' : JSON.parse(f.slice(6))
  })
}

const STREAM = [
  { model: 'llama3', created_at: '2024-01-01T00:00:00Z', message: { role: 'assistant', content: 'Héllo' }, done: false },
  { model: 'llama3', created_at: '2024-01-01T00:00:00Z', message: { role: 'assistant', content: ' wörld 🎉' }, done: false },
  { model: 'llama3', created_at: '2024-01-01T00:00:01Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 26, eval_count: 12 },
].map((e) => JSON.stringify(e)).join('\n') + '\n'


describe('mistral driver', () => {
  describe("Kong fixtures", () => {
    const options: ModelOptions = { max_tokens: 512, temperature: 0.5, mistral_format: 'ollama' }
    it('ollama format: request and answer as Kong', () => {
      const req = JSON.parse(fixture('unit/requests/llm-v1-chat.json').toString())
      expect(encode(mistralDriver, req, ctx('mistral', 'llm/v1/chat', options, 'mistral-tiny')))
        .toEqual(JSON.parse(fixture('unit/expected-requests/mistral/ollama/llm-v1-chat.json').toString()))
      const res = JSON.parse(mistralDriver.decodeResponse(fixture('unit/real-responses/mistral/ollama/llm-v1-chat.json'), ctx('mistral', 'llm/v1/chat', options, 'mistral-tiny')).body!)
      const expected = JSON.parse(fixture('unit/expected-responses/mistral/ollama/llm-v1-chat.json').toString())
      expect(res.choices[0].message).toEqual(expected.choices[0].message)
      expect(res.choices[0].finish_reason).toBe(expected.choices[0].finish_reason)
      expect(res.model).toBe(expected.model)
    })

    it('openai format: answer passed through after the choices check', () => {
      const body = fixture('mistral/llm-v1-chat/responses/good.json')
      const res = mistralDriver.decodeResponse(body, ctx('mistral', 'llm/v1/chat', { mistral_format: 'openai' }, 'mistral-tiny'))
      expect(res.body).toBeNull()
    })

    it("the unsupported-route message matches Kong's unit test", () => {
      const req = JSON.parse(fixture('unit/requests/llm-v1-chat.json').toString())
      expect(() => encode(mistralDriver, req, ctx('mistral', 'llm/v1/chatnopenotsupported' as RouteType, options, 'mistral-tiny')))
        .toThrow('no transformer available to format mistral://llm/v1/chatnopenotsupported/ollama')
    })
  })
})
