import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ollamaDriver } from '../../../../plugins/llm/drivers/ollama.ts'
import { mistralDriver } from '../../../../plugins/llm/drivers/mistral.ts'
import type { DriverContext, LlmRequest, ModelOptions, ProviderDriver, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'
import { sseOf } from '../helpers/sse-of.ts'


function ctx(provider: string, route: RouteType, options: ModelOptions = {}, name = 'llama3'): DriverContext {
  return { route, model: { provider, name, options }, stream: false, clientPath: '/client', clientQuery: '' }
}

function encode(d: ProviderDriver, req: LlmRequest, c: DriverContext) {
  return JSON.parse(d.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)!)
}

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

describe('ollama driver (native API)', () => {
  it('targets the local Ollama API per route type', () => {
    expect(ollamaDriver.target(ctx('ollama', 'llm/v1/chat'))).toEqual({ scheme: 'http', host: 'localhost', port: 11434, path: '/api/chat', query: null })
    expect(ollamaDriver.target(ctx('ollama', 'llm/v1/completions')).path).toBe('/api/generate')
    expect(ollamaDriver.target(ctx('ollama', 'llm/v1/embeddings')).path).toBe('/api/embed')
  })

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

  it("rejects prompt and messages together with Kong's message", () => {
    expect(() => encode(ollamaDriver, { prompt: 'a', messages: [] }, ctx('ollama', 'llm/v1/chat')))
      .toThrow("cannot run raw 'prompt' and chat history 'messages' requests at the same time - refer to schema")
  })

  it('rejects an image given by URL (Ollama takes base64 only)', () => {
    expect(() => encode(ollamaDriver, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }, ctx('ollama', 'llm/v1/chat')))
      .toThrow(/error transforming to ollama:\/\/llm\/v1\/chat/)
  })

  it('decodes a chat answer with tool calls and usage', () => {
    const res = ollamaDriver.decodeResponse(Buffer.from(JSON.stringify({
      model: 'llama3', created_at: '2024-01-15T08:13:38Z', done: true,
      message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] },
      prompt_eval_count: 10, eval_count: 5,
    })), ctx('ollama', 'llm/v1/chat'))
    const out = JSON.parse(res.body!)
    expect(out).toMatchObject({ model: 'llama3', object: 'chat.completion', created: 1705306418, usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })
    expect(out.choices[0].finish_reason).toBe('tool_calls')
    expect(out.choices[0].message.tool_calls[0]).toMatchObject({ type: 'function', function: { name: 'f', arguments: '{"a":1}' } })
    expect(out.choices[0].message.tool_calls[0].id).toMatch(/^call_/)
    expect(res.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })
  })

  it("infers finish_reason length from eval_count == max_tokens (Kong)", () => {
    const res = ollamaDriver.decodeResponse(Buffer.from('{"model":"m","response":"x","done":true,"eval_count":7,"prompt_eval_count":1}'), ctx('ollama', 'llm/v1/completions', { max_tokens: 7 }))
    expect(JSON.parse(res.body!).choices).toEqual([{ index: 0, text: 'x', finish_reason: 'length' }])
  })

  it('converts embeddings both ways', () => {
    expect(encode(ollamaDriver, { input: ['a', 'b'] }, ctx('ollama', 'llm/v1/embeddings', {}, 'nomic'))).toEqual({ model: 'nomic', input: ['a', 'b'] })
    const res = ollamaDriver.decodeResponse(Buffer.from('{"model":"nomic","embeddings":[[0.1],[0.2]],"prompt_eval_count":4}'), ctx('ollama', 'llm/v1/embeddings', {}, 'nomic'))
    expect(JSON.parse(res.body!)).toEqual({
      object: 'list', model: 'nomic', usage: { prompt_tokens: 4, total_tokens: 4 },
      data: [{ object: 'embedding', index: 0, embedding: [0.1] }, { object: 'embedding', index: 1, embedding: [0.2] }],
    })
  })

  it('fails with a Kong-style message on an unreadable answer', () => {
    expect(() => ollamaDriver.decodeResponse(Buffer.from('nope'), ctx('ollama', 'llm/v1/chat')))
      .toThrow('transformation failed from type ollama://llm/v1/chat: failed to decode ollama response')
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

    it('gives the same output at every chunk boundary (ids and timestamps aside)', () => {
      const input = Buffer.from(STREAM)
      const norm = (b: Buffer) => b.toString().replace(/"id":"[^"]+"/g, '').replace(/"created":\d+/g, '')
      const whole = norm(run([input]).out)
      for (let cut = 0; cut <= input.length; cut++) {
        expect(norm(run([input.subarray(0, cut), input.subarray(cut)]).out), `cut ${cut}`).toBe(whole)
      }
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

describe('mistral driver', () => {
  it('dispatches on mistral_format: openai → OpenAI-compatible passthrough, ollama → Ollama format', () => {
    const req = { messages: [{ role: 'user', content: 'hi' }], model: 'mistral-tiny', max_tokens: 5 }
    expect(mistralDriver.encodeRequest(req, Buffer.from(''), ctx('mistral', 'llm/v1/chat', { mistral_format: 'openai' }, 'mistral-tiny'))).toBeNull()
    expect(encode(mistralDriver, req, ctx('mistral', 'llm/v1/chat', { mistral_format: 'ollama' }, 'mistral-tiny')))
      .toEqual({ model: 'mistral-tiny', messages: [{ role: 'user', content: 'hi' }], stream: false, options: { num_predict: 5 } })
    const t = mistralDriver.target(ctx('mistral', 'llm/v1/chat', { mistral_format: 'ollama' }))
    expect(t).toEqual({ scheme: 'https', host: 'api.mistral.ai', port: 443, path: '/v1/chat/completions', query: null })
  })

  it("throws Kong's message for a route the format has no transformer for", () => {
    expect(() => encode(mistralDriver, { input: 'x' }, ctx('mistral', 'llm/v1/embeddings', { mistral_format: 'ollama' })))
      .toThrow('no transformer available to format mistral://llm/v1/embeddings/ollama')
  })

})
