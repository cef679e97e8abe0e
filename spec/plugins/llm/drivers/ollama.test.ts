import { describe, expect, it } from 'vitest'
import { ollamaDriver } from '../../../../plugins/llm/drivers/ollama.ts'
import { mistralDriver } from '../../../../plugins/llm/drivers/mistral.ts'
import type { DriverContext, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
import { sseOf } from '../helpers/sse-of.ts'
import { ctx, encode } from '../helpers/ollama-calls.ts'
import { describeDriver, type ContextOptions } from './driver.case.ts'
import * as rec from '../transcoders/recordings.ts'


function frames(sse: Buffer): any[] {
  return sse.toString().split('\n\n').filter(Boolean).map((f) => {
    expect(f.startsWith('data: ')).toBe(true)
    return f.slice(6) === '[DONE]' ? '[DONE]' : JSON.parse(f.slice(6))
  })
}

const STREAM = [
  { model: 'llama3', created_at: '2024-01-01T00:00:00Z', message: { role: 'assistant', content: 'Héllo' }, done: false },
  { model: 'llama3', created_at: '2024-01-01T00:00:00Z', message: { role: 'assistant', content: ' wörld 🎉' }, done: false },
  { model: 'llama3', created_at: '2024-01-01T00:00:01Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 26, eval_count: 12 },
].map((e) => JSON.stringify(e)).join('\n') + '\n'

const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion })
const adapter = (provider: string, options: ModelOptions, model: string) => (c: ContextOptions): DriverContext => {
  const { name, ...rest } = c.ctx ?? {}
  return { ...ctx(provider, c.route ?? 'llm/v1/chat', { ...options, ...c.options }, name ?? model), stream: c.stream ?? false, ...rest }
}
const TOOL_ANSWER = {
  model: 'llama3', created_at: '2024-01-15T08:13:38Z', done: true,
  message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] },
  prompt_eval_count: 10, eval_count: 5,
}
const TOOL_OPENAI = {
  model: 'llama3', object: 'chat.completion', created: 1705306418, usage: usage(10, 5),
  choices: [{ finish_reason: 'tool_calls', message: { tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] } }],
}

describeDriver('ollama', {
  driver: ollamaDriver,
  ctx: adapter('ollama', {}, 'llama3'),
  requests: [
    { name: 'chat → the local /api/chat', request: { messages: [{ role: 'user', content: 'hi' }] },
      url: 'http://localhost:11434/api/chat', body: { model: 'llama3', messages: [{ role: 'user', content: 'hi' }], stream: false } , partial: true },
    { name: 'completions → /api/generate', route: 'llm/v1/completions', request: { prompt: 'hi' }, url: 'http://localhost:11434/api/generate', body: { model: 'llama3', prompt: 'hi' }, partial: true },
    { name: 'embeddings → /api/embed', route: 'llm/v1/embeddings', ctx: { name: 'nomic' }, request: { input: ['a', 'b'] }, url: 'http://localhost:11434/api/embed', body: { model: 'nomic', input: ['a', 'b'] } },
  ],
  responses: [
    { name: 'a chat answer with tool calls and usage', answer: TOOL_ANSWER, openai: TOOL_OPENAI, partial: true, usage: usage(10, 5) },
    { name: 'embeddings', route: 'llm/v1/embeddings', ctx: { name: 'nomic' }, answer: { model: 'nomic', embeddings: [[0.1], [0.2]], prompt_eval_count: 4 },
      openai: { object: 'list', model: 'nomic', usage: { prompt_tokens: 4, total_tokens: 4 }, data: [{ object: 'embedding', index: 0, embedding: [0.1] }, { object: 'embedding', index: 1, embedding: [0.2] }] },
      usage: { prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 } },
  ],
  errors: [
    { name: 'an unreadable answer: 500', answer: 'nope', status: 500, message: 'transformation failed from type ollama://llm/v1/chat: failed to decode ollama response' },
    { name: "prompt and messages together: Kong's 400", request: { prompt: 'a', messages: [] }, status: 400,
      message: "cannot run raw 'prompt' and chat history 'messages' requests at the same time - refer to schema" },
    { name: 'an image by URL: 400', request: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }, status: 400,
      message: /^error transforming to ollama:\/\/llm\/v1\/chat/ },
  ],
  streams: [
    { name: 'ollama', context: { ctx: { clientPath: '/' } }, recordings: [
      { name: 'chat', input: rec.ollamaStream, usage: usage(26, 12) },
      { name: 'error midway', input: rec.ollamaError, error: true },
    ] },
    { name: 'ollama completions', context: { route: 'llm/v1/completions', options: { max_tokens: 2 }, ctx: { clientPath: '/' } }, recordings: [
      { name: 'generate', input: rec.ollamaGenerate, usage: usage(6, 2) },
    ] },
  ],
})

