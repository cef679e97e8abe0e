import { describe, expect, it } from 'vitest'
import Anthropic from '@anthropic-ai/sdk'
import { anthropicFormat } from '../../../../plugins/llm/formats/anthropic.ts'
import { anthropicDriver } from '../../../../plugins/llm/drivers/anthropic.ts'
import type { DriverContext } from '../../../../plugins/llm/types.ts'

// A Claude Code style request: system as cached text blocks, tool use and results, an image
const CLAUDE_REQUEST = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Be brief.' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'List files' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
    {
      role: 'assistant', content: [
        { type: 'thinking', thinking: 'let me see', signature: 'sig' },
        { type: 'text', text: 'Running ls.' },
        { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
        { type: 'tool_use', id: 'toolu_2', name: 'Bash', input: { command: 'pwd' } },
      ],
    },
    {
      role: 'user', content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt\nb.txt' },
        { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '/home' }], is_error: false },
        { type: 'text', text: 'and now?', cache_control: { type: 'ephemeral' } },
      ],
    },
  ],
  tools: [
    { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
    { type: 'web_search_20250305', name: 'web_search', max_uses: 2 },
  ],
  tool_choice: { type: 'any', disable_parallel_tool_use: true },
  stop_sequences: ['STOP'],
  temperature: 0.2,
  top_k: 3,
  metadata: { user_id: 'user-42' },
  stream: true,
}

describe('anthropic format: request', () => {
  it('is native for the anthropic provider only', () => {
    expect(anthropicFormat.nativeFor('anthropic')).toBe(true)
    expect(anthropicFormat.nativeFor('openai')).toBe(false)
    expect(anthropicFormat.nativeFor('bedrock')).toBe(false)
  })

  it('turns a Claude Code request into an OpenAI chat request', () => {
    const { request, model, stream } = anthropicFormat.parseRequest(CLAUDE_REQUEST, '/v1/messages')
    expect(model).toBe('claude-sonnet-4-5')
    expect(stream).toBe(true)
    expect(request).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      temperature: 0.2,
      top_k: 3,
      stop: ['STOP'],
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-42',
      messages: [
        { role: 'system', content: 'You are Claude Code.\nBe brief.' },
        { role: 'user', content: [{ type: 'text', text: 'List files' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        {
          role: 'assistant', content: 'Running ls.', tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'Bash', arguments: '{"command":"pwd"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'a.txt\nb.txt' },
        { role: 'tool', tool_call_id: 'toolu_2', content: '/home' },
        { role: 'user', content: 'and now?' },
      ],
      // server tools (no input_schema) have no OpenAI equivalent
      tools: [{ type: 'function', function: { name: 'Bash', description: 'Run a command', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
    })
  })

  it.for([
    [{ type: 'auto' }, 'auto'], [{ type: 'none' }, 'none'], [{ type: 'tool', name: 'f' }, { type: 'function', function: { name: 'f' } }],
  ] as const)('tool_choice %j → %j', ([choice, want]) => {
    expect(anthropicFormat.parseRequest({ messages: [{ role: 'user', content: 'x' }], tool_choice: choice }, '/v1/messages').request.tool_choice).toEqual(want)
  })

  it('a string system, url images and documents; no body gives no messages', () => {
    const { request, stream } = anthropicFormat.parseRequest({
      system: 'S',
      messages: [{ role: 'user', content: [
        { type: 'image', source: { type: 'url', url: 'https://x/cat.png' } },
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
      ] }],
    }, '/v1/messages')
    expect(stream).toBe(false)
    expect(request.messages).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/cat.png' } }, { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } }] },
    ])
    expect(anthropicFormat.parseRequest(null, '/v1/messages')).toEqual({ request: {}, model: null, stream: false })
  })

  it('survives the trip through the anthropic driver (same messages, system and tools back)', () => {
    const { request } = anthropicFormat.parseRequest({ ...CLAUDE_REQUEST, stream: false }, '/v1/messages')
    const ctx: DriverContext = { route: 'llm/v1/chat', model: { provider: 'anthropic', name: 'claude-sonnet-4-5', options: {} }, stream: false, clientPath: '/v1/messages', clientQuery: '' }
    const back = JSON.parse(anthropicDriver.encodeRequest(request, Buffer.alloc(0), ctx)!)
    expect(back.system).toBe('You are Claude Code.\nBe brief.')
    expect(back.messages[1]).toEqual({ role: 'assistant', content: CLAUDE_REQUEST.messages[1]!.content.slice(1) })
    expect(back.messages[2].content.map((b: { type: string }) => b.type)).toEqual(['tool_result', 'tool_result'])
    expect(back.tools[0]).toEqual(CLAUDE_REQUEST.tools[0])
    expect(back.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true })
    expect(back).toMatchObject({ max_tokens: 1024, temperature: 0.2, top_k: 3, stop_sequences: ['STOP'], metadata: { user_id: 'user-42' } })
  })
})

describe('anthropic format: answer', () => {
  it('writes an OpenAI answer with text and tool calls as an Anthropic message', () => {
    const out = JSON.parse(anthropicFormat.encodeResponse({
      id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'Let me check.', tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ] } }],
      usage: { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37, prompt_tokens_details: { cached_tokens: 10 } },
    }))
    expect(out).toEqual({
      id: 'chatcmpl-1', type: 'message', role: 'assistant', model: 'gpt-4o',
      content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }],
      stop_reason: 'tool_use', stop_sequence: null,
      usage: { input_tokens: 20, cache_read_input_tokens: 10, output_tokens: 7 },
    })
  })

  it.for([['stop', 'end_turn'], ['length', 'max_tokens'], ['content_filter', 'refusal'], [null, 'end_turn']] as const)('finish_reason %s → stop_reason %s', ([finish, stop]) => {
    const out = JSON.parse(anthropicFormat.encodeResponse({ choices: [{ message: { content: 'x' }, finish_reason: finish }] }))
    expect(out.stop_reason).toBe(stop)
  })

  it('keeps tool_use when a provider says "stop" after tool calls; Kong usage strings count as zero', () => {
    const out = JSON.parse(anthropicFormat.encodeResponse({
      choices: [{ message: { content: null, tool_calls: [{ id: 'c', function: { name: 'f', arguments: '' } }] }, finish_reason: 'stop' }],
      usage: 'no usage data returned from upstream',
    }))
    expect(out.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: {} }])
    expect(out.stop_reason).toBe('tool_use')
    expect(out.usage).toEqual({ input_tokens: 0, output_tokens: 0 })
  })

  it('an OpenAI error object becomes an Anthropic error', () => {
    expect(JSON.parse(anthropicFormat.encodeResponse({ error: { message: 'bad', type: 'invalid_request_error' } })))
      .toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'bad' } })
  })

  it('reads native usage and model for statistics', () => {
    expect(anthropicFormat.usageOf!({ model: 'claude-x', usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 3 } }))
      .toEqual({ usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 }, model: 'claude-x' })
    expect(anthropicFormat.usageOf!({})).toEqual({ usage: null, model: null })
  })
})

