import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { huggingfaceDriver } from '../../../../plugins/llm/drivers/huggingface.ts'
import { huggingfaceFormat } from '../../../../plugins/llm/formats/huggingface.ts'
import { cohereFormat } from '../../../../plugins/llm/formats/cohere.ts'
import type { DriverContext, LlmRequest, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'
import { sseOf } from '../helpers/sse-of.ts'


const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2'

function ctx(route: RouteType, options: ModelOptions = {}, name: string | undefined = MODEL): DriverContext {
  return { route, model: { provider: 'huggingface', name, options }, stream: false, clientPath: '/c', clientQuery: '' }
}

const encode = (req: LlmRequest, c: DriverContext) => JSON.parse(huggingfaceDriver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)!)

function frames(sse: Buffer): any[] {
  return sse.toString().split('\n\n').filter(Boolean).map((f) => (f.slice(6) === '[DONE]' ? '[DONE]' : JSON.parse(f.slice(6))))
}

describe('huggingface driver', () => {
  it('targets the router per route type, model id escaped segment by segment', () => {
    expect(huggingfaceDriver.target(ctx('llm/v1/chat'))).toEqual({ scheme: 'https', host: 'router.huggingface.co', port: 443, path: '/v1/chat/completions', query: null })
    expect(huggingfaceDriver.target(ctx('llm/v1/completions')).path).toBe(`/hf-inference/models/${MODEL}`)
    expect(huggingfaceDriver.target(ctx('llm/v1/embeddings', {}, 'BAAI/bge small')).path).toBe('/hf-inference/models/BAAI/bge%20small/pipeline/feature-extraction')
    expect(() => huggingfaceDriver.target(ctx('llm/v1/embeddings', {}, '../../etc'))).toThrow('Could not parse the Hugging Face model endponit')
    const unnamed = ctx('llm/v1/completions')
    unnamed.model.name = undefined
    expect(() => huggingfaceDriver.target(unnamed)).toThrow('Could not parse the Hugging Face model endponit')
  })

  it('llm_format huggingface keeps the TGI operation; upstream_url needs no model id', () => {
    const native = { ...ctx('llm/v1/chat', {}, 'org/tgi'), llmFormat: 'huggingface' as const, clientPath: '/hf/generate_stream' }
    expect(huggingfaceDriver.target(native).path).toBe('/hf-inference/models/org/tgi/generate_stream')
    const unnamed = ctx('llm/v1/embeddings', { upstream_url: 'http://127.0.0.1:1/x' })
    unnamed.model.name = undefined
    expect(() => huggingfaceDriver.target(unnamed)).not.toThrow()
  })

  it('sends the inference options as headers', () => {
    expect(huggingfaceDriver.headers!(ctx('llm/v1/chat', { huggingface: { wait_for_model: true, use_cache: false } })))
      .toEqual([['x-wait-for-model', 'true'], ['x-use-cache', 'false']])
    expect(huggingfaceDriver.headers!(ctx('llm/v1/chat'))).toEqual([])
  })

  it('chat: OpenAI body with model and tuning defaults', () => {
    expect(encode({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.1 }, ctx('llm/v1/chat', { max_tokens: 64, temperature: 0.9 })))
      .toEqual({ messages: [{ role: 'user', content: 'hi' }], model: MODEL, max_tokens: 64, temperature: 0.1 })
  })

  it('completions: inputs and parameters, the request\'s own parameters kept', () => {
    expect(encode({ prompt: 'What are you?', parameters: { top_k: 9 }, stream: true }, ctx('llm/v1/completions', { max_tokens: 64, top_k: 2 })))
      .toEqual({ inputs: 'What are you?', parameters: { max_new_tokens: 64, top_k: 9 }, model: MODEL, stream: true })
  })

  it('embeddings: feature-extraction vectors → OpenAI list', () => {
    expect(encode({ input: ['a', 'b'] }, ctx('llm/v1/embeddings'))).toEqual({ inputs: ['a', 'b'] })
    const many = JSON.parse(huggingfaceDriver.decodeResponse(Buffer.from('[[0.1,0.2],[0.3,0.4]]'), ctx('llm/v1/embeddings')).body!)
    expect(many.data).toEqual([{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }, { object: 'embedding', index: 1, embedding: [0.3, 0.4] }])
    const one = JSON.parse(huggingfaceDriver.decodeResponse(Buffer.from('[0.5,0.6]'), ctx('llm/v1/embeddings')).body!)
    expect(one.data).toEqual([{ object: 'embedding', index: 0, embedding: [0.5, 0.6] }])
  })

  it("a 200 error body gives Kong's 'API error' message", () => {
    expect(() => huggingfaceDriver.decodeResponse(Buffer.from('{"error":"Model is loading"}'), ctx('llm/v1/chat')))
      .toThrow('transformation failed from type huggingface://llm/v1/chat: API error: Model is loading')
  })

  it('chat stream: the router\'s OpenAI SSE is forwarded verbatim, usage read on the side', () => {
    const t = sseOf(huggingfaceDriver.stream(ctx('llm/v1/chat')))
    const sse = Buffer.from('data: {"choices":[{"delta":{"content":"Hi"},"index":0,"finish_reason":null}]}\n\ndata: {"choices":[{"delta":{},"index":0,"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\ndata: [DONE]\n\n')
    expect(t.push(sse)).toBe(sse)
    expect(t.end()).toHaveLength(0)
    expect(t.text).toBe('Hi')
    expect(t.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 })
  })

  it('completions stream: TGI token events → text_completion chunks, same at every cut', () => {
    const sse = Buffer.from('data:{"index":1,"token":{"id":1,"text":"Ça","special":false},"generated_text":null,"details":null}\n\n'
      + 'data:{"index":2,"token":{"id":2,"text":" va","special":false},"generated_text":"Ça va","details":{"finish_reason":"length","generated_tokens":2}}\n\n')
    const raw = (chunks: Buffer[]) => {
      const t = sseOf(huggingfaceDriver.stream(ctx('llm/v1/completions')))
      return Buffer.concat([...chunks.map((c) => t.push(c)), t.end()])
    }
    const run = (chunks: Buffer[]) => raw(chunks).toString().replace(/"id":"[^"]+"/g, '').replace(/"created":\d+/g, '')
    const whole = run([sse])
    const f = frames(raw([sse]))
    expect(f[0].choices).toEqual([{ text: 'Ça', index: 0, finish_reason: null }])
    expect(f[1].choices).toEqual([{ text: ' va', index: 0, finish_reason: 'length' }])
    expect(f[2]).toBe('[DONE]')
    for (let cut = 0; cut <= sse.length; cut++) expect(run([sse.subarray(0, cut), sse.subarray(cut)]), `cut ${cut}`).toBe(whole)
  })

})

