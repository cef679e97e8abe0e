import { afterEach, describe, expect, it, vi } from 'vitest'
import { isGatewayError } from '../../../../core/errors.ts'
import { llmErrors } from '../../../../plugins/llm/errors.ts'
import { bedrockDriver, escapeModelId } from '../../../../plugins/llm/drivers/bedrock.ts'
import { encodeAwsEvent, encodeAwsException } from '../../../../plugins/llm/transcoders/aws-event-stream.ts'
import type { LlmRequest, RouteType } from '../../../../plugins/llm/types.ts'
import { sseOf } from '../helpers/sse-of.ts'
import { chunk, ctx, encode, frames, transcode } from '../helpers/bedrock-calls.ts'
import { describeDriver } from './driver.case.ts'
import * as rec from '../transcoders/recordings.ts'


function thrown(fn: () => unknown): { code: string; status: number; message: string; details?: unknown } {
  try {
    fn()
  } catch (e) {
    if (isGatewayError(e)) return { code: e.code, status: e.status, message: e.message, details: e.details }
    throw e
  }
  throw new Error('expected a throw')
}

afterEach(() => { vi.unstubAllEnvs() })

describe('bedrock driver: target', () => {

  it('escapes inference-profile ids and ARNs as one path segment, as the AWS SDK does', () => {
    expect(escapeModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('us.anthropic.claude-sonnet-4-5-20250929-v1%3A0')
    expect(escapeModelId('arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-x(1)'))
      .toBe('arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fglobal.anthropic.claude-x%281%29')
  })

  it('falls back to AWS_REGION, then AWS_DEFAULT_REGION', () => {
    vi.stubEnv('AWS_REGION', 'eu-central-1')
    vi.stubEnv('AWS_DEFAULT_REGION', 'ap-south-1')
    expect(bedrockDriver.target(ctx('m')).host).toBe('bedrock-runtime.eu-central-1.amazonaws.com')
    vi.stubEnv('AWS_REGION', '')
    expect(bedrockDriver.target(ctx('m')).host).toBe('bedrock-runtime.ap-south-1.amazonaws.com')
  })

  it("without a region anywhere: Kong's 500 'LLM request failed before proxying'", () => {
    vi.stubEnv('AWS_REGION', '')
    vi.stubEnv('AWS_DEFAULT_REGION', '')
    const e = thrown(() => bedrockDriver.target(ctx('m')))
    expect(e).toMatchObject({ code: llmErrors.identity.code, status: 500, message: 'LLM request failed before proxying' })
    expect(e.details).toEqual({ reason: 'AWS region not specified anywhere' })
  })

  it('a native bedrock client keeps the model operation it called; the model id is the resolved one', () => {
    const native = (clientPath: string, stream = false) =>
      bedrockDriver.target(ctx('m:1', { bedrock: { aws_region: 'us-east-1' } }, { llmFormat: 'bedrock', clientPath, stream })).path
    expect(native('/bedrock/model/m%3A1/invoke')).toBe('/model/m%3A1/invoke')
    expect(native('/bedrock/model/m%3A1/invoke-with-response-stream')).toBe('/model/m%3A1/invoke-with-response-stream')
    expect(native('/bedrock/model/m%3A1/converse-stream', true)).toBe('/model/m%3A1/converse-stream')
    expect(native('/bedrock/model/m%3A1/../../etc')).toBe('/model/m%3A1/converse')
    expect(native('/bedrock')).toBe('/model/m%3A1/converse')
  })

})

describe('bedrock driver: request conversion', () => {
  it('maps system, messages and inferenceConfig; model.options fill in what the request leaves out', () => {
    const body = encode({
      messages: [
        { role: 'system', content: 'be terse' },
        { role: 'developer', content: [{ type: 'text', text: 'use SI units' }] },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: [{ type: 'text', text: 'and?' }] },
      ],
      max_tokens: 10, temperature: 0.1, top_p: 0.2, top_k: 5, stop: 'END',
    }, ctx('anthropic.claude-3-haiku-20240307-v1:0', { max_tokens: 1024, top_p: 0.5, temperature: 1 }))
    expect(body).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      system: [{ text: 'be terse' }, { text: 'use SI units' }],
      messages: [
        { role: 'user', content: [{ text: 'hi' }] },
        { role: 'assistant', content: [{ text: 'hello' }] },
        { role: 'user', content: [{ text: 'and?' }] },
      ],
      inferenceConfig: { maxTokens: 10, temperature: 0.1, topP: 0.2, stopSequences: ['END'] },
    })
  })

  it('uses anthropic_version from the options, max_completion_tokens when max_tokens is absent, options as defaults', () => {
    const body = encode({ messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 64 }, ctx('m', { anthropic_version: 'bedrock-2024', max_tokens: 9 }))
    expect(body.anthropic_version).toBe('bedrock-2024')
    expect(body.inferenceConfig).toEqual({ maxTokens: 64 })
    expect(encode({ messages: [{ role: 'user', content: 'x' }] }, ctx('m', { max_tokens: 9, temperature: 0.5, top_p: 0.7, top_k: 3 })).inferenceConfig)
      .toEqual({ maxTokens: 9, temperature: 0.5, topP: 0.7 })
  })

  it('turns tool calls into toolUse and tool messages into toolResult (consecutive results in one message)', () => {
    const body = encode({
      messages: [
        { role: 'user', content: 'weather in Paris and Rome, and 2+2?' },
        {
          role: 'assistant', content: 'checking',
          tool_calls: [
            { id: 't1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 't2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
            { id: 't3', type: 'function', function: { name: 'add', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 't1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 't2', content: 'sunny, 25C' },
        { role: 'tool', tool_call_id: 't3', content: '4' },
        { role: 'user', content: 'thanks' },
      ],
    })
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'weather in Paris and Rome, and 2+2?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'checking' },
          { toolUse: { toolUseId: 't1', name: 'weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 't2', name: 'weather', input: { city: 'Rome' } } },
          { toolUse: { toolUseId: 't3', name: 'add', input: {} } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 't1', content: [{ json: { temp: 21 } }] } },
          { toolResult: { toolUseId: 't2', content: [{ text: 'sunny, 25C' }] } },
          { toolResult: { toolUseId: 't3', content: [{ json: { result: 4 } }] } },
        ],
      },
      { role: 'user', content: [{ text: 'thanks' }] },
    ])
  })

  it("refuses tool-call arguments that are not JSON with Kong's message", () => {
    const e = thrown(() => encode({
      messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: '{nope' } }] }],
    }))
    expect(e).toMatchObject({
      status: 400,
      message: "error transforming to bedrock://llm/v1/chat: failed to decode function response arguments from assistant's message, not JSON format",
    })
  })

  it('maps tools to toolConfig (Kong unit spec: check_stock) and tool_choice to toolChoice', () => {
    const tools: LlmRequest['tools'] = [{
      type: 'function',
      function: {
        name: 'check_stock', description: 'Check a product is in stock.',
        parameters: { type: 'object', properties: { product_name: { type: 'string' } }, required: ['product_name'] },
      },
    }]
    const body = encode({ messages: [{ role: 'user', content: 'Is the NewPhone in stock?' }], tools })
    expect(body.toolConfig).toEqual({
      tools: [{
        toolSpec: {
          name: 'check_stock', description: 'Check a product is in stock.',
          inputSchema: { json: { type: 'object', properties: { product_name: { type: 'string' } }, required: ['product_name'] } },
        },
      }],
    })
    expect(encode({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'required' }).toolConfig.toolChoice).toEqual({ any: {} })
    expect(encode({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'auto' }).toolConfig.toolChoice).toEqual({ auto: {} })
    expect(encode({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: { type: 'function', function: { name: 'check_stock' } } })
      .toolConfig.toolChoice).toEqual({ tool: { name: 'check_stock' } })
    expect(encode({ messages: [{ role: 'user', content: 'x' }] }).toolConfig).toBeUndefined()
  })

  it('passes guardrailConfig through (Kong unit spec)', () => {
    const guardrailConfig = { guardrailIdentifier: 'yu5xwvfp4sud', guardrailVersion: '1', trace: 'enabled' }
    const body = encode({ messages: [{ role: 'system', content: 'You are a mathematician.' }, { role: 'assistant', content: 'What is 1 + 1?' }], guardrailConfig }, ctx('some-model'))
    expect(body.guardrailConfig).toEqual(guardrailConfig)
  })

  it('passes additionalModelRequestFields, forces performanceConfig.latency and merges extra_body', () => {
    const body = encode({
      messages: [{ role: 'user', content: 'x' }],
      bedrock: { additionalModelRequestFields: { top_k: 200 } },
      performanceConfig: { latency: 'standard' },
      extra_body: { additionalModelRequestFields: { reasoning_config: { type: 'enabled' } }, requestMetadata: { team: 'a' } },
    }, ctx('m', { bedrock: { performance_config_latency: 'optimized' } }))
    expect(body.additionalModelRequestFields).toEqual({ top_k: 200, reasoning_config: { type: 'enabled' } })
    expect(body.performanceConfig).toEqual({ latency: 'optimized' })
    expect(body.requestMetadata).toEqual({ team: 'a' })
    expect(encode({ messages: [{ role: 'user', content: 'x' }], performanceConfig: { latency: 'standard' } }).performanceConfig)
      .toEqual({ latency: 'standard' })
  })

  it('maps image parts: base64 data URIs and s3:// locations', () => {
    const body = encode({
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'data:image/jpg;base64,AAAA' } },
          { type: 'image_url', image_url: { url: 's3://bucket/cat.PNG' } },
        ],
      }],
    })
    expect(body.messages[0].content).toEqual([
      { text: 'what is this?' },
      { image: { format: 'jpeg', source: { bytes: 'AAAA' } } },
      { image: { format: 'png', source: { s3Location: { uri: 's3://bucket/cat.PNG' } } } },
    ])
    expect(thrown(() => encode({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] })).status).toBe(400)
    expect(thrown(() => encode({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] })).message)
      .toBe("error transforming to bedrock://llm/v1/chat: cannot transform part of type 'input_audio' to Bedrock format")
  })

  it('asks for structured output through a forced tool', () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } } }
    const body = encode({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'n', schema } } })
    expect(body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'kong_inc_to_structured_output', description: 'Responds with strict structured output.', inputSchema: { json: schema } } }],
      toolChoice: { tool: { name: 'kong_inc_to_structured_output' } },
    })
  })

  it("refuses a system prompt for models that have none (Kong's Titan/Mistral-7B/... rule)", () => {
    for (const name of ['amazon.titan-text-express-v1', 'cohere.command-light-text-v14', 'mistral.mistral-7b-instruct-v0:2', 'mistral.mixtral-8x7b-instruct-v0:1']) {
      const e = thrown(() => encode({ messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }] }, ctx(name)))
      expect(e).toMatchObject({ status: 400, message: `error transforming to bedrock://llm/v1/chat: system prompts are unsupported for model '${name}` })
    }
    expect(encode({ messages: [{ role: 'user', content: 'u' }] }, ctx('amazon.titan-text-express-v1')).system).toBeUndefined()
    expect(encode({ messages: [{ role: 'system', content: 's' }] }, ctx('mistral.mistral-large-2402-v1:0')).system).toEqual([{ text: 's' }])
  })

  it('has a transformer for chat only; preserve forwards the body unchanged', () => {
    const e = thrown(() => bedrockDriver.encodeRequest({ prompt: 'x' }, Buffer.from('{}'), ctx('m', {}, { route: 'llm/v1/completions' as RouteType })))
    expect(e).toMatchObject({ status: 400, message: 'no transformer for bedrock://llm/v1/completions' })
    expect(bedrockDriver.encodeRequest({}, Buffer.from('{}'), ctx('m', {}, { route: 'preserve' }))).toBeNull()
  })
})

