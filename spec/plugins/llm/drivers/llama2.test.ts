import { describe, expect, it } from 'vitest'
import { llama2Driver } from '../../../../plugins/llm/drivers/llama2.ts'
import type { DriverContext, ModelOptions } from '../../../../plugins/llm/types.ts'
import { sseOf } from '../helpers/sse-of.ts'
import { ctx } from '../helpers/llama2-calls.ts'
import { describeDriver, type ContextOptions } from './driver.case.ts'
import * as rec from '../transcoders/recordings.ts'


function frames(sse: Buffer): any[] {
  return sse.toString().split('\n\n').filter(Boolean).map((f) => (f.slice(6) === '[DONE]' ? '[DONE]' : JSON.parse(f.slice(6))))
}

const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion })
const adapter = (options: ModelOptions) => (c: ContextOptions): DriverContext => {
  const { name, ...rest } = c.ctx ?? {}
  return { ...ctx(c.route ?? 'llm/v1/chat', { ...options, ...c.options }, name ?? 'llama2'), stream: c.stream ?? false, ...rest }
}
// the driver's own target is a placeholder: model.options.upstream_url (required) replaces it in the pipeline
const PLACEHOLDER = 'http://localhost:80/c'
const SANS = { data: [{ generated_text: '[INST]\nWhat is Sans? ?\n[/INST]\n\nIs a well known font.' }] }

describeDriver('llama2 (llama2_format raw)', {
  driver: llama2Driver,
  ctx: adapter({ llama2_format: 'raw' }),
  requests: [
    { name: "chat: Llama 2's [INST] prompt, Kong's quirks included", url: PLACEHOLDER,
      request: {
        messages: [
          { role: 'system', content: 'You are a video game knowledgebase.' },
          { role: 'user', content: 'What is Missingno.?' },
          { role: 'assistant', content: 'dropped, as in Kong' },
          { role: 'system', content: 'Missingno. is a weird character.' },
          { role: 'user', content: [{ type: 'text', text: 'Why is it popular?' }] },
        ],
        max_tokens: 20, stream: true,
      },
      body: {
        inputs: '<s>[INST] <<SYS>> You are a video game knowledgebase. <</SYS>> What is Missingno.? [/INST] Missingno. is a weird character. </s> <s>[INST] Why is it popular? [/INST]',
        parameters: { max_new_tokens: 20, stream: true },
      } },
    { name: "completions: the prompt in Kong's completion template", route: 'llm/v1/completions', request: { prompt: 'hi' }, url: PLACEHOLDER,
      body: { inputs: '<s> [INST] <<SYS>> You are a helpful assistant. <<SYS>> hi [/INST]' }, partial: true },
  ],
  responses: [
    { name: 'chat: the text after the last [/INST], trimmed', answer: SANS,
      openai: { choices: [{ message: { content: 'Is a well known font.', role: 'assistant' }, index: 0 }], object: 'chat.completion' }, usage: null },
    { name: 'completions: the same text', route: 'llm/v1/completions', answer: SANS, openai: { choices: [{ index: 0, text: 'Is a well known font.' }], object: 'text_completion' }, usage: null },
  ],
  errors: [
    { name: "two data entries: Kong's 500", answer: '{"data":[{},{}]}', status: 500, message: 'transformation failed from type llama2://llm/v1/chat: cannot parse response from llama2 endpoint' },
    { name: "an empty data entry: Kong's 500", answer: '{"data":[{}]}', status: 500, message: 'transformation failed from type llama2://llm/v1/chat: response data is empty from llama2 endpoint' },
    { name: "prompt and messages together: Kong's 400", request: { prompt: 'a', messages: [] }, status: 400,
      message: "cannot run raw 'prompt' and chat history 'messages' requests at the same time - refer to schema" },
    { name: 'no embeddings transformer', route: 'llm/v1/embeddings', request: { input: 'x' }, status: 400, message: 'no transformer available to format llama2://llm/v1/embeddings/raw' },
  ],
  streams: [{ name: 'llama2 raw (TGI)', context: { ctx: { clientPath: '/' } }, recordings: [{ name: 'generate_stream', input: rec.tgiStream, usage: usage(0, 2) }] }],
})

describeDriver('llama2 (llama2_format ollama)', {
  driver: llama2Driver,
  ctx: adapter({ llama2_format: 'ollama' }),
  requests: [
    { name: 'completions in the Ollama format', route: 'llm/v1/completions', options: { max_tokens: 3 }, request: { prompt: 'hi' }, url: PLACEHOLDER,
      body: { model: 'llama2', prompt: 'hi', stream: false, options: { num_predict: 3 } } },
  ],
  responses: [
    { name: 'an Ollama answer', answer: { model: 'llama2', created_at: '2024-01-15T08:13:38Z', done: true, message: { role: 'assistant', content: 'hi' }, prompt_eval_count: 2, eval_count: 1 },
      openai: { object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }, partial: true, usage: usage(2, 1) },
  ],
  errors: [
    { name: 'an unreadable answer: 500', answer: 'nope', status: 500, message: /^transformation failed from type llama2:\/\/llm\/v1\/chat/ },
  ],
  streams: [{ name: 'llama2 (ollama format)', context: { ctx: { clientPath: '/' } }, recordings: [{ name: 'chat', input: rec.ollamaStream, usage: usage(26, 12) }] }],
})

describeDriver('llama2 (llama2_format openai)', {
  driver: llama2Driver,
  ctx: adapter({ llama2_format: 'openai' }),
  requests: [
    { name: 'chat: the client body unchanged', request: { messages: [{ role: 'user', content: 'hi' }], model: 'llama2' }, url: PLACEHOLDER, body: null },
  ],
  responses: [
    { name: 'an OpenAI answer passes through, usage read', answer: '{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}', openai: null, usage: usage(1, 2) },
  ],
  errors: [
    { name: "an answer without choices: Kong's 500", answer: '{}', status: 500, message: "transformation failed from type llama2://llm/v1/chat: 'choices' not in llm/v1/chat response" },
  ],
})

describe('llama2 driver', () => {
  describe('raw format', () => {
    const raw: ModelOptions = { llama2_format: 'raw' }

    it('streams TGI generate_stream events as chat chunks', () => {
      const t = sseOf(llama2Driver.stream(ctx('llm/v1/chat', raw)))
      const sse = 'data: {"token":{"id":1,"text":"Hel","special":false}}\n\ndata: {"token":{"id":2,"text":"lo","special":false},"generated_text":"Hello","details":{"finish_reason":"eos_token","generated_tokens":2}}\n\n'
      const f = frames(Buffer.concat([t.push(Buffer.from(sse)), t.end()]))
      expect(f[0].choices[0].delta).toEqual({ content: 'Hel', role: 'assistant' })
      expect(f[1].choices[0]).toEqual({ delta: { content: 'lo' }, index: 0, finish_reason: 'stop' })
      expect(f[2]).toBe('[DONE]')
      expect(t.text).toBe('Hello')
      expect(t.usage.completion_tokens).toBe(2)
    })
  })

  describe('self-hosted', () => {
    it('needs upstream_url', () => {
      const c = ctx('llm/v1/chat', { llama2_format: 'raw' })
      delete c.model.options.upstream_url
      expect(() => llama2Driver.target(c)).toThrow("must set 'model.options.upstream_url' for self-hosted providers/models")
    })
  })

})