describe('huggingface client format (TGI /generate, /generate_stream)', () => {
  it('is native for the huggingface provider only', () => {
    expect(huggingfaceFormat.nativeFor('huggingface')).toBe(true)
    expect(huggingfaceFormat.nativeFor('openai')).toBe(false)
  })

  it('reads the request: inputs as the user turn, parameters, stream from the path', () => {
    const parsed = huggingfaceFormat.parseRequest({ inputs: 'Hi', parameters: { max_new_tokens: 20, temperature: 0.3, stop: ['x'] } }, '/hf/generate_stream')
    expect(parsed).toEqual({ request: { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 20, temperature: 0.3, stop: ['x'] }, model: null, stream: true })
    expect(huggingfaceFormat.parseRequest({ inputs: 'Hi' }, '/models/org/name/generate')).toMatchObject({ model: 'org/name', stream: false })
  })

  it('writes OpenAI answers back as TGI answers and events', () => {
    expect(JSON.parse(huggingfaceFormat.encodeResponse({ choices: [{ message: { content: 'ok' }, finish_reason: 'length' }], usage: { completion_tokens: 4 } })))
      .toEqual({ generated_text: 'ok', details: { finish_reason: 'length', generated_tokens: 4 } })
    const enc = huggingfaceFormat.streamEncoder()
    const a = enc.push({ choices: [{ delta: { content: 'o' } }] }).toString()
    const b = enc.push({ choices: [{ delta: { content: 'k' }, finish_reason: 'stop' }] }).toString()
    const end = JSON.parse(enc.end().toString().slice(6))
    expect(JSON.parse(a.slice(6)).token.text).toBe('o')
    expect(JSON.parse(b.slice(6)).token.text).toBe('k')
    expect(end).toMatchObject({ generated_text: 'ok', details: { finish_reason: 'eos_token' } })
  })

  it('reads usage from a TGI answer', () => {
    expect(huggingfaceFormat.usageOf!([{ generated_text: 'x', details: { generated_tokens: 5, prefill: [{}, {}] } }], ))
      .toEqual({ usage: { prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 }, model: null })
  })
})

describe('cohere client format (rerank, chat)', () => {
  it('is native for the cohere provider only', () => {
    expect(cohereFormat.nativeFor('cohere')).toBe(true)
    expect(cohereFormat.nativeFor('openai')).toBe(false)
  })

  it('reads a rerank request as its query', () => {
    expect(cohereFormat.parseRequest({ model: 'rerank-v3.5', query: 'capital?', documents: ['a', 'b'], top_n: 1 }, '/v2/rerank'))
      .toEqual({ request: { messages: [{ role: 'user', content: 'capital?' }] }, model: 'rerank-v3.5', stream: false })
  })

  it('reads v1 and v2 chat requests', () => {
    expect(cohereFormat.parseRequest({ message: 'q', preamble: 'p', chat_history: [{ role: 'CHATBOT', message: 'a' }], stream: true, p: 0.5 }, '/v1/chat').request)
      .toEqual({ messages: [{ role: 'system', content: 'p' }, { role: 'assistant', content: 'a' }, { role: 'user', content: 'q' }], top_p: 0.5, stream: true })
    expect(cohereFormat.parseRequest({ model: 'command-r', messages: [{ role: 'user', content: 'x' }] }, '/v2/chat').request.messages).toEqual([{ role: 'user', content: 'x' }])
  })

  it('reads usage from native answers (rerank has none in tokens)', () => {
    expect(cohereFormat.usageOf!({ results: [], meta: { billed_units: { search_units: 1 } } })).toEqual({ usage: null, model: null })
    expect(cohereFormat.usageOf!({ message: {}, usage: { billed_units: { input_tokens: 3, output_tokens: 4 } } }))
      .toEqual({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }, model: null })
  })

  it('writes OpenAI answers as Cohere v2 chat answers and stream events', () => {
    expect(JSON.parse(cohereFormat.encodeResponse({ id: 'x', choices: [{ message: { content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2 } })))
      .toMatchObject({ id: 'x', finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'text', text: 'hi' }] }, usage: { billed_units: { input_tokens: 1, output_tokens: 2 } } })
    const enc = cohereFormat.streamEncoder()
    const out = enc.push({ id: 'x', choices: [{ delta: { content: 'h' } }] }).toString() + enc.end().toString()
    expect(out.match(/^event: .*$/gm)).toEqual(['event: message-start', 'event: content-start', 'event: content-delta', 'event: content-end', 'event: message-end'])
  })
})
