import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { llmErrors } from '../../../../plugins/llm/errors.ts'
import { anthropicDriver } from '../../../../plugins/llm/drivers/anthropic.ts'
import type { LlmRequest } from '../../../../plugins/llm/types.ts'
import { sseOf } from '../helpers/sse-of.ts'
import { ctx, decode, encode, thrown } from '../helpers/anthropic-calls.ts'
import { describeDriver } from './driver.case.ts'
import * as rec from '../transcoders/recordings.ts'

const OWN = fileURLToPath(new URL('../../../fixtures/ai-proxy/anthropic/', import.meta.url))


const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion })
const HEADERS = [['anthropic-version', '2023-06-01'], ['accept-encoding', 'identity']] as const

describeDriver('anthropic', {
  driver: anthropicDriver,
  ctx: (c) => ({ ...ctx(c.route, c.options, c.stream, c.ctx?.name === undefined ? 'claude-2.1' : c.ctx.name), ...c.ctx }),
  requests: [
    { name: 'chat → /v1/messages with anthropic-version, uncompressed', request: { messages: [{ role: 'system', content: 'S.' }, { role: 'user', content: 'hi' }] },
      url: 'https://api.anthropic.com:443/v1/messages', headers: HEADERS, body: { model: 'claude-2.1', system: 'S.', messages: [{ role: 'user', content: 'hi' }], stream: false } },
    { name: 'completions → /v1/complete', route: 'llm/v1/completions', options: { max_tokens: 9 }, request: { prompt: 'Hi' },
      url: 'https://api.anthropic.com:443/v1/complete', headers: HEADERS, body: { model: 'claude-2.1', prompt: 'Human: Hi\n\nAssistant:', max_tokens_to_sample: 9, stream: false } },
    { name: 'anthropic_version from model.options', options: { anthropic_version: '2024-01-01' }, request: { messages: [{ role: 'user', content: 'x' }] },
      url: 'https://api.anthropic.com:443/v1/messages', headers: [['anthropic-version', '2024-01-01'], ['accept-encoding', 'identity']], body: { model: 'claude-2.1' }, partial: true },
    { name: 'preserve: the client path and body unchanged', route: 'preserve', request: { anything: 1 },
      url: 'https://api.anthropic.com:443/client/path?a=1', body: null },
  ],
  responses: [
    { name: 'text, thinking and tool_use blocks; cache tokens count as prompt tokens',
      answer: {
        id: 'msg_1', model: 'claude-x', stop_reason: 'tool_use',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'a' },
          { type: 'tool_use', id: 'toolu_1', name: 'f', input: { x: 1 } },
          { type: 'text', text: 'b' },
        ],
        usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 1 },
      },
      openai: {
        id: 'msg_1', object: 'chat.completion', model: 'claude-x',
        choices: [{
          index: 0, finish_reason: 'tool_calls',
          message: { role: 'assistant', content: 'a\nb', reasoning_content: 'hmm', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] },
        }],
        usage: { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20, prompt_tokens_details: { cached_tokens: 4 } },
      },
      partial: true, usage: usage(15, 5), model: 'claude-x' },
    { name: 'legacy completion', route: 'llm/v1/completions', answer: { completion: ' Hi', stop_reason: 'stop_sequence', model: 'claude-2' },
      openai: { object: 'text_completion', choices: [{ index: 0, text: ' Hi', finish_reason: 'stop' }] }, partial: true, usage: null },
  ],
  errors: [
    { name: 'an answer that is not JSON: 500', answer: 'not json', status: 500, message: 'transformation failed from type anthropic://llm/v1/chat: failed to decode anthropic response' },
    { name: 'a completion without `completion`: 500', route: 'llm/v1/completions', answer: { error: 'x' }, status: 500,
      message: "transformation failed from type anthropic://llm/v1/completions: 'completion' not in anthropic://llm/v1/chat response" },
    { name: 'a prompt on the chat route: 400', request: { prompt: 'x' }, status: 400, message: 'error transforming to anthropic://llm/v1/chat' },
    { name: 'tool_call arguments that are not JSON: 400', request: { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{bad' } }] }] },
      status: 400, message: /^error transforming to anthropic:\/\/llm\/v1\/chat/ },
  ],
  streams: [
    { name: 'anthropic', context: { ctx: { clientPath: '/', clientQuery: '' } }, model: 'claude-2.1', recordings: [
      { name: 'text', input: rec.anthropicChat, usage: usage(15, 9) },
      { name: 'tools', input: rec.anthropicTools },
      { name: 'error midway', input: rec.anthropicError, error: true },
    ] },
    { name: 'anthropic completions', context: { route: 'llm/v1/completions', ctx: { clientPath: '/', clientQuery: '' } }, recordings: [{ name: 'legacy complete', input: rec.anthropicComplete }] },
  ],
})

