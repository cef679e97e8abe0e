import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { mistralDriver } from '../../../../plugins/llm/drivers/mistral.ts'
import type { ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { ctx, encode } from '../../../plugins/llm/helpers/ollama-calls.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string) => readFileSync(FIXTURES + p)

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