const BEDROCK_TOOLS_RESPONSE = {
  metrics: { latencyMs: 3781 },
  output: {
    message: {
      content: [
        { text: 'Certainly! To calculate the sum of 121, 212, and 313, we can use the "sumArea" function that\'s available to us.' },
        { toolUse: { input: { areas: [121, 212, 313] }, name: 'sumArea', toolUseId: 'tooluse_4ZakZPY9SiWoKWrAsY7_eg' } },
      ],
      role: 'assistant',
    },
  },
  stopReason: 'tool_use',
  usage: { inputTokens: 410, outputTokens: 115, totalTokens: 525 },
}

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0'
const REGION = { bedrock: { aws_region: 'us-east-1' } }
const SUM_AREA = { prompt_tokens: 410, completion_tokens: 115, total_tokens: 525 }

describeDriver('bedrock', {
  driver: bedrockDriver,
  ctx: (c) => {
    const { name, ...rest } = c.ctx ?? {}
    return { ...ctx(name === undefined ? MODEL : name ?? undefined, { ...REGION, ...c.options }, rest), ...(c.route && { route: c.route }), stream: c.stream ?? false }
  },
  requests: [
    { name: 'Converse on bedrock-runtime.<region>, uncompressed', request: { messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'hi' }], max_tokens: 5 },
      url: 'https://bedrock-runtime.us-east-1.amazonaws.com:443/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse', headers: [['accept-encoding', 'identity']],
      body: { system: [{ text: 'S' }], messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 5 } }, partial: true },
    { name: 'a stream goes through converse-stream', stream: true, options: { bedrock: { aws_region: 'us-west-2' } }, ctx: { name: 'amazon.nova-lite-v1:0' }, request: { messages: [{ role: 'user', content: 'hi' }] },
      url: 'https://bedrock-runtime.us-west-2.amazonaws.com:443/model/amazon.nova-lite-v1%3A0/converse-stream', body: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] }, partial: true },
    { name: 'preserve: the client path and body unchanged', route: 'preserve', ctx: { clientPath: '/model/x/invoke' }, request: {},
      url: 'https://bedrock-runtime.us-east-1.amazonaws.com:443/model/x/invoke', body: null },
  ],
  responses: [
    { name: 'text, toolUse, stopReason and usage (Kong unit spec: sumArea)', answer: BEDROCK_TOOLS_RESPONSE,
      openai: {
        choices: [{
          index: 0, finish_reason: 'tool_calls',
          message: {
            role: 'assistant', content: BEDROCK_TOOLS_RESPONSE.output.message.content[0].text,
            tool_calls: [{ id: 'tooluse_4ZakZPY9SiWoKWrAsY7_eg', type: 'function', function: { name: 'sumArea', arguments: '{"areas":[121,212,313]}' } }],
          },
        }],
        object: 'chat.completion', model: MODEL, usage: SUM_AREA,
      },
      usage: SUM_AREA, model: null },
    { name: 'preserve: the answer unchanged, with its usage', route: 'preserve', answer: BEDROCK_TOOLS_RESPONSE, openai: null, usage: SUM_AREA, model: null },
  ],
  errors: [
    { name: "no content: Kong's 500", answer: { output: { message: { content: [] } }, stopReason: 'max_tokens' }, status: 500,
      message: 'transformation failed from type bedrock://llm/v1/chat: no generation candidates received from Bedrock, or max_tokens too short' },
    { name: 'an answer that is not JSON: 500', answer: '<html>', status: 500, message: 'transformation failed from type bedrock://llm/v1/chat: failed to decode response from Bedrock' },
    { name: "tool-call arguments that are not JSON: Kong's 400", request: { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{bad' } }] }] },
      status: 400, message: /^error transforming to bedrock:\/\/llm\/v1\/chat/ },
  ],
  streams: [{ name: 'bedrock', context: { options: {}, ctx: { clientPath: '/', clientQuery: '' } }, recordings: [
    { name: 'text and tool', input: rec.bedrockText, usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } },
    { name: 'exception midway', input: rec.bedrockError, error: true },
  ] }],
})

