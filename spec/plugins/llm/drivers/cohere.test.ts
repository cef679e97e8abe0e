import { describe, expect, it } from 'vitest'
import { cohereDriver } from '../../../../plugins/llm/drivers/cohere.ts'
import type { RouteType } from '../../../../plugins/llm/types.ts'
import { sseOf } from '../helpers/sse-of.ts'
import { ctx, encode, frames } from '../helpers/cohere-calls.ts'
import { describeDriver } from './driver.case.ts'
import * as rec from '../transcoders/recordings.ts'


const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion })

describeDriver('cohere', {
  driver: cohereDriver,
  ctx: (c) => {
    const { name, ...rest } = c.ctx ?? {}
    return { ...ctx(c.route ?? 'llm/v1/chat', c.options, name === undefined ? 'command' : name ?? undefined, c.stream ?? false), ...rest }
  },
  requests: [
    { name: 'chat → /v1/chat: history, last message, tuning names', options: { max_tokens: 100 },
      request: { messages: [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }, { role: 'user', content: 'q2' }], top_p: 0.3 },
      url: 'https://api.cohere.com:443/v1/chat',
      body: { chat_history: [{ role: 'USER', message: 'q1' }, { role: 'CHATBOT', message: 'a1' }], message: 'q2', model: 'command', max_tokens: 100, p: 0.3, stream: false } },
    { name: 'completions → /v1/generate', route: 'llm/v1/completions', request: { prompt: 'hi' }, url: 'https://api.cohere.com:443/v1/generate', body: { prompt: 'hi', model: 'command' }, partial: true },
    { name: 'embeddings → /v2/embed with the input type option', route: 'llm/v1/embeddings', ctx: { name: 'embed-v4.0' }, options: { cohere: { embedding_input_type: 'search_query' } },
      request: { input: 'hello', dimensions: 256 }, url: 'https://api.cohere.com:443/v2/embed',
      body: { model: 'embed-v4.0', texts: ['hello'], input_type: 'search_query', embedding_types: ['float'], output_dimension: 256 } },
    { name: 'llm_format cohere: the SDK operation after the route prefix', ctx: { llmFormat: 'cohere', clientPath: '/my/route/v2/rerank' }, request: { messages: [{ role: 'user', content: 'x' }] },
      url: 'https://api.cohere.com:443/v2/rerank', body: { model: 'command' }, partial: true },
  ],
  responses: [
    { name: 'a v2 chat answer with tool calls',
      answer: {
        id: 'r2', finish_reason: 'TOOL_CALL',
        message: { role: 'assistant', tool_plan: 'I will call f', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        usage: { billed_units: { input_tokens: 5, output_tokens: 7 } },
      },
      openai: { choices: [{ finish_reason: 'tool_calls', message: { content: 'I will call f', tool_calls: [{ id: 't1' }] } }] }, partial: true, usage: usage(5, 7) },
    { name: 'embeddings', route: 'llm/v1/embeddings', ctx: { name: 'embed-v4.0' },
      answer: { id: 'e1', embeddings: { float: [[0.1, 0.2]] }, texts: ['hello'], meta: { billed_units: { input_tokens: 3 } } },
      openai: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'embed-v4.0', usage: { prompt_tokens: 3, total_tokens: 3 } },
      usage: usage(3, 0) },
  ],
  errors: [
    { name: "an answer with neither text nor generations: Kong's 500", answer: '{"nothing":1}', status: 500,
      message: "transformation failed from type cohere://llm/v1/chat: 'text' or 'generations' missing from cohere response body" },
    { name: 'an answer that is not JSON: 500', answer: '{oops', status: 500, message: 'transformation failed from type cohere://llm/v1/chat: failed to decode cohere response' },
    { name: "prompt and messages together: Kong's 400", request: { prompt: 'x', messages: [{ role: 'user', content: 'y' }] }, status: 400,
      message: "cannot run a 'prompt' and a history of 'messages' at the same time - refer to schema" },
    { name: 'embeddings of token arrays: 400', route: 'llm/v1/embeddings', request: { input: [[1, 2]] }, status: 400, message: /^error transforming to cohere:\/\/llm\/v1\/embeddings/ },
  ],
  streams: [
    { name: 'cohere', context: { ctx: { clientPath: '/' } }, recordings: [{ name: 'chat', input: rec.cohereStream, usage: usage(57, 123) }] },
    { name: 'cohere completions', context: { route: 'llm/v1/completions', ctx: { clientPath: '/' } }, recordings: [{ name: 'generate', input: rec.cohereStream, usage: usage(57, 123) }] },
  ],
})