describe('anthropic format: stream', () => {
  const chunk = (delta: object, finish: string | null = null, extra: object = {}) =>
    ({ id: 'chatcmpl-9', object: 'chat.completion.chunk', model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })
  const CHUNKS = [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Hello' }),
    chunk({ content: ' wörld' }),
    chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
    chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] }),
    chunk({}, 'tool_calls'),
    { id: 'chatcmpl-9', object: 'chat.completion.chunk', model: 'gpt-4o', choices: [], usage: { prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 } },
  ]

  function encodeAll(chunks: Record<string, unknown>[]): string {
    const enc = anthropicFormat.streamEncoder()
    return Buffer.concat([...chunks.map((c) => enc.push(c)), enc.end(), enc.end()]).toString('utf8')
  }
  function events(sse: string): { event: string; data: Record<string, unknown> }[] {
    return sse.split('\n\n').filter(Boolean).map((e) => {
      const [ev, data] = e.split('\n')
      expect(ev!.startsWith('event: ')).toBe(true)
      return { event: ev!.slice(7), data: JSON.parse(data!.slice(6)) }
    })
  }

  it('writes the Anthropic event sequence, blocks opened and closed in order, usage at the end', () => {
    const evs = events(encodeAll(CHUNKS))
    expect(evs.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ])
    for (const e of evs) expect(e.data.type).toBe(e.event)
    expect(evs[0]!.data.message).toMatchObject({ id: 'chatcmpl-9', model: 'gpt-4o', role: 'assistant', content: [] })
    expect(evs[5]!.data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'f', input: {} } })
    expect(evs[6]!.data).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"x":' } })
    expect(evs[12]!.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 11, output_tokens: 6 } })
  })

  it('the Anthropic SDK accumulates it into the right message', async () => {
    const body = encodeAll(CHUNKS)
    const client = new Anthropic({
      apiKey: 'k', baseURL: 'http://127.0.0.1:1', maxRetries: 0,
      fetch: async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    })
    const msg = await client.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
    expect(msg.content).toEqual([
      { type: 'text', text: 'Hello wörld' },
      { type: 'tool_use', id: 'call_a', name: 'f', input: { x: 1 } },
      { type: 'tool_use', id: 'call_b', name: 'g', input: {} },
    ])
    expect(msg.stop_reason).toBe('tool_use')
    expect(msg.usage).toMatchObject({ input_tokens: 11, output_tokens: 6 })
  })

  it('a stream with no chunk is still a complete message; an error chunk becomes an error event', () => {
    expect(events(encodeAll([])).map((e) => e.event)).toEqual(['message_start', 'message_delta', 'message_stop'])
    const evs = events(encodeAll([chunk({ content: 'a' }), { error: true, message: 'empty or unsupported transformer response' }]))
    expect(evs.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'empty or unsupported transformer response' } } })
  })

  it('a text-only stream ends with end_turn, or max_tokens on length', () => {
    const stop = (finish: string) => events(encodeAll([chunk({ content: 'a' }), chunk({}, finish)])).at(-2)!.data.delta
    expect(stop('stop')).toEqual({ stop_reason: 'end_turn', stop_sequence: null })
    expect(stop('length')).toEqual({ stop_reason: 'max_tokens', stop_sequence: null })
  })
})
