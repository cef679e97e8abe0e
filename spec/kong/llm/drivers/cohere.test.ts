import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { cohereDriver } from '../../../../plugins/llm/drivers/cohere.ts'
import type { ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { sseOf } from '../../../plugins/llm/helpers/sse-of.ts'
import { ctx, encode, frames } from '../../../plugins/llm/helpers/cohere-calls.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string) => readFileSync(FIXTURES + p)

describe('cohere driver', () => {
  describe("Kong fixtures", () => {
    const FORMATS: Record<string, ModelOptions> = {
      'llm/v1/chat': { max_tokens: 512, temperature: 0.5, top_p: 1.0 },
      'llm/v1/completions': { max_tokens: 512, temperature: 0.5, top_p: 0.75, top_k: 5 },
    }
    for (const [route, options] of Object.entries(FORMATS) as [RouteType, ModelOptions][]) {
      const file = route.replaceAll('/', '-')
      it(`${route}: request as Kong sends it`, () => {
        const req = JSON.parse(fixture(`unit/requests/${file}.json`).toString())
        expect(encode(req, ctx(route, options))).toEqual(JSON.parse(fixture(`unit/expected-requests/cohere/${file}.json`).toString()))
      })
      it(`${route}: answer as Kong returns it`, () => {
        const res = cohereDriver.decodeResponse(fixture(`unit/real-responses/cohere/${file}.json`), ctx(route, options))
        const actual = JSON.parse(res.body!)
        const expected = JSON.parse(fixture(`unit/expected-responses/cohere/${file}.json`).toString())
        // Kong's unit test compares the message and the model; the text and id match too
        expect(actual.choices[0].message).toEqual(expected.choices[0].message)
        expect(actual.choices[0].text).toEqual(expected.choices[0].text)
        expect(actual.model).toBe(expected.model)
        expect(actual.id).toBe(expected.id)
      })
    }

    it('chat answer usage comes from billed_units (Kong cohere.lua)', () => {
      const res = cohereDriver.decodeResponse(fixture('cohere/llm-v1-chat/responses/good.json'), ctx('llm/v1/chat'))
      expect(res.usage).toEqual({ prompt_tokens: 81, completion_tokens: 258, total_tokens: 339 })
      expect(JSON.parse(res.body!).choices[0].message.content).toBe('The sum of 1 + 1 is 2.')
    })

    it("bad upstream answer gives Kong's 500 message", () => {
      expect(() => cohereDriver.decodeResponse(fixture('cohere/llm-v1-chat/responses/bad_upstream_response.json'), ctx('llm/v1/chat')))
        .toThrow("transformation failed from type cohere://llm/v1/chat: 'text' or 'generations' missing from cohere response body")
    })

    it.for(['llm-v1-chat', 'llm-v1-completions'])('real-stream-frames/cohere/%s gives "the answer"', (file) => {
      const route = file === 'llm-v1-chat' ? 'llm/v1/chat' : 'llm/v1/completions'
      const t = sseOf(cohereDriver.stream(ctx(route as RouteType)))
      const f = frames(t.push(fixture(`unit/real-stream-frames/cohere/${file}.txt`))) as Record<string, any>[]
      const expected = route === 'llm/v1/chat'
        ? [{ delta: { content: 'the answer' }, finish_reason: null, index: 0, logprobs: null }]
        : [{ text: 'the answer', finish_reason: null, index: 0, logprobs: null }]
      expect(f[0].choices).toEqual(expected)
    })
  })
})