describe('cohere driver', () => {

  it('moves all but the last message into chat_history, maps tuning names', () => {
    const body = encode({
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'q1' }] },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q2' },
      ],
      top_p: 0.3, top_k: 4, stop: 'END', stream: true,
    }, ctx('llm/v1/chat', { max_tokens: 100, temperature: 0.5, top_p: 0.9 }))
    expect(body).toEqual({
      chat_history: [
        { role: 'USER', message: 'sys' },
        { role: 'USER', message: 'q1' },
        { role: 'CHATBOT', message: 'a1' },
      ],
      message: 'q2', model: 'command', max_tokens: 100, temperature: 0.5, p: 0.3, k: 4, stop_sequences: ['END'], stream: true,
    })
  })

  it('keeps tool requests OpenAI-shaped', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f', parameters: {} } }]
    const body = encode({ messages: [{ role: 'user', content: 'hi' }], tools }, ctx('llm/v1/chat', { max_tokens: 9 }))
    expect(body).toMatchObject({ messages: [{ role: 'user', content: 'hi' }], tools, model: 'command', max_tokens: 9, stream: false })
  })

  describe('stream', () => {
    const EVENTS = [
      '{"is_finished":false,"event_type":"stream-start","generation_id":"g-1"}',
      '{"is_finished":false,"event_type":"text-generation","text":"1 + 1"}',
      '{"is_finished":false,"event_type":"text-generation","text":" = 2 — ✓"}',
      '{"is_finished":true,"event_type":"stream-end","finish_reason":"COMPLETE","response":{"meta":{"billed_units":{"input_tokens":57,"output_tokens":123}}}}',
    ]
    const input = Buffer.from(EVENTS.join('\n') + '\n')

    function run(chunks: Buffer[], route: RouteType = 'llm/v1/chat') {
      const t = sseOf(cohereDriver.stream(ctx(route, {}, 'command', true)))
      const out = [...chunks.map((c) => t.push(c)), t.end()]
      return { t, out: Buffer.concat(out) }
    }

    it('turns NDJSON events into OpenAI chunks, usage and [DONE]', () => {
      const { t, out } = run([input])
      const f = frames(out) as Record<string, any>[]
      expect(f).toHaveLength(5)
      expect(f[0]).toMatchObject({ id: 'g-1', model: 'command', object: 'chat.completion.chunk', choices: [{ delta: { content: '', role: 'assistant' }, index: 0 }] })
      expect(f[1].choices).toEqual([{ delta: { content: '1 + 1' }, index: 0, finish_reason: null, logprobs: null }])
      expect(f[1].id).toBe('g-1')
      expect(f[3].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' })
      expect(f[4]).toBe('[DONE]')
      expect(t.text).toBe('1 + 1 = 2 — ✓')
      expect(t.usage).toEqual({ prompt_tokens: 57, completion_tokens: 123, total_tokens: 180 })
      expect(t.finishReason).toBe('stop')
    })

    it('forwards each event as soon as it is complete', () => {
      const t = sseOf(cohereDriver.stream(ctx('llm/v1/chat')))
      expect(frames(t.push(Buffer.from(EVENTS[0] + '\n' + EVENTS[1].slice(0, 20))))).toHaveLength(1)
      expect(frames(t.push(Buffer.from(EVENTS[1].slice(20))))).toHaveLength(1)
    })

    it('emits text_completion chunks on the completions route', () => {
      const f = frames(run([input], 'llm/v1/completions').out) as Record<string, any>[]
      expect(f[1]).toMatchObject({ object: 'text_completion', choices: [{ text: '1 + 1', index: 0, finish_reason: null }] })
    })

    it('ends with [DONE] when the upstream stops without stream-end', () => {
      const f = frames(run([Buffer.from(EVENTS[0] + '\n' + EVENTS[1])]).out)
      expect(f.at(-1)).toBe('[DONE]')
      expect(f).toHaveLength(3)
    })
  })

})
