import { existsSync, readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime'
import { describe, expect, it } from 'vitest'
import { bedrockFormat } from '../../../../plugins/llm/formats/bedrock.ts'
import { modelAndStream } from '../../../../plugins/llm/formats/bedrock/parse-request.ts'


describe('bedrock client format: request', () => {
  it('takes the model (URL-unescaped) and the stream flag from the path', () => {
    expect(modelAndStream('/bedrock/model/cohere.command-r-v1%3A0/converse')).toEqual({ model: 'cohere.command-r-v1:0', stream: false })
    expect(modelAndStream('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream'))
      .toEqual({ model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', stream: true })
    expect(modelAndStream('/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x/converse').model)
      .toBe('arn:aws:bedrock:us-east-1:1:inference-profile/us.x')
    expect(modelAndStream('/model/bad%ZZ/converse').model).toBe('bad%ZZ')
    expect(modelAndStream('/v1/chat/completions')).toEqual({ model: null, stream: false })
  })

  it('is native for provider bedrock only', () => {
    expect(bedrockFormat.id).toBe('bedrock')
    expect(bedrockFormat.nativeFor('bedrock')).toBe(true)
    expect(bedrockFormat.nativeFor('openai')).toBe(false)
  })

  it('converts messages, system, images, tool uses and results, inferenceConfig and tools to the OpenAI shape', () => {
    const { request, model, stream } = bedrockFormat.parseRequest({
      system: [{ text: 'be brief' }, { text: 'be kind' }],
      messages: [
        { role: 'user', content: [{ text: 'look' }, { image: { format: 'png', source: { bytes: 'AAAA' } } }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 'a', name: 'f', input: { x: 1 } } }, { toolUse: { toolUseId: 'b', name: 'g' } }] },
        { role: 'user', content: [
          { toolResult: { toolUseId: 'a', content: [{ json: { ok: true } }] } },
          { toolResult: { toolUseId: 'b', content: [{ text: 'done' }] } },
        ] },
      ],
      inferenceConfig: { maxTokens: 100, temperature: 0.3, topP: 0.9, stopSequences: ['X'] },
      toolConfig: { tools: [{ toolSpec: { name: 'f', description: 'eff', inputSchema: { json: { type: 'object' } } } }, { toolSpec: { name: 'g' } }] },
    }, '/model/m/converse-stream')
    expect(model).toBe('m')
    expect(stream).toBe(true)
    expect(request).toEqual({
      model: 'm',
      stream: true,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'be brief' }, { type: 'text', text: 'be kind' }] },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', tool_calls: [
          { id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
          { id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
        ] },
        { role: 'tool', tool_call_id: 'a', content: '{"ok":true}' },
        { role: 'tool', tool_call_id: 'b', content: 'done' },
      ],
      max_tokens: 100, temperature: 0.3, top_p: 0.9, stop: ['X'],
      tools: [
        { type: 'function', function: { name: 'f', description: 'eff', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'g' } },
      ],
    })
  })

  it('leaves messages out when the body has none (the pipeline answers its 400)', () => {
    expect(bedrockFormat.parseRequest({}, '/model/m/converse').request).toEqual({ model: 'm', stream: false })
    expect(bedrockFormat.parseRequest(null, '/model/m/converse').request.messages).toBeUndefined()
  })

  it('reads usage from a native answer; Bedrock names no model', () => {
    expect(bedrockFormat.usageOf!({ usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } }))
      .toEqual({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }, model: null })
    expect(bedrockFormat.usageOf!({})).toEqual({ usage: null, model: null })
  })
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

describe('bedrock client format: answers read by the AWS SDK', () => {
  it('encodes an OpenAI answer as a Converse answer', async () => {
    const body = bedrockFormat.encodeResponse(OPENAI_ANSWER)
    const out = await sdkAnswering('application/json', Buffer.from(body)).send(new ConverseCommand({ modelId: 'm', messages: [] }))
    expect(out.output?.message).toEqual({
      role: 'assistant',
      content: [{ text: 'Let me add.' }, { toolUse: { toolUseId: 'call_1', name: 'add', input: { a: 2, b: 12 } } }],
    })
    expect(out.stopReason).toBe('tool_use')
    expect(out.usage).toEqual({ inputTokens: 11, outputTokens: 7, totalTokens: 18 })
  })

  it('encodes OpenAI chunks as ConverseStream events', async () => {
    const enc = bedrockFormat.streamEncoder()
    const chunk = (delta: unknown, finish: string | null = null) => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })
    const bytes = Buffer.concat([
      enc.push(chunk({ role: 'assistant', content: '' })),
      enc.push(chunk({ content: 'Hel' })),
      enc.push(chunk({ content: 'lo' })),
      enc.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'add', arguments: '' } }] })),
      enc.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":2,' } }] })),
      enc.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"b":12}' } }] })),
      enc.push(chunk({}, 'tool_calls')),
      enc.push({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 } }),
      enc.end(),
    ])
    const out = await sdkAnswering('application/vnd.amazon.eventstream', bytes).send(new ConverseStreamCommand({ modelId: 'm', messages: [] }))
    const events: unknown[] = []
    for await (const e of out.stream!) events.push(e)
    expect(events).toEqual([
      { messageStart: { role: 'assistant' } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Hel' } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'lo' } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'call_1', name: 'add' } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"a":2,' } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '"b":12}' } } } },
      { contentBlockStop: { contentBlockIndex: 1 } },
      { messageStop: { stopReason: 'tool_use' } },
      { metadata: { usage: { inputTokens: 5, outputTokens: 6, totalTokens: 11 }, metrics: { latencyMs: 0 } } },
    ])
  })

  it('closes a stream that ended without a finish reason', () => {
    const enc = bedrockFormat.streamEncoder()
    expect(enc.push({ choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] }).length).toBeGreaterThan(0)
    const tail = enc.end()
    // contentBlockStop, messageStop (end_turn) and metadata
    expect(tail.toString('latin1')).toMatch(/contentBlockStop[\s\S]*messageStop[\s\S]*end_turn[\s\S]*metadata/)
  })
})
