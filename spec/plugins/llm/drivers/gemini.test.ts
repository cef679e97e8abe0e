// Gemini driver: targets (AI Studio, Vertex publishers, Model Garden), request and response
// conversion, errors with Kong's messages, the stream transcoder, and Kong's fixtures.
import { describe, expect, it } from 'vitest'
import { geminiDriver } from '../../../../plugins/llm/drivers/gemini.ts'
import type { DriverContext, ModelOptions } from '../../../../plugins/llm/types.ts'
import { sseOf } from '../helpers/sse-of.ts'
import { ctx, decode, encode } from '../helpers/gemini-calls.ts'
import { describeDriver, type ContextOptions } from './driver.case.ts'
import * as rec from '../transcoders/recordings.ts'


const VERTEX: ModelOptions = { gemini: { api_endpoint: 'us-central1-aiplatform.googleapis.com', project_id: 'proj', location_id: 'us-central1' } }

/** SSE bytes → parsed `data:` payloads */
function frames(sse: Buffer | string): unknown[] {
  return sse.toString().split('\n\n').filter(Boolean).map((f) => {
    expect(f.startsWith('data: ')).toBe(true)
    const d = f.slice(6)
    return d === '[DONE]' ? d : JSON.parse(d)
  })
}

const usage = (prompt: number, completion: number, total = prompt + completion) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: total })
const adapter = (options: ModelOptions) => (c: ContextOptions): DriverContext => {
  const { name, ...rest } = c.ctx ?? {}
  return ctx(c.route ?? 'llm/v1/chat', { ...options, ...c.options }, name === undefined ? 'gemini-1.5-pro' : name ?? undefined, c.stream ?? false, rest)
}
const HELLO = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }

describeDriver('gemini (AI Studio)', {
  driver: geminiDriver,
  ctx: adapter({}),
  requests: [
    { name: 'chat: generateContent', request: { messages: [{ role: 'user', content: 'hi' }] },
      url: 'https://generativelanguage.googleapis.com:443/v1beta/models/gemini-1.5-pro:generateContent', body: HELLO, partial: true },
    { name: 'a stream: streamGenerateContent without alt=sse', stream: true, ctx: { name: 'gemini-2.5-flash' }, request: { messages: [{ role: 'user', content: 'hi' }] },
      url: 'https://generativelanguage.googleapis.com:443/v1beta/models/gemini-2.5-flash:streamGenerateContent', body: HELLO, partial: true },
    { name: 'embeddings: batchEmbedContents', route: 'llm/v1/embeddings', ctx: { name: 'text-embedding-004' }, request: { input: ['a'] },
      url: 'https://generativelanguage.googleapis.com:443/v1beta/models/text-embedding-004:batchEmbedContents', body: { requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }] }, partial: true },
  ],
  responses: [
    { name: 'candidates → choices, functionCall → tool_calls, usage incl. thoughts',
      answer: {
        candidates: [{
          content: { role: 'model', parts: [{ text: 'thinking...', thought: true }, { text: 'Let me ' }, { text: 'add.' }, { functionCall: { name: 'add', args: { a: 2, b: 12 } } }] },
          finishReason: 'STOP',
        }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 20, totalTokenCount: 35 },
        modelVersion: 'gemini-2.5-flash-001',
        responseId: 'resp-1',
      },
      openai: {
        id: 'resp-1', object: 'chat.completion', model: 'gemini-2.5-flash-001',
        choices: [{
          index: 0, finish_reason: 'tool_calls',
          message: { role: 'assistant', content: 'Let me add.', reasoning_content: 'thinking...', tool_calls: [{ type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } }] },
        }],
        usage: { prompt_tokens: 10, completion_tokens: 25, total_tokens: 35, completion_tokens_details: { reasoning_tokens: 20 } },
      },
      partial: true, usage: usage(10, 25), model: 'gemini-2.5-flash-001' },
  ],
  errors: [
    { name: "no candidates: 500 with Kong's message", answer: { usageMetadata: {} }, status: 500,
      message: 'transformation failed from type gemini://llm/v1/chat: no generation candidates received from Gemini, or max_tokens too short' },
    { name: 'an answer that is not JSON: 500', answer: 'not json', status: 500, message: 'transformation failed from type gemini://llm/v1/chat: failed to decode response from Gemini' },
    { name: 'a blocked prompt with its message: 400', answer: { promptFeedback: { blockReason: 'SAFETY', blockReasonMessage: 'The prompt was blocked.' } }, status: 400, message: 'The prompt was blocked.' },
    { name: 'a blocked prompt without one: 400', answer: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }, status: 400, message: 'prompt blocked by Gemini: PROHIBITED_CONTENT' },
  ],
  streams: [
    { name: 'gemini', context: { ctx: { name: 'gemini-2.0-flash', clientPath: '/' } }, recordings: [
      { name: 'json array', input: rec.geminiArray, usage: usage(5, 11, 16) },
      { name: 'text', input: rec.geminiText, usage: usage(5, 3, 8) },
      { name: 'sse', input: rec.geminiSse, usage: usage(5, 3, 8) },
      { name: 'error midway', input: rec.geminiError, error: true },
    ] },
    { name: 'gemini completions', context: { route: 'llm/v1/completions', ctx: { name: 'gemini-2.0-flash', clientPath: '/' } }, recordings: [
      { name: 'text', input: rec.geminiText, usage: usage(5, 3, 8) },
    ] },
  ],
})

