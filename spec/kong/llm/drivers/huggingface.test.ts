import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { huggingfaceDriver } from '../../../../plugins/llm/drivers/huggingface.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { ctx, MODEL } from '../../../plugins/llm/helpers/huggingface-calls.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string) => readFileSync(FIXTURES + p)

describe('huggingface driver', () => {
  describe("Kong fixtures", () => {
    it('chat: the good answer passes through unchanged', () => {
      const res = huggingfaceDriver.decodeResponse(fixture('huggingface/llm-v1-chat/responses/good.json'), ctx('llm/v1/chat'))
      expect(res.body).toBeNull()
      expect(res.model).toBe(MODEL)
      expect(res.usage).toEqual({ prompt_tokens: 26, completion_tokens: 40, total_tokens: 66 })
    })

    it('completions: [{generated_text}] → text_completion (Kong 3.10 put it in message.content; OpenAI clients read text)', () => {
      const res = JSON.parse(huggingfaceDriver.decodeResponse(fixture('huggingface/llm-v1-completions/responses/good.json'), ctx('llm/v1/completions')).body!)
      expect(res).toMatchObject({ object: 'text_completion', model: MODEL, choices: [{ index: 0, text: 'I am a language model AI created by Mistral AI' }] })
    })

    it('an error answer is refused with its message', () => {
      expect(() => huggingfaceDriver.decodeResponse(fixture('huggingface/llm-v1-completions/responses/bad_request.json'), ctx('llm/v1/completions')))
        .toThrow(/API error: Failed to deserialize the JSON body/)
    })
  })
})


