import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { llama2Driver } from '../../../../plugins/llm/drivers/llama2.ts'
import type { DriverContext, LlmRequest, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'
import { sseOf } from '../helpers/sse-of.ts'


function ctx(route: RouteType, options: ModelOptions, name = 'llama2'): DriverContext {
  return { route, model: { provider: 'llama2', name, options: { upstream_url: 'http://127.0.0.1:1/x', ...options } }, stream: false, clientPath: '/c', clientQuery: '' }
}

const encode = (req: LlmRequest, c: DriverContext) => llama2Driver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)

function frames(sse: Buffer): any[] {
  return sse.toString().split('\n\n').filter(Boolean).map((f) => (f.slice(6) === '[DONE]' ? '[DONE]' : JSON.parse(f.slice(6))))
}

describe('llama2 driver', () => {
  describe('raw format', () => {
    const raw: ModelOptions = { llama2_format: 'raw' }

    it("builds Llama 2's [INST] prompt, Kong's quirks included", () => {
      const body = JSON.parse(encode({
        messages: [
          { role: 'system', content: 'You are a video game knowledgebase.' },
          { role: 'user', content: 'What is Missingno.?' },
          { role: 'assistant', content: 'dropped, as in Kong' },
          { role: 'system', content: 'Missingno. is a weird character.' },
          { role: 'user', content: [{ type: 'text', text: 'Why is it popular?' }] },
        ],
        max_tokens: 20, stream: true,
      }, ctx('llm/v1/chat', raw))!)
      expect(body).toEqual({
        inputs: '<s>[INST] <<SYS>> You are a video game knowledgebase. <</SYS>> What is Missingno.? [/INST] Missingno. is a weird character. </s> <s>[INST] Why is it popular? [/INST]',
        parameters: { max_new_tokens: 20, stream: true },
      })
    })

    it("wraps a prompt in Kong's completion template", () => {
      expect(JSON.parse(encode({ prompt: 'hi' }, ctx('llm/v1/completions', raw))!).inputs)
        .toBe('<s> [INST] <<SYS>> You are a helpful assistant. <<SYS>> hi [/INST]')
    })

    it("rejects prompt and messages together with Kong's message", () => {
      expect(() => encode({ prompt: 'a', messages: [] }, ctx('llm/v1/chat', raw)))
        .toThrow("cannot run raw 'prompt' and chat history 'messages' requests at the same time - refer to schema")
    })

    it('takes the text after the last [/INST], trimmed', () => {
      const body = Buffer.from(JSON.stringify({ data: [{ generated_text: '[INST]\nWhat is Sans? ?\n[/INST]\n\nIs a well known font.' }] }))
      expect(JSON.parse(llama2Driver.decodeResponse(body, ctx('llm/v1/chat', raw)).body!))
        .toEqual({ choices: [{ message: { content: 'Is a well known font.', role: 'assistant' }, index: 0 }], object: 'chat.completion' })
      expect(JSON.parse(llama2Driver.decodeResponse(body, ctx('llm/v1/completions', raw)).body!))
        .toEqual({ choices: [{ index: 0, text: 'Is a well known font.' }], object: 'text_completion' })
    })

    it("fails with Kong's messages on odd answers", () => {
      expect(() => llama2Driver.decodeResponse(Buffer.from('{"data":[{},{}]}'), ctx('llm/v1/chat', raw)))
        .toThrow('transformation failed from type llama2://llm/v1/chat: cannot parse response from llama2 endpoint')
      expect(() => llama2Driver.decodeResponse(Buffer.from('{"data":[{}]}'), ctx('llm/v1/chat', raw)))
        .toThrow('transformation failed from type llama2://llm/v1/chat: response data is empty from llama2 endpoint')
    })

    it('has no embeddings transformer', () => {
      expect(() => encode({ input: 'x' }, ctx('llm/v1/embeddings', raw))).toThrow('no transformer available to format llama2://llm/v1/embeddings/raw')
    })

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

  describe('ollama and openai formats', () => {
    it('ollama format uses the Ollama conversion', () => {
      expect(JSON.parse(encode({ prompt: 'hi' }, ctx('llm/v1/completions', { llama2_format: 'ollama', max_tokens: 3 }))!))
        .toEqual({ model: 'llama2', prompt: 'hi', stream: false, options: { num_predict: 3 } })
    })

    it('openai format passes the body and answer through', () => {
      const req = { messages: [{ role: 'user', content: 'hi' }], model: 'llama2' }
      expect(encode(req, ctx('llm/v1/chat', { llama2_format: 'openai' }))).toBeNull()
      const res = llama2Driver.decodeResponse(Buffer.from('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}'), ctx('llm/v1/chat', { llama2_format: 'openai' }))
      expect(res.body).toBeNull()
      expect(res.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })
      expect(() => llama2Driver.decodeResponse(Buffer.from('{}'), ctx('llm/v1/chat', { llama2_format: 'openai' })))
        .toThrow("transformation failed from type llama2://llm/v1/chat: 'choices' not in llm/v1/chat response")
    })

    it('needs upstream_url', () => {
      const c = ctx('llm/v1/chat', { llama2_format: 'raw' })
      delete c.model.options.upstream_url
      expect(() => llama2Driver.target(c)).toThrow("must set 'model.options.upstream_url' for self-hosted providers/models")
    })
  })

})