const VERTEX_BASE = 'https://us-central1-aiplatform.googleapis.com:443/v1/projects/proj/locations/us-central1'

describeDriver('gemini (Vertex)', {
  driver: geminiDriver,
  ctx: adapter(VERTEX),
  requests: [
    { name: 'gemini-*: the google publisher, generateContent', ctx: { name: 'gemini-2.0-flash' }, request: { messages: [{ role: 'user', content: 'hi' }] },
      url: `${VERTEX_BASE}/publishers/google/models/gemini-2.0-flash:generateContent`, body: HELLO, partial: true },
    { name: 'claude-*: the anthropic publisher, rawPredict, the Anthropic body without model', ctx: { name: 'claude-3-5-sonnet@20240620' }, options: { max_tokens: 8 },
      request: { messages: [{ role: 'user', content: 'hi' }] },
      url: `${VERTEX_BASE}/publishers/anthropic/models/claude-3-5-sonnet%4020240620:rawPredict`, body: { anthropic_version: 'vertex-2023-10-16', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }, partial: true },
    { name: 'embeddings: predict', route: 'llm/v1/embeddings', ctx: { name: 'text-embedding-005' }, request: { input: 'a' },
      url: `${VERTEX_BASE}/publishers/google/models/text-embedding-005:predict`, body: { instances: [{ content: 'a' }] }, partial: true },
  ],
  responses: [
    { name: 'claude-*: the Anthropic answer converted by the Anthropic driver', ctx: { name: 'claude-3-5-haiku' },
      answer: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-3-5-haiku', content: [{ type: 'text', text: 'hello' }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 2 } },
      openai: { choices: [{ message: { content: 'hello' } }] }, partial: true, usage: usage(3, 2) },
    { name: 'embeddings: predictions, token_count as usage', route: 'llm/v1/embeddings', ctx: { name: 'text-embedding-005' },
      answer: { predictions: [{ embeddings: { values: [1], statistics: { token_count: 3 } } }] },
      openai: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [1] }] }, partial: true, usage: usage(3, 0) },
  ],
  errors: [
    { name: "no candidates: 500 with Kong's message", ctx: { name: 'gemini-2.0-flash' }, answer: { usageMetadata: {} }, status: 500,
      message: 'transformation failed from type gemini://llm/v1/chat: no generation candidates received from Gemini, or max_tokens too short' },
  ],
})