describe('bedrock driver: response conversion', () => {
  const decode = (body: unknown, c = ctx('anthropic.claude-3-haiku-20240307-v1:0')) =>
    bedrockDriver.decodeResponse(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), c)

  it('maps stop reasons as Kong does', () => {
    const answer = (stopReason: string) => ({ output: { message: { content: [{ text: 'x' }] } }, stopReason })
    const finish = (s: string) => JSON.parse(decode(answer(s)).body!).choices[0].finish_reason
    expect(['end_turn', 'max_tokens', 'tool_use', 'guardrail_intervened', 'stop_sequence', 'content_filtered'].map(finish))
      .toEqual(['stop', 'length', 'tool_calls', 'guardrail_intervened', 'stop', 'stop'])
  })

  it('passes trace through and turns the structured-output tool call into content', () => {
    const out = JSON.parse(decode({
      output: { message: { content: [{ toolUse: { toolUseId: 'a', name: 'kong_inc_to_structured_output', input: { n: 2 } } }] } },
      stopReason: 'tool_use',
      trace: { guardrail: { x: 1 } },
    }).body!)
    expect(out.choices[0]).toEqual({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '{"n":2}' } })
    expect(out.trace).toEqual({ guardrail: { x: 1 } })
  })

})

describe('bedrock driver: stream transcoding', () => {
  // the same bytes the stream-conversion suite runs (recordings.ts)
  const textStream = rec.bedrockText

  it('converts each event to an OpenAI chunk; tool calls are numbered from 0; metadata ends with [DONE]', () => {
    const out = transcode([textStream])
    expect(frames(out.sse)).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hé' }),
      chunk({ content: 'llo 🌍' }),
      chunk({ tool_calls: [{ index: 0, id: 'tu1', type: 'function', function: { name: 'add', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({}, 'tool_calls'),
      '[DONE]',
    ])
    expect(out.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 })
    expect(out.text).toBe('Héllo 🌍')
    expect(out.finishReason).toBe('tool_calls')
    expect(out.sse.endsWith('data: [DONE]\n\n')).toBe(true)
  })

  it('one id and created per stream, on every chunk', () => {
    const sse = transcode([textStream]).sse
    const ids = new Set(sse.split('\n\n').filter((f) => f.startsWith('data: {')).map((f) => JSON.parse(f.slice(6)).id))
    expect(ids.size).toBe(1)
    expect([...ids][0]).toMatch(/^chatcmpl-/)
  })

  it('ends with [DONE] when the upstream stops without metadata', () => {
    const partial = Buffer.concat([encodeAwsEvent('messageStart', { role: 'assistant' }), encodeAwsEvent('messageStop', { stopReason: 'max_tokens' })])
    const out = transcode([partial])
    expect(frames(out.sse)).toEqual([chunk({ role: 'assistant', content: '' }), chunk({}, 'length'), '[DONE]'])
    expect(out.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })
  })

  it('turns a mid-stream exception into an OpenAI error event', () => {
    const out = transcode([encodeAwsEvent('messageStart', { role: 'assistant' }), encodeAwsException('throttlingException', 'Too many requests')])
    expect(frames(out.sse).slice(1)).toEqual([{ error: { message: 'Too many requests', type: 'throttlingException' } }, '[DONE]'])
  })

  it('ends cleanly on a corrupt frame and ignores what follows', () => {
    const bad = encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } })
    bad[bad.length - 1] ^= 0xff
    const t = sseOf(bedrockDriver.stream(ctx('m', {}, { stream: true })))
    const first = t.push(Buffer.concat([encodeAwsEvent('messageStart', { role: 'assistant' }), bad])).toString()
    expect(frames(first)).toEqual([
      { ...chunk({ role: 'assistant', content: '' }), model: 'm' },
      { error: { message: expect.stringMatching(/^invalid event stream from Bedrock: .*checksum/) } },
      '[DONE]',
    ])
    expect(t.push(encodeAwsEvent('messageStart', { role: 'assistant' })).length).toBe(0)
    expect(t.end().length).toBe(0)
  })

  it('streams structured output as content', () => {
    const out = transcode([Buffer.concat([
      encodeAwsEvent('messageStart', { role: 'assistant' }),
      encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Let me answer.' } }),
      encodeAwsEvent('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'x', name: 'kong_inc_to_structured_output' } } }),
      encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"n":2}' } } }),
      encodeAwsEvent('messageStop', { stopReason: 'tool_use' }),
    ])])
    expect(frames(out.sse)).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Let me answer.' }),
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: '{"n":2}' }),
      chunk({}, 'stop'),
      '[DONE]',
    ])
  })
})

