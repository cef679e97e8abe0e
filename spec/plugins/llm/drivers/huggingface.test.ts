import { describe, expect, it } from 'vitest'
import { huggingfaceDriver } from '../../../../plugins/llm/drivers/huggingface.ts'
import { huggingfaceFormat } from '../../../../plugins/llm/formats/huggingface.ts'
import { cohereFormat } from '../../../../plugins/llm/formats/cohere.ts'
import { sseOf } from '../helpers/sse-of.ts'
import { ctx, MODEL } from '../helpers/huggingface-calls.ts'
import { describeDriver } from './driver.case.ts'
import * as rec from '../transcoders/recordings.ts'


function frames(sse: Buffer): any[] {
  return sse.toString().split('\n\n').filter(Boolean).map((f) => (f.slice(6) === '[DONE]' ? '[DONE]' : JSON.parse(f.slice(6))))
}

const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion })

describeDriver('huggingface', {
  driver: huggingfaceDriver,
  ctx: (c) => {
    const { name, ...rest } = c.ctx ?? {}
    return { ...ctx(c.route ?? 'llm/v1/chat', c.options, name === undefined ? MODEL : name ?? undefined), stream: c.stream ?? false, ...rest }
  },
  requests: [
    { name: 'chat → the router, OpenAI body with model and tuning defaults', options: { max_tokens: 64, temperature: 0.9 }, request: { messages: [{ role: 'user', content: 'hi' }], temperature: 0.1 },
      url: 'https://router.huggingface.co:443/v1/chat/completions', headers: [], body: { messages: [{ role: 'user', content: 'hi' }], model: MODEL, max_tokens: 64, temperature: 0.1 } },
    { name: 'the inference options as headers', options: { huggingface: { wait_for_model: true, use_cache: false } }, request: { messages: [{ role: 'user', content: 'hi' }] },
      url: 'https://router.huggingface.co:443/v1/chat/completions', headers: [['x-wait-for-model', 'true'], ['x-use-cache', 'false']], body: { model: MODEL }, partial: true },
    { name: "completions → hf-inference: inputs and parameters, the request's own kept", route: 'llm/v1/completions', options: { max_tokens: 64, top_k: 2 },
      request: { prompt: 'What are you?', parameters: { top_k: 9 }, stream: true },
      url: `https://router.huggingface.co:443/hf-inference/models/${MODEL}`, body: { inputs: 'What are you?', parameters: { max_new_tokens: 64, top_k: 9 }, model: MODEL, stream: true } },
    { name: 'embeddings → feature-extraction', route: 'llm/v1/embeddings', request: { input: ['a', 'b'] },
      url: `https://router.huggingface.co:443/hf-inference/models/${MODEL}/pipeline/feature-extraction`, body: { inputs: ['a', 'b'] } },
  ],
  responses: [
    { name: 'embeddings: many vectors → OpenAI list', route: 'llm/v1/embeddings', answer: '[[0.1,0.2],[0.3,0.4]]',
      openai: { data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }, { object: 'embedding', index: 1, embedding: [0.3, 0.4] }] }, partial: true, usage: null },
    { name: 'embeddings: one vector', route: 'llm/v1/embeddings', answer: '[0.5,0.6]', openai: { data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.6] }] }, partial: true, usage: null },
  ],
  errors: [
    { name: "a 200 error body: Kong's 'API error' message", answer: '{"error":"Model is loading"}', status: 500, message: 'transformation failed from type huggingface://llm/v1/chat: API error: Model is loading' },
  ],
  streams: [
    { name: 'huggingface completions (TGI)', context: { route: 'llm/v1/completions', ctx: { clientPath: '/' } }, recordings: [
      { name: 'generate_stream', input: rec.tgiStream, usage: usage(0, 2) },
      { name: 'error midway', input: rec.tgiError, error: true },
    ] },
    { name: 'huggingface chat (router, OpenAI SSE)', context: { ctx: { clientPath: '/' } }, recordings: [{ name: 'text with usage', input: rec.openAiStream, usage: usage(9, 5) }] },
  ],
})

describe('huggingface driver', () => {
  it('escapes the model id segment by segment, and refuses one that is not a model id', () => {
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

  it('completions stream: TGI token events → text_completion chunks', () => {
    const sse = Buffer.from('data:{"index":1,"token":{"id":1,"text":"Ça","special":false},"generated_text":null,"details":null}\n\n'
      + 'data:{"index":2,"token":{"id":2,"text":" va","special":false},"generated_text":"Ça va","details":{"finish_reason":"length","generated_tokens":2}}\n\n')
    const raw = (chunks: Buffer[]) => {
      const t = sseOf(huggingfaceDriver.stream(ctx('llm/v1/completions')))
      return Buffer.concat([...chunks.map((c) => t.push(c)), t.end()])
    }
    const f = frames(raw([sse]))
    expect(f[0].choices).toEqual([{ text: 'Ça', index: 0, finish_reason: null }])
    expect(f[1].choices).toEqual([{ text: ' va', index: 0, finish_reason: 'length' }])
    expect(f[2]).toBe('[DONE]')
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