describe('gemini driver: targets', () => {

  it('Vertex: publisher and operation by model prefix', () => {
    const path = (model: string, stream = false) => geminiDriver.target(ctx('llm/v1/chat', VERTEX, model, stream))
    expect(path('gemini-2.0-flash')).toEqual({
      scheme: 'https', host: 'us-central1-aiplatform.googleapis.com', port: 443,
      path: '/v1/projects/proj/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent', query: null,
    })
    expect(path('gemini-2.0-flash', true).path).toBe('/v1/projects/proj/locations/us-central1/publishers/google/models/gemini-2.0-flash:streamGenerateContent')
    expect(path('claude-3-5-sonnet@20240620').path).toBe('/v1/projects/proj/locations/us-central1/publishers/anthropic/models/claude-3-5-sonnet%4020240620:rawPredict')
    expect(path('claude-sonnet-4', true).path).toBe('/v1/projects/proj/locations/us-central1/publishers/anthropic/models/claude-sonnet-4:streamRawPredict')
    expect(path('mistral-large').path).toBe('/v1/projects/proj/locations/us-central1/publishers/mistral/models/mistral-large:rawPredict')
    expect(path('jamba-1.5-large', true).path).toBe('/v1/projects/proj/locations/us-central1/publishers/ai21/models/jamba-1.5-large:streamRawPredict')
    expect(geminiDriver.target(ctx('llm/v1/embeddings', VERTEX, 'text-embedding-005')).path)
      .toBe('/v1/projects/proj/locations/us-central1/publishers/google/models/text-embedding-005:predict')
  })

  it('Vertex Model Garden endpoint: OpenAI-compatible chat/completions', () => {
    const opts = { gemini: { ...VERTEX.gemini, endpoint_id: '1234567' } }
    expect(geminiDriver.target(ctx('llm/v1/chat', opts, 'my-llama')).path).toBe('/v1/projects/proj/locations/us-central1/endpoints/1234567/chat/completions')
    const body = encode({ model: 'my-llama', messages: [{ role: 'user', content: 'hi' }], stream: true }, ctx('llm/v1/chat', opts, 'my-llama', true))
    expect(body).toEqual({ messages: [{ role: 'user', content: 'hi' }], stream: true })
    const answer = { id: 'x', object: 'chat.completion', model: 'my-llama', choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }
    expect(decode(answer, ctx('llm/v1/chat', opts, 'my-llama'))).toMatchObject({ body: null, usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }, model: 'my-llama' })
  })

  it('a native gemini client keeps its operation; preserve keeps the client path', () => {
    const native = ctx('llm/v1/chat', {}, 'gemini-2.0-flash', false, { llmFormat: 'gemini', clientPath: '/gemini/v1beta/models/gemini-2.0-flash:countTokens' })
    expect(geminiDriver.target(native).path).toBe('/v1beta/models/gemini-2.0-flash:countTokens')
    const preserve = ctx('preserve', {}, undefined, false, { clientPath: '/v1beta/models/x:generateContent' })
    expect(geminiDriver.target(preserve).path).toBe('/v1beta/models/x:generateContent')
    expect(geminiDriver.encodeRequest({}, Buffer.from('{}'), preserve)).toBeNull()
  })
})

