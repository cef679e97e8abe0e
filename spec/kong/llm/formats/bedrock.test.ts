import { existsSync, readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime'
import { describe, expect, it } from 'vitest'
import { bedrockFormat } from '../../../../plugins/llm/formats/bedrock.ts'
import { modelAndStream } from '../../../../plugins/llm/formats/bedrock/parse-request.ts'
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

/** A real BedrockRuntimeClient whose HTTP answer is the given bytes: proves the SDK reads what we encode. */
function sdkAnswering(contentType: string, body: Buffer): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: {
      handle: async () => ({ response: { statusCode: 200, reason: 'OK', headers: { 'content-type': contentType }, body: Readable.from([body]) } }),
    } as never,
  })
}

const OPENAI_ANSWER = {
  id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o',
  choices: [{
    index: 0, finish_reason: 'tool_calls',
    message: { role: 'assistant', content: 'Let me add.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } }] },
  }],
  usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
}

