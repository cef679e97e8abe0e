import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { llama2Driver } from '../../../../plugins/llm/drivers/llama2.ts'
import type { ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { ctx, encode } from '../../../plugins/llm/helpers/llama2-calls.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string) => readFileSync(FIXTURES + p)

describe('llama2 driver', () => {
  describe("Kong fixtures", () => {
    // Kong's 01-unit_spec FORMATS table
    const FORMATS: [string, RouteType, ModelOptions][] = [
      ['raw', 'llm/v1/chat', { max_tokens: 512, temperature: 0.5, llama2_format: 'raw', top_p: 1, top_k: 40 }],
      ['raw', 'llm/v1/completions', { max_tokens: 512, temperature: 0.5, llama2_format: 'raw' }],
      ['ollama', 'llm/v1/chat', { max_tokens: 512, temperature: 0.5, llama2_format: 'ollama' }],
      ['ollama', 'llm/v1/completions', { max_tokens: 512, temperature: 0.5, llama2_format: 'ollama' }],
    ]
    for (const [format, route, options] of FORMATS) {
      const file = route.replaceAll('/', '-')
      it(`${format} ${route}: request as Kong sends it`, () => {
        const req = JSON.parse(fixture(`unit/requests/${file}.json`).toString())
        expect(JSON.parse(encode(req, ctx(route, options))!)).toEqual(JSON.parse(fixture(`unit/expected-requests/llama2/${format}/${file}.json`).toString()))
      })
      it(`${format} ${route}: answer as Kong returns it`, () => {
        const actual = JSON.parse(llama2Driver.decodeResponse(fixture(`unit/real-responses/llama2/${format}/${file}.json`), ctx(route, options)).body!)
        const expected = JSON.parse(fixture(`unit/expected-responses/llama2/${format}/${file}.json`).toString())
        expect(actual.choices[0].message).toEqual(expected.choices[0].message)
        expect(actual.model).toEqual(expected.model)
        // the ollama completions fixture holds a different text than its real response: Kong compares only .message
        if (format === 'raw') expect(actual.choices[0].text).toEqual(expected.choices[0].text)
        expect(actual.object).toBe(expected.object)
      })
    }

    it('integration fixture: raw answer gives "Is a well known font."', () => {
      const res = JSON.parse(llama2Driver.decodeResponse(fixture('llama2/raw/responses/good.json'), ctx('llm/v1/chat', { llama2_format: 'raw' })).body!)
      expect(res.choices[0].message.content).toBe('Is a well known font.')
    })
  })
})