describe('gemini driver: request conversion', () => {
  it('system → systemInstruction, roles, tuning into generationConfig (request wins over options)', () => {
    const body = encode({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'bonjour' },
        { role: 'user', content: 'again' },
      ],
      temperature: 0.2, top_p: 0.9, stop: 'END', max_completion_tokens: 99, n: 2, seed: 7,
    }, ctx('llm/v1/chat', { temperature: 1, top_k: 3, max_tokens: 1000 }))
    expect(body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'model', parts: [{ text: 'bonjour' }] },
        { role: 'user', parts: [{ text: 'again' }] },
      ],
      systemInstruction: { parts: [{ text: 'You are terse.' }, { text: 'Answer in French.' }] },
      generationConfig: { temperature: 0.2, topK: 3, topP: 0.9, maxOutputTokens: 99, stopSequences: ['END'], candidateCount: 2, seed: 7 },
    })
  })

  it('image parts: data URIs → inlineData, URLs → fileData', () => {
    const body = encode({
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,Y2F0X3BuZ19oZXJlX2xvbAo=' } },
          { type: 'image_url', image_url: { url: 'https://example.local/image.jpg' } },
          { type: 'image_url', image_url: { url: 'gs://bucket/cat.png' } },
        ],
      }],
    })
    expect(body.contents[0].parts).toEqual([
      { text: 'What is in this picture?' },
      { inlineData: { mimeType: 'image/png', data: 'Y2F0X3BuZ19oZXJlX2xvbAo=' } },
      { fileData: { fileUri: 'https://example.local/image.jpg', mimeType: 'image/generic' } },
      { fileData: { fileUri: 'gs://bucket/cat.png', mimeType: 'image/generic' } },
    ])
  })

  it.each([
    [{ type: 'text', bad_text_field: 'x' }, "message part type is 'text' but is missing .text block"],
    [{ type: 'image_url', image_url: 'https://example.local/image.jpg' }, "message part type is 'image_url' but is missing .image_url.url block"],
    [{ type: 'doesnt_exist', doesnt_exist: 'https://example.local/video.mp4' }, "cannot transform part of type 'doesnt_exist' to Gemini format"],
  ])('bad part %j → 400 with Kong\'s message', (part, message) => {
    let err: unknown
    try { encode({ messages: [{ role: 'user', content: [part as never] }] }) } catch (e) { err = e }
    expect(err).toMatchObject({ code: 'GW_ERR_LLM_REQUEST', status: 400, message: `error transforming to gemini://llm/v1/chat: ${message}` })
  })

  it('refuses system prompts on gemini-1.0 models', () => {
    expect(() => encode({ messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }] }, ctx('llm/v1/chat', {}, 'gemini-1.0-pro')))
      .toThrow("error transforming to gemini://llm/v1/chat: system prompts aren't supported on gemini-1.0 models")
  })

  it('tools, tool_calls → functionCall, tool results → functionResponse named from the calling message', () => {
    const body = encode({
      messages: [
        { role: 'user', content: 'Add 2 and 12, and check the weather' },
        {
          role: 'assistant', content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{}' }, extra_content: { google: { thought_signature: 'sig==' } } } as never,
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"sum":14}' },
        { role: 'tool', tool_call_id: 'call_2', content: 'sunny' },
        { role: 'user', content: 'thanks' },
      ],
      tools: [
        { type: 'function', function: { name: 'add', description: 'adds', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } } },
        { type: 'function', function: { name: 'weather' } },
      ],
      tool_choice: { type: 'function', function: { name: 'add' } },
    })
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Add 2 and 12, and check the weather' }] },
      { role: 'model', parts: [{ functionCall: { name: 'add', args: { a: 2, b: 12 } } }, { functionCall: { name: 'weather', args: {} }, thoughtSignature: 'sig==' }] },
      { role: 'user', parts: [
        { functionResponse: { name: 'add', response: { sum: 14 } } },
        { functionResponse: { name: 'weather', response: { result: 'sunny' } } },
      ] },
      { role: 'user', parts: [{ text: 'thanks' }] },
    ])
    expect(body.tools).toEqual([{ function_declarations: [
      { name: 'add', description: 'adds', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } },
      { name: 'weather' },
    ] }])
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['add'] } })
  })

  it('bad tool call arguments → 400', () => {
    expect(() => encode({ messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{nope' } }] }] }))
      .toThrow("error transforming to gemini://llm/v1/chat: failed to decode function response arguments from assistant's message, not JSON format")
  })

  it('response_format json_schema → response_mime_type + response_json_schema; extra_body merged', () => {
    const schema = { type: 'object', properties: { x: { type: 'number' } } }
    const body = encode({
      messages: [{ role: 'user', content: 'q' }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
      max_tokens: 10,
      extra_body: {
        generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
        imageConfig: { aspectRatio: '16:9' },
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      },
    })
    expect(body.generationConfig).toEqual({
      maxOutputTokens: 10, response_mime_type: 'application/json', response_json_schema: schema,
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true }, imageConfig: { aspectRatio: '16:9' },
    })
    expect(body.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }])
    expect(body.extra_body).toBeUndefined()
  })

  it('embeddings: batchEmbedContents on AI Studio, predict on Vertex', () => {
    expect(encode({ input: ['a', 'b'], model: 'text-embedding-004', dimensions: 8 }, ctx('llm/v1/embeddings', {}, 'text-embedding-004'))).toEqual({
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] }, outputDimensionality: 8 },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] }, outputDimensionality: 8 },
      ],
    })
    expect(encode({ input: 'a' }, ctx('llm/v1/embeddings', { ...VERTEX, embeddings_dimensions: 4 }, 'text-embedding-005')))
      .toEqual({ instances: [{ content: 'a' }], parameters: { outputDimensionality: 4 } })
  })

  it('Vertex claude-*: the Anthropic Messages body, version in the body, no model', () => {
    const body = encode({ messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }], max_tokens: 50 }, ctx('llm/v1/chat', VERTEX, 'claude-3-5-haiku'))
    expect(body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', system: 's', messages: [{ role: 'user' }], max_tokens: 50 })
    expect(body.model).toBeUndefined()
    expect(body.contents).toBeUndefined()
  })

  it('Vertex mistral-*: the OpenAI body as it is', () => {
    expect(encode({ model: 'mistral-large', messages: [{ role: 'user', content: 'u' }] }, ctx('llm/v1/chat', VERTEX, 'mistral-large'))).toBeNull()
  })
})