describeDriver('mistral (mistral_format ollama)', {
  driver: mistralDriver,
  ctx: adapter('mistral', { mistral_format: 'ollama' }, 'mistral-tiny'),
  requests: [
    { name: 'chat → api.mistral.ai in the Ollama format', request: { messages: [{ role: 'user', content: 'hi' }], model: 'mistral-tiny', max_tokens: 5 },
      url: 'https://api.mistral.ai:443/v1/chat/completions', body: { model: 'mistral-tiny', messages: [{ role: 'user', content: 'hi' }], stream: false, options: { num_predict: 5 } } },
    { name: 'completions → the same operation path', route: 'llm/v1/completions', request: { prompt: 'hi' }, url: 'https://api.mistral.ai:443/v1/chat/completions', body: { prompt: 'hi' }, partial: true },
  ],
  responses: [{ name: 'an Ollama chat answer', answer: { ...TOOL_ANSWER, model: 'mistral-tiny' }, openai: { ...TOOL_OPENAI, model: 'mistral-tiny' }, partial: true, usage: usage(10, 5) }],
  errors: [
    { name: "a route the format has no transformer for: Kong's 400", route: 'llm/v1/embeddings', request: { input: 'x' }, status: 400, message: 'no transformer available to format mistral://llm/v1/embeddings/ollama' },
  ],
  streams: [{ name: 'mistral (ollama format)', context: { ctx: { clientPath: '/' } }, recordings: [{ name: 'chat', input: rec.ollamaStream, usage: usage(26, 12) }] }],
})

describeDriver('mistral (mistral_format openai)', {
  driver: mistralDriver,
  ctx: adapter('mistral', { mistral_format: 'openai' }, 'mistral-tiny'),
  requests: [
    { name: 'chat → api.mistral.ai, the client body unchanged', request: { messages: [{ role: 'user', content: 'hi' }], model: 'mistral-tiny', max_tokens: 5 },
      url: 'https://api.mistral.ai:443/v1/chat/completions', body: null },
    { name: 'embeddings → /v1/embeddings', route: 'llm/v1/embeddings', request: { input: 'x', model: 'mistral-embed' }, url: 'https://api.mistral.ai:443/v1/embeddings', body: null },
  ],
  responses: [{ name: 'an OpenAI answer passes through, usage read', answer: { model: 'mistral-tiny', choices: [{ message: { content: 'x' } }], usage: usage(2, 3) }, openai: null, usage: usage(2, 3), model: 'mistral-tiny' }],
  errors: [
    { name: "an answer without choices: Kong's 500", answer: { model: 'x' }, status: 500, message: "transformation failed from type mistral://llm/v1/chat: 'choices' not in llm/v1/chat response" },
  ],
})

