// llm_format gemini: native generateContent requests → the OpenAI shape (Kong's native fixtures),
// usage from native answers, and OpenAI answers encoded back for a gemini client.
import { describe, expect, it } from 'vitest'
import { geminiFormat } from '../../../../plugins/llm/formats/gemini.ts'

describe('gemini format: requests', () => {
  it('model and stream from the path', () => {
    expect(geminiFormat.parseRequest({}, '/gemini/v1beta/models/gemini-2.0-flash:generateContent')).toMatchObject({ model: 'gemini-2.0-flash', stream: false })
    expect(geminiFormat.parseRequest({}, '/v1/projects/p/locations/l/publishers/google/models/gemini-1.5-pro:streamGenerateContent')).toMatchObject({ model: 'gemini-1.5-pro', stream: true })
    expect(geminiFormat.parseRequest({}, '/x/models/tuned%2Fmodel:generateContent').model).toBe('tuned/model')
    expect(geminiFormat.parseRequest({}, '/chat')).toMatchObject({ model: null, stream: false })
  })

  it('camelCase SDK bodies: parts, inline data, calls and responses linked by id, generationConfig, tools, toolConfig', () => {
    const { request } = geminiFormat.parseRequest({
      systemInstruction: { role: 'user', parts: [{ text: 'be brief' }] },
      contents: [
        { role: 'user', parts: [{ text: 'look' }, { inlineData: { mimeType: 'image/png', data: 'AAA=' } }, { fileData: { fileUri: 'gs://b/c.png', mimeType: 'image/png' } }] },
        { role: 'model', parts: [{ text: 'hmm', thought: true }, { functionCall: { name: 'f', args: { x: 1 } }, thoughtSignature: 'sig' }] },
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: { output: 'ok' } } }] },
      ],
      generationConfig: { temperature: 0.1, maxOutputTokens: 5, topP: 0.5, topK: 2, stopSequences: ['x'], responseMimeType: 'application/json', responseSchema: { type: 'OBJECT' } },
      tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'object' } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } },
    }, '/v1beta/models/gemini-2.0-flash:generateContent')
    expect(request).toEqual({
      model: 'gemini-2.0-flash', stream: false,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'be brief' }] },
        { role: 'user', content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA=' } },
          { type: 'image_url', image_url: { url: 'gs://b/c.png' } },
        ] },
        { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"x":1}' }, extra_content: { google: { thought_signature: 'sig' } } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"output":"ok"}' },
      ],
      temperature: 0.1, max_tokens: 5, top_p: 0.5, top_k: 2, stop: ['x'],
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'OBJECT' } } },
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
    })
  })
})


describe('gemini format: answers', () => {
  it('usage and model from a native answer, a buffered array or SSE events (last counts win)', () => {
    const a = { candidates: [], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 11, totalTokenCount: 13 }, modelVersion: 'gemini-1.5-flash-002' }
    expect(geminiFormat.usageOf!(a)).toEqual({ usage: { prompt_tokens: 2, completion_tokens: 11, total_tokens: 13 }, model: 'gemini-1.5-flash-002' })
    const b = { usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 20, totalTokenCount: 22 } }
    expect(geminiFormat.usageOf!([a, b]).usage).toEqual({ prompt_tokens: 2, completion_tokens: 20, total_tokens: 22 })
    expect(geminiFormat.usageOf!(`data: ${JSON.stringify(a)}\r\n\r\ndata: ${JSON.stringify(b)}\r\n\r\n`).usage!.completion_tokens).toBe(20)
    expect(geminiFormat.usageOf!({})).toEqual({ usage: null, model: null })
  })

  it('an OpenAI answer → GenerateContentResponse', () => {
    const out = JSON.parse(geminiFormat.encodeResponse({
      id: 'chatcmpl-1', model: 'gpt-4o', object: 'chat.completion',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'sure', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] } }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    }))
    expect(out).toEqual({
      candidates: [{ content: { role: 'model', parts: [{ text: 'sure' }, { functionCall: { name: 'f', args: { a: 1 } } }] }, index: 0, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 },
      modelVersion: 'gpt-4o', responseId: 'chatcmpl-1',
    })
  })

  it('OpenAI chunks → Gemini SSE events; calls and finish held to the end with usage', () => {
    const enc = geminiFormat.streamEncoder()
    const out = [
      enc.push({ id: 'x', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' } }] }),
      enc.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{"a"' } }] } }] }),
      enc.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: 'tool_calls' }] }),
      enc.push({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
      enc.end(),
    ].map((b) => b.toString()).join('')
    const events = out.split('\r\n\r\n').filter(Boolean).map((e) => JSON.parse(e.slice(6)))
    expect(events).toEqual([
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] }, index: 0 }], modelVersion: 'm', responseId: 'x' },
      {
        candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] }, index: 0, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 }, modelVersion: 'm', responseId: 'x',
      },
    ])
  })
})
