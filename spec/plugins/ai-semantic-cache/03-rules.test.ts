// The cache's pure rules as tables: the prompt text (message_countback and the ignore_* flags),
// Cache-Control on requests and answers, and the shape of a served hit in each client format.
import { describe, expect, it } from 'vitest'
import { cacheKey, MAX_PROMPT_CHARS, promptText, type PromptRules } from '../../../plugins/ai-semantic-cache/prompt-text.ts'
import { answerTtl, requestBypasses } from '../../../plugins/ai-semantic-cache/cache-control.ts'
import { hitAnswer } from '../../../plugins/ai-semantic-cache/serve-hit.ts'
import { anthropicFormat } from '../../../plugins/llm/formats/anthropic.ts'

const ALL: PromptRules = { countback: 1, system: true, assistant: true, tool: true }
const CONVO = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: 'hello' },
  { role: 'tool', content: [{ type: 'text', text: '42' }] },
  { role: 'user', content: 'and now?' },
]

describe('prompt text', () => {
  it.each([
    ['countback 1: the last message only', ALL, 'user: and now?\n\n'],
    ['countback 2: newest first, a non-string content JSON-encoded', { ...ALL, countback: 2 }, 'user: and now?\n\ntool: [{"type":"text","text":"42"}]\n\n'],
    ['countback 5: every role', { ...ALL, countback: 5 }, 'user: and now?\n\ntool: [{"type":"text","text":"42"}]\n\nassistant: hello\n\nuser: hi\n\nsystem: be brief\n\n'],
    ['ignore tool: skipped but counted in the window', { ...ALL, countback: 2, tool: false }, 'user: and now?\n\n'],
    ['ignore assistant and system', { countback: 1000, system: false, assistant: false, tool: true }, 'user: and now?\n\ntool: [{"type":"text","text":"42"}]\n\nuser: hi\n\n'],
    ['ignore all but users', { countback: 1000, system: false, assistant: false, tool: false }, 'user: and now?\n\nuser: hi\n\n'],
  ])('%s', (_name, rules, text) => {
    expect(promptText(CONVO, rules)).toBe(text)
  })

  it.each([
    ['other roles never count', [{ role: 'developer', content: 'x' }, { role: 'function', content: 'y' }], ''],
    ['not objects', [null, 1, 'user', ['user']], ''],
    ['a role that is not a string', [{ role: { toString: 'user' }, content: 'x' }], ''],
    ['inherited role and content do not count', [Object.create({ role: 'user', content: 'x' })], ''],
    ['prototype keys in a message', [JSON.parse('{"__proto__":{"role":"user"},"role":"user","content":"x"}')], 'user: x\n\n'],
    ['missing content', [{ role: 'user' }], 'user: null\n\n'],
  ])('hostile messages: %s', (_name, messages, text) => {
    expect(promptText(messages as unknown[], { ...ALL, countback: 10 })).toBe(text)
    expect(({} as Record<string, unknown>).role).toBeUndefined()
  })

  it('refuses a text over MAX_PROMPT_CHARS (not embedded, not cached)', () => {
    expect(promptText([{ role: 'user', content: 'x'.repeat(MAX_PROMPT_CHARS + 1) }], ALL)).toBeNull()
    expect(promptText([{ role: 'user', content: 'x'.repeat(MAX_PROMPT_CHARS - 20) }], ALL)).not.toBeNull()
  })

  it('keys by SHA-256 hex of the text', () => {
    expect(cacheKey('user: hi\n\n')).toMatch(/^[0-9a-f]{64}$/)
    expect(cacheKey('a')).not.toBe(cacheKey('b'))
  })
})