describe('ollama driver (native API)', () => {

  it('converts a chat request: options, tools, images, tool-call arguments, structured output', () => {
    const body = encode(ollamaDriver, {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'what is ' }, { type: 'text', text: 'this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '42' },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      max_tokens: 50, temperature: 0.2, stop: 'x', stream: true,
      response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' } } },
    }, ctx('ollama', 'llm/v1/chat', { top_k: 3 }))
    expect(body).toEqual({
      model: 'llama3',
      messages: [
        { role: 'user', content: 'what is this?', images: ['AAAA'] },
        { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: { a: 1 } } }] },
        { role: 'tool', tool_call_id: 'c1', content: '42' },
      ],
      stream: true,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      format: { type: 'object' },
      options: { num_predict: 50, temperature: 0.2, top_k: 3, stop: ['x'] },
    })
  })

  it('rejects an image given by URL (Ollama takes base64 only)', () => {
    expect(() => encode(ollamaDriver, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }, ctx('ollama', 'llm/v1/chat')))
      .toThrow(/error transforming to ollama:\/\/llm\/v1\/chat/)
  })

  it("infers finish_reason length from eval_count == max_tokens (Kong)", () => {
    const res = ollamaDriver.decodeResponse(Buffer.from('{"model":"m","response":"x","done":true,"eval_count":7,"prompt_eval_count":1}'), ctx('ollama', 'llm/v1/completions', { max_tokens: 7 }))
    expect(JSON.parse(res.body!).choices).toEqual([{ index: 0, text: 'x', finish_reason: 'length' }])
  })

  describe('stream', () => {
    function run(chunks: Buffer[], route: RouteType = 'llm/v1/chat') {
      const t = sseOf(ollamaDriver.stream(ctx('ollama', route)))
      return { t, out: Buffer.concat([...chunks.map((c) => t.push(c)), t.end()]) }
    }

    it('NDJSON lines → chunks; done:true → usage, finish chunk, [DONE]', () => {
      const { t, out } = run([Buffer.from(STREAM)])
      const f = frames(out)
      expect(f).toHaveLength(4)
      expect(f[0]).toMatchObject({ model: 'llama3', object: 'chat.completion.chunk', choices: [{ delta: { role: 'assistant', content: 'Héllo' }, index: 0, finish_reason: null }] })
      expect(f[1].choices[0].delta).toEqual({ content: ' wörld 🎉' })
      expect(f[2].choices[0]).toEqual({ delta: {}, index: 0, finish_reason: 'stop' })
      expect(f[3]).toBe('[DONE]')
      expect(t.usage).toEqual({ prompt_tokens: 26, completion_tokens: 12, total_tokens: 38 })
      expect(t.text).toBe('Héllo wörld 🎉')
      expect(t.finishReason).toBe('stop')
    })

    it('streams tool calls as OpenAI tool_call deltas', () => {
      const line = JSON.stringify({ model: 'm', message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 2 } } }] }, done: false })
      const done = JSON.stringify({ model: 'm', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', eval_count: 3 })
      const f = frames(run([Buffer.from(`${line}\n${done}\n`)]).out)
      expect(f[0].choices[0].delta.tool_calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'f', arguments: '{"a":2}' } })
      expect(f[1].choices[0].finish_reason).toBe('tool_calls')
    })

    it('completions stream uses text chunks', () => {
      const s = '{"model":"m","response":"ab","done":false}\n{"model":"m","response":"","done":true,"eval_count":1}\n'
      const f = frames(run([Buffer.from(s)], 'llm/v1/completions').out)
      expect(f[0]).toMatchObject({ object: 'text_completion', choices: [{ text: 'ab', index: 0, finish_reason: null }] })
      expect(f[1].choices[0]).toEqual({ text: '', index: 0, finish_reason: 'stop' })
      expect(f[2]).toBe('[DONE]')
    })

    it('an error line becomes an in-stream error and ends the stream', () => {
      const f = frames(run([Buffer.from('{"error":"model not found"}\n')]).out)
      expect(f).toEqual([{ error: { message: 'model not found' } }, '[DONE]'])
    })
  })
})