describe('anthropic driver: native client paths', () => {
  it('a native Anthropic client (llm_format anthropic) keeps the API part of its path', () => {
    const native = (clientPath: string) => anthropicDriver.target({ ...ctx(), clientPath, llmFormat: 'anthropic' }).path
    expect(native('/claude/v1/messages')).toBe('/v1/messages')
    expect(native('/claude/v1/messages/count_tokens')).toBe('/v1/messages/count_tokens')
    expect(native('/claude')).toBe('/v1/messages')
    expect([...anthropicDriver.routes].sort()).toEqual(['llm/v1/chat', 'llm/v1/completions', 'preserve'])
  })
})


describe('anthropic driver: request conversion', () => {
  it('lifts every system/developer message into `system` and keeps only role and content', () => {
    const out = encode({
      messages: [
        { role: 'system', content: 'A.' },
        { role: 'user', content: 'hi', name: 'bob' },
        { role: 'developer', content: [{ type: 'text', text: 'B.' }] },
      ],
    })
    expect(out.system).toBe('A.\nB.')
    expect(out.messages).toEqual([{ role: 'user', content: 'hi' }])
    expect(out).toMatchObject({ model: 'claude-2.1', stream: false })
    expect(out).not.toHaveProperty('max_tokens')
  })

  it('request values win, plugin options are defaults; max_completion_tokens is a max_tokens fallback', () => {
    const req: LlmRequest = { messages: [{ role: 'user', content: 'x' }], max_tokens: 256, top_p: 0.2 }
    expect(encode(req, ctx('llm/v1/chat', { max_tokens: 1024, top_p: 0.5, temperature: 0.7, top_k: 5 }))).toMatchObject({ max_tokens: 256, temperature: 0.7, top_p: 0.2, top_k: 5 })
    expect(encode({ messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 77 })).toMatchObject({ max_tokens: 77 })
  })

  it('maps stop to stop_sequences, user to metadata, merges extra_body, and takes stream from the context', () => {
    const out = encode({ messages: [{ role: 'user', content: 'x' }], stop: 'END', user: 'u-1', extra_body: { thinking: { type: 'enabled', budget_tokens: 1024 } } }, ctx('llm/v1/chat', {}, true))
    expect(out).toMatchObject({ stop_sequences: ['END'], metadata: { user_id: 'u-1' }, thinking: { type: 'enabled', budget_tokens: 1024 }, stream: true })
    expect(encode({ messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b'] }).stop_sequences).toEqual(['a', 'b'])
  })

  it('uses the request model when the config has none', () => {
    expect(encode({ model: 'claude-3-haiku', messages: [{ role: 'user', content: 'x' }] }, ctx('llm/v1/chat', {}, false, null)).model).toBe('claude-3-haiku')
  })

  it('converts tools, tool_calls and tool results (parallel results in one user turn)', () => {
    const out = encode({
      messages: [
        { role: 'user', content: 'weather in Paris and Rome?' },
        {
          role: 'assistant', content: 'Checking.', tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '21C' }] },
        { role: 'user', content: 'thanks' },
      ],
      tools: [
        { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
        { type: 'function', function: { name: 'now' } },
      ],
      parallel_tool_calls: false,
    })
    expect(out.messages).toEqual([
      { role: 'user', content: 'weather in Paris and Rome?' },
      {
        role: 'assistant', content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user', content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '21C' }] },
        ],
      },
      { role: 'user', content: 'thanks' },
    ])
    expect(out.tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ])
    expect(out.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true })
  })

  it('rejects tool_call arguments that are not JSON with Kong\'s 400', () => {
    const e = thrown(() => encode({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] }))
    expect(e.code).toBe(llmErrors.badRequest.code)
    expect(e.status).toBe(400)
    expect(e.message).toBe('error transforming to anthropic://llm/v1/chat')
  })

  it('turns base64 data URIs into base64 image blocks and URLs into url blocks', () => {
    const out = encode({
      messages: [{
        role: 'user', content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
        ],
      }],
    })
    expect(out.messages[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ])
  })

  it('response_format json_schema becomes a forced tool', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } } }
    const out = encode({ messages: [{ role: 'user', content: '1+1' }], response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } })
    expect(out.tools).toEqual([{ name: 'kong_inc_to_structured_output', description: 'Responds with strict structured output.', input_schema: schema }])
    expect(out.tool_choice).toEqual({ type: 'tool', name: 'kong_inc_to_structured_output' })
  })

  it('completions: prompt becomes Human/Assistant text; a body without messages or prompt is a 400', () => {
    expect(encode({ prompt: 'Hi' }, ctx('llm/v1/completions', { max_tokens: 9 }))).toEqual({ model: 'claude-2.1', prompt: 'Human: Hi\n\nAssistant:', max_tokens_to_sample: 9, stream: false })
    expect(thrown(() => encode({ prompt: 'x' })).message).toBe('error transforming to anthropic://llm/v1/chat')
    expect(thrown(() => encode({ messages: [] as never }, ctx('llm/v1/completions'))).message).toBe('error transforming to anthropic://llm/v1/completions')
  })
})