describe('cache control', () => {
  it.each([
    [undefined, undefined, false],
    ['no-store', undefined, true],
    ['No-Cache', undefined, true],
    ['max-age=0, no-cache', undefined, true],
    ['no-cache="set-cookie"', undefined, true],
    ['max-age=60', undefined, false],
    ['no-transform', undefined, false],
    ['x-no-store', undefined, false],
    [undefined, 'Bearer x', true],
  ])('request Cache-Control %j, Authorization %j: bypass %s', (cc, auth, bypass) => {
    expect(requestBypasses(cc, auth)).toBe(bypass)
  })

  it.each([
    [undefined, null],
    ['public', null],
    ['private', 0],
    ['no-store', 0],
    ['no-cache', 0],
    ['max-age=0', 0],
    ['max-age=60', 60],
    ['max-age=60, s-maxage=30', 30],
    ['s-maxage=30, max-age=60', 30],
    ['max-age="15"', 15],
    ['max-age=-1', null],
    ['max-age=1e9', null],
    [`${'a,'.repeat(10000)}max-age=5`, null],
  ])('answer Cache-Control %j: TTL %j', (cc, ttl) => {
    expect(answerTtl(cc)).toBe(ttl)
  })
})

const STORED = JSON.stringify({
  id: 'chatcmpl-9', object: 'chat.completion', created: 1, model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'cached text' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
})

describe('a served hit', () => {
  it('JSON: the stored answer with the key as id, its usage and model', () => {
    const h = hitAnswer(STORED, 'ns:k', false, false, null)!
    expect(h.contentType).toBe('application/json; charset=utf-8')
    expect(JSON.parse(h.body.toString())).toMatchObject({ id: 'ns:k', choices: [{ message: { content: 'cached text' } }] })
    expect([h.usage, h.model]).toEqual([{ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }, 'gpt-4o'])
  })

  it('SSE: the whole content, the finish reason, the usage when asked, [DONE]', () => {
    const h = hitAnswer(STORED, 'ns:k', true, true, null)!
    expect(h.contentType).toBe('text/event-stream')
    const events = h.body.toString().split('\n\n').filter(Boolean)
    expect(events.at(-1)).toBe('data: [DONE]')
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>)
    expect(chunks).toMatchObject([
      { id: 'ns:k', object: 'chat.completion.chunk', model: 'gpt-4o', choices: [{ delta: { role: 'assistant', content: 'cached text' }, finish_reason: null }] },
      { choices: [{ delta: {}, finish_reason: 'stop' }] },
      { choices: [], usage: { total_tokens: 7 } },
    ])
  })

  it('a tool call is replayed as a tool-call delta', () => {
    const stored = JSON.stringify({ model: 'm', choices: [{ message: { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' }] })
    const first = JSON.parse(hitAnswer(stored, 'k', true, false, null)!.body.toString().split('\n\n')[0]!.slice(6)) as { choices: { delta: { tool_calls: unknown[] } }[] }
    expect(first.choices[0]!.delta.tool_calls).toEqual([{ index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }])
  })

  it('in the Anthropic format: a message, or its event stream', () => {
    const json = JSON.parse(hitAnswer(STORED, 'k', false, false, anthropicFormat)!.body.toString()) as Record<string, unknown>
    expect(json).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'cached text' }] })
    const sse = hitAnswer(STORED, 'k', true, false, anthropicFormat)!.body.toString()
    expect(sse).toContain('event: message_start')
    expect(sse).toContain('cached text')
    expect(sse).toContain('event: message_stop')
  })

  it.each([
    ['not JSON', '{"choices":'],
    ['not an object', '[1,2]'],
    ['null', 'null'],
    ['no choices', '{"id":"x"}'],
    ['choices not an array', '{"choices":{"0":{}}}'],
  ])('a stored entry that is %s is no hit', (_name, stored) => {
    expect(hitAnswer(stored, 'k', false, false, null)).toBeNull()
    expect(hitAnswer(stored, 'k', true, false, null)).toBeNull()
  })

  it('prototype keys in a stored answer stay data', () => {
    const h = hitAnswer('{"__proto__":{"polluted":1},"choices":[{"message":{"__proto__":{"content":"x"}},"finish_reason":"stop"}]}', 'k', true, false, null)!
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const first = JSON.parse(h.body.toString().split('\n\n')[0]!.slice(6)) as { choices: { delta: { content: unknown } }[] }
    expect(first.choices[0]!.delta.content).toBeNull()
  })
})