describe('gemini driver: response conversion', () => {

  it('finish reasons: MAX_TOKENS → length, SAFETY (no content) → content_filter', () => {
    expect(decode({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: 'MAX_TOKENS' }] }).json.choices[0].finish_reason).toBe('length')
    const safety = decode({ candidates: [{ finishReason: 'SAFETY', index: 0 }], usageMetadata: { promptTokenCount: 319, totalTokenCount: 319 } })
    expect(safety.json.choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { role: 'assistant', content: null } })
    expect(safety.usage).toEqual({ prompt_tokens: 319, completion_tokens: 0, total_tokens: 319 })
  })

  it('completions route → text_completion', () => {
    expect(encode({ prompt: 'Say hi' }, ctx('llm/v1/completions')).contents).toEqual([{ role: 'user', parts: [{ text: 'Say hi' }] }])
    const d = decode({ candidates: [{ content: { parts: [{ text: 'hi' }] }, finishReason: 'STOP' }] }, ctx('llm/v1/completions'))
    expect(d.json).toMatchObject({ object: 'text_completion', choices: [{ index: 0, text: 'hi', finish_reason: 'stop' }] })
  })

  it('embeddings answers → OpenAI list (floats, or base64 when the client asked)', () => {
    const c = ctx('llm/v1/embeddings', {}, 'text-embedding-004')
    encode({ input: ['a'] }, c)
    expect(decode({ embeddings: [{ values: [0.5, -1] }] }, c).json).toEqual({
      object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5, -1] }], model: 'text-embedding-004', usage: { prompt_tokens: 0, total_tokens: 0 },
    })
    const b = ctx('llm/v1/embeddings', {}, 'text-embedding-004')
    encode({ input: ['a'], encoding_format: 'base64' }, b)
    const emb = decode({ embeddings: [{ values: [0.5, -1] }] }, b).json.data[0].embedding
    const buf = Buffer.from(emb, 'base64')
    expect(Array.from(new Float32Array(buf.buffer, buf.byteOffset, 2))).toEqual([0.5, -1])
    const v = decode({ predictions: [{ embeddings: { values: [1], statistics: { token_count: 3 } } }] }, ctx('llm/v1/embeddings', VERTEX, 'text-embedding-005'))
    expect(v.usage).toEqual({ prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 })
  })

})

