import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { bedrockFormat } from '../../../../plugins/llm/formats/bedrock.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string): unknown => JSON.parse(readFileSync(FIXTURES + p, 'utf8'))

describe('bedrock client format on Kong fixtures (12-native_unit_spec)', () => {
  for (const [operation, target] of [['converse', 'target-openai-complete'], ['converse-stream', 'target-openai-complete-stream']]) {
    it(`native/bedrock/request/with-functions-and-chatter via /${operation} → native/target/${target}`, () => {
      const body = fixture('native/bedrock/request/with-functions-and-chatter.json')
      const { request, model } = bedrockFormat.parseRequest(body, `/bedrock/model/cohere.command-r-v1%3A0/${operation}`)
      const expected = fixture(`native/target/${target}.json`) as Record<string, unknown>
      expected.model = 'cohere.command-r-v1:0'
      expect(model).toBe('cohere.command-r-v1:0')
      expect(request).toEqual(expected)
    })
  }
})
