import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { huggingfaceDriver } from '../../../../plugins/llm/drivers/huggingface.ts'
import { huggingfaceFormat } from '../../../../plugins/llm/formats/huggingface.ts'
import { cohereFormat } from '../../../../plugins/llm/formats/cohere.ts'
import type { DriverContext, LlmRequest, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string) => readFileSync(FIXTURES + p)

const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2'

function ctx(route: RouteType, options: ModelOptions = {}, name: string | undefined = MODEL): DriverContext {
  return { route, model: { provider: 'huggingface', name, options }, stream: false, clientPath: '/c', clientQuery: '' }
}

const encode = (req: LlmRequest, c: DriverContext) => JSON.parse(huggingfaceDriver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)!)

function frames(sse: Buffer): any[] {
  return sse.toString().split('\n\n').filter(Boolean).map((f) => (f.slice(6) === '[DONE]' ? '[DONE]' : JSON.parse(f.slice(6))))
}

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