describe('gemini driver: stream transcoder', () => {
  const elements = [
    { candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 }, responseId: 'r1' },
    { candidates: [{ content: { role: 'model', parts: [{ text: 'lo wörld 🎉' }] } }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 } },
    { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'add', args: { a: 2, b: 12 } } }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 9, thoughtsTokenCount: 2, totalTokenCount: 16 } },
  ]
  const body = Buffer.from(`[${elements.map((e) => JSON.stringify(e, null, 1)).join(',\r\n')}]`)

  function run(chunks: Buffer[], c = ctx('llm/v1/chat', {}, 'gemini-2.0-flash', true)) {
    const t = sseOf(geminiDriver.stream(c))
    const out: Buffer[] = []
    for (const ch of chunks) out.push(t.push(ch))
    const beforeEnd = Buffer.concat(out).toString()
    out.push(t.end())
    return { t, beforeEnd, text: Buffer.concat(out).toString() }
  }

  it('each array element → one OpenAI chunk; usage set (running totals); [DONE] at the closing ]', () => {
    const { t, beforeEnd, text } = run([body])
    expect(beforeEnd.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(text).toBe(beforeEnd) // nothing more at the end
    const f = frames(text) as Record<string, any>[]
    expect(f).toHaveLength(4)
    expect(f[3]).toBe('[DONE]')
    expect(f[0]).toMatchObject({ id: 'r1', object: 'chat.completion.chunk', model: 'gemini-2.0-flash', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })
    expect(f[1].choices[0].delta.content).toBe('lo wörld 🎉')
    expect(f[2].id).toBe('r1')
    expect(f[2].choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      delta: { tool_calls: [{ index: 0, type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } }] },
    })
    expect(f[2].choices[0].delta.tool_calls[0].id).toMatch(/^call_/)
    expect(t.usage).toEqual({ prompt_tokens: 5, completion_tokens: 11, total_tokens: 16 })
    expect(t.text).toBe('Hello wörld 🎉')
    expect(t.finishReason).toBe('tool_calls')
  })

  it('a stream that ends without its closing bracket still ends with [DONE]', () => {
    const { beforeEnd, text } = run([body.subarray(0, body.length - 1)])
    expect(beforeEnd.includes('[DONE]')).toBe(false)
    expect(frames(text).at(-1)).toBe('[DONE]')
  })

  it('alt=sse upstream (a native client asked for it) is read as SSE', () => {
    const sse = Buffer.from(elements.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''))
    const { t, text } = run([sse.subarray(0, 50), sse.subarray(50)])
    expect(frames(text)).toHaveLength(4)
    expect(t.text).toBe('Hello wörld 🎉')
  })

  it('completions route streams text_completion chunks', () => {
    const { text } = run([Buffer.from('[{"candidates":[{"content":{"parts":[{"text":"hi"}]},"finishReason":"MAX_TOKENS"}]}]')], ctx('llm/v1/completions', {}, 'g', true))
    expect(frames(text)[0]).toMatchObject({ object: 'text_completion', choices: [{ index: 0, text: 'hi', finish_reason: 'length' }] })
  })

  it('Model Garden and partner models stream through their own transcoders', () => {
    const garden = sseOf(geminiDriver.stream(ctx('llm/v1/chat', { gemini: { ...VERTEX.gemini, endpoint_id: '1' } }, 'x', true)))
    const sse = Buffer.from('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n')
    expect(garden.push(sse)).toEqual(sse)
    const claude = sseOf(geminiDriver.stream(ctx('llm/v1/chat', VERTEX, 'claude-3-5-haiku', true)))
    const out = claude.push(Buffer.from('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"yo"}}\n\n'))
    expect(out.toString()).toContain('"yo"')
  })
})