describe('anthropic driver: response conversion', () => {
  it.for([
    ['end_turn', 'stop'], ['stop_sequence', 'stop'], ['max_tokens', 'length'], ['tool_use', 'tool_calls'],
    ['guardrail_intervened', 'guardrail_intervened'], [undefined, 'stop'],
  ] as const)('stop_reason %s → finish_reason %s', ([stop, finish]) => {
    expect(JSON.parse(decode({ content: [{ type: 'text', text: 'x' }], stop_reason: stop }).body!).choices[0].finish_reason).toBe(finish)
  })

  it('only tool calls: content is null', () => {
    const out = JSON.parse(decode({ content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'tool_use' }).body!)
    expect(out.choices[0].message.content).toBeNull()
  })

  it('the structured-output tool comes back as the message content', () => {
    const out = JSON.parse(decode({ content: [{ type: 'tool_use', id: 't', name: 'kong_inc_to_structured_output', input: { answer: 2 } }], stop_reason: 'tool_use' }).body!)
    expect(out.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: '{"answer":2}' } })
    expect(out.choices[0].message).not.toHaveProperty('tool_calls')
  })

})

describe('anthropic driver: stream transcoder', () => {
  beforeEach(() => { vi.useFakeTimers(); vi.setSystemTime(new Date('2025-01-02T03:04:05Z')) })
  afterEach(() => { vi.useRealTimers() })

  const CREATED = Math.floor(Date.parse('2025-01-02T03:04:05Z') / 1000)
  const kongStream = readFileSync(OWN + 'stream/llm-v1-chat.txt')
  const toolStream = readFileSync(OWN + 'stream/llm-v1-chat-tools.txt')

  function run(chunks: Buffer[], c = ctx('llm/v1/chat', {}, true)) {
    const t = sseOf(anthropicDriver.stream(c))
    const out = Buffer.concat([...chunks.map((b) => t.push(b)), t.end()])
    return { t, out: out.toString('utf8') }
  }
  function dataLines(sse: string): string[] {
    return sse.split('\n\n').filter((s) => s !== '').map((s) => { expect(s.startsWith('data: ')).toBe(true); return s.slice(6) })
  }

  it('converts Kong\'s anthropic stream (09-streaming) into OpenAI chunks, then [DONE]', () => {
    const { t, out } = run([kongStream])
    const lines = dataLines(out)
    const base = { id: 'msg_013NVLwA2ypoPDJAxqC3G7wg', object: 'chat.completion.chunk', created: CREATED, model: 'claude-2.1' }
    const chunk = (delta: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: '1' }), chunk({ content: ' +' }), chunk({ content: ' 1' }), chunk({ content: ' =' }), chunk({ content: ' 2' }),
      // Kong ≥3.14.0.7 sends the finish reason in its own chunk; Kong 3.10's count was 8 events
      chunk({}, 'stop'),
    ])
    expect(lines.at(-1)).toBe('[DONE]')
    expect(t.text).toBe('1 + 1 = 2')
    expect(t.finishReason).toBe('stop')
    expect(t.usage).toEqual({ prompt_tokens: 15, completion_tokens: 9, total_tokens: 24 })
  })

  it('converts text and parallel tool calls with per-tool indexes (CRLF capture, multi-byte text)', () => {
    const { t, out } = run([toolStream])
    const chunks = dataLines(out).slice(0, -1).map((l) => JSON.parse(l))
    const deltas = chunks.map((c) => c.choices[0].delta)
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { role: 'assistant', content: '' },
      { content: 'Je vérifie la météo ☀️ à 東京' },
      { content: ' et à Paris.' },
      { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"location": "東京' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"}' } }] },
      { role: 'assistant', content: null, tool_calls: [{ index: 1, id: 'toolu_02Paris', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"location": "Paris"}' } }] },
      {},
    ])
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls')
    expect(chunks[0].model).toBe('claude-2.1') // the configured name, as Kong
    expect(t.usage).toEqual({ prompt_tokens: 572, completion_tokens: 89, total_tokens: 661 })
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true)
  })

  it('sends each complete event at once, nothing before its end', () => {
    const t = sseOf(anthropicDriver.stream(ctx('llm/v1/chat', {}, true)))
    const first = kongStream.indexOf('\n\n') + 2
    expect(t.push(kongStream.subarray(0, first - 1)).length).toBe(0)
    expect(t.push(kongStream.subarray(first - 1, first)).toString()).toMatch(/^data: .*"role":"assistant"/)
  })

  it('uses the upstream model when the config has none, and synthesises [DONE] once when message_stop is missing', () => {
    const cut = kongStream.indexOf('event: message_stop')
    const t = sseOf(anthropicDriver.stream(ctx('llm/v1/chat', {}, true, null)))
    const out = t.push(kongStream.subarray(0, cut)).toString()
    expect(JSON.parse(dataLines(out)[0]!).model).toBe('claude-2.1')
    expect(t.end().toString()).toBe('data: [DONE]\n\n')
    expect(t.end().length).toBe(0)
  })

  it('stream without event names, an error event, and a structured-output tool stream', () => {
    const ev = (o: object) => `data: ${JSON.stringify(o)}\n\n`
    const raw = [
      ev({ type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 3, output_tokens: 0 } } }),
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'kong_inc_to_structured_output', input: {} } }),
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } }),
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } }),
      ev({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 4 } }),
      `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`,
    ].join('')
    const { t, out } = run([Buffer.from(raw)])
    const lines = dataLines(out)
    expect(t.text).toBe('{"a":1}')
    expect(t.finishReason).toBe('stop')
    expect(JSON.parse(lines[lines.length - 2]!)).toEqual({ error: { type: 'overloaded_error', message: 'Overloaded' } })
    expect(lines.at(-1)).toBe('[DONE]')
  })

  it('legacy completions stream becomes text_completion chunks', () => {
    const raw = 'event: completion\ndata: {"type":"completion","completion":" Hi","stop_reason":null,"model":"claude-2"}\n\n'
      + 'event: completion\ndata: {"type":"completion","completion":"","stop_reason":"stop_sequence","model":"claude-2"}\n\n'
    const { t, out } = run([Buffer.from(raw)], ctx('llm/v1/completions', {}, true))
    const lines = dataLines(out)
    expect(JSON.parse(lines[0]!)).toMatchObject({ object: 'text_completion', choices: [{ text: ' Hi', finish_reason: null }] })
    expect(JSON.parse(lines[1]!).choices[0].finish_reason).toBe('stop')
    expect(t.text).toBe(' Hi')
    expect(lines.at(-1)).toBe('[DONE]')
  })
})
