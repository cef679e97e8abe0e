// What the guard reads (Kong's guard-prompt: newest to oldest, user messages or every role, the
// newest only with allow_all_conversation_history) and where the decorator writes in each native
// format (the client's objects kept, prototype keys inert).
import { describe, expect, it } from 'vitest'
import { promptText } from '../../../plugins/ai-prompt-guard/prompt-text.ts'
import { decorateBody } from '../../../plugins/ai-prompt-decorator/decorate-body.ts'
import type { DecoratorMessage } from '../../../plugins/ai-prompt-decorator/schema.ts'

const CHAT = {
  messages: [
    { role: 'system', content: 'You are a cheese expert.' },
    { role: 'user', content: 'Tell me about leicester.' },
    { role: 'assistant', content: 'It is orange.' },
    { role: 'user', content: 'And cheddar?' },
  ],
}

describe('the text the guard checks', () => {
  it.each([
    ['user messages, newest first', false, false, 'And cheddar? Tell me about leicester.'],
    ['the newest user message only', false, true, 'And cheddar?'],
    ['every role', true, false, 'And cheddar? It is orange. Tell me about leicester. You are a cheese expert.'],
  ])('%s', (_n, allRoles, newestOnly, text) => {
    expect(promptText(CHAT, allRoles, newestOnly)).toBe(text)
  })

  it.each([
    ['a completions prompt', { prompt: 'hi' }, 'hi'],
    ['text parts joined', { messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'input_text', text: 'b' }] }] }, 'a b'],
    ['no user message', { messages: [{ role: 'system', content: 'x' }] }, ''],
    ['a non-string content in a skipped role', { messages: [{ role: 'tool', content: 1 }, { role: 'user', content: 'y' }] }, 'y'],
  ] as const)('%s', (_n, req, text) => {
    expect(promptText(req as never, false, false)).toBe(text)
  })

  it.each([
    ['null', null],
    ['no messages nor prompt', {}],
    ['a prompt array', { prompt: ['a'] }],
    ['a message that is a string', { messages: ['hi'] }],
    ['a message without role', { messages: [{ content: 'hi' }] }],
    ['a numeric role', { messages: [{ role: 1, content: 'hi' }] }],
    ['a user content object', { messages: [{ role: 'user', content: { text: 'hi' } }] }],
    ['a null part', { messages: [{ role: 'user', content: [null] }] }],
  ] as const)('unreadable: %s', (_n, req) => {
    expect(promptText(req as never, false, false)).toBeNull()
  })
})

const P = (role: DecoratorMessage['role'], content: string): DecoratorMessage => ({ role, content })
const PROMPTS = { prepend: [P('system', 'S1'), P('user', 'U0')], append: [P('assistant', 'A9'), P('system', 'S9')] }

describe('decoration in each format', () => {
  it.each([
    ['openai', { model: 'm', messages: [{ role: 'user', content: 'q' }] },
      { model: 'm', messages: [{ role: 'system', content: 'S1' }, { role: 'user', content: 'U0' }, { role: 'user', content: 'q' }, { role: 'assistant', content: 'A9' }, { role: 'system', content: 'S9' }] }],
    ['anthropic', { system: 'base', messages: [{ role: 'user', content: 'q' }] },
      { system: [{ type: 'text', text: 'S1' }, { type: 'text', text: 'base' }, { type: 'text', text: 'S9' }], messages: [{ role: 'user', content: 'U0' }, { role: 'user', content: 'q' }, { role: 'assistant', content: 'A9' }] }],
    ['gemini', { system_instruction: { parts: [{ text: 'base' }] }, contents: { role: 'user', parts: [{ text: 'q' }] } },
      { system_instruction: { parts: [{ text: 'S1' }, { text: 'base' }, { text: 'S9' }] }, contents: [{ role: 'user', parts: [{ text: 'U0' }] }, { role: 'user', parts: [{ text: 'q' }] }, { role: 'model', parts: [{ text: 'A9' }] }] }],
    ['bedrock', { system: [{ text: 'base' }], messages: [{ role: 'user', content: [{ text: 'q' }] }] },
      { system: [{ text: 'S1' }, { text: 'base' }, { text: 'S9' }], messages: [{ role: 'user', content: [{ text: 'U0' }] }, { role: 'user', content: [{ text: 'q' }] }, { role: 'assistant', content: [{ text: 'A9' }] }] }],
    ['cohere', { message: 'q', chat_history: [{ role: 'USER', message: 'h' }] },
      { message: 'q', chat_history: [{ role: 'SYSTEM', message: 'S1' }, { role: 'USER', message: 'U0' }, { role: 'USER', message: 'h' }, { role: 'CHATBOT', message: 'A9' }, { role: 'SYSTEM', message: 'S9' }] }],
    ['huggingface', { inputs: 'q' }, { inputs: 'S1\n\nU0\n\nq\n\nA9\n\nS9' }],
  ] as const)('%s', (format, body, expected) => {
    const before = JSON.stringify(body)
    expect(decorateBody(format, body as never, PROMPTS)).toEqual(expected)
    expect(JSON.stringify(body)).toBe(before) // the client's body is not written
  })

  it.each([
    ['openai', { prompt: 'x' }], ['anthropic', { prompt: 'x' }], ['gemini', { messages: [] }], ['bedrock', {}],
    ['cohere', { query: 'rerank me', documents: [] }], ['huggingface', { inputs: ['a'] }], ['mistral', { messages: [] }], ['__proto__', { messages: [] }],
  ] as const)('%s without a chat: null', (format, body) => {
    expect(decorateBody(format, body as never, PROMPTS)).toBeNull()
  })

  it('prototype keys in the client body are kept as data and pollute nothing', () => {
    const body = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"p":1}},"messages":[{"role":"user","content":"q","__proto__":{"x":1}}]}') as Record<string, unknown>
    const out = decorateBody('openai', body, PROMPTS)!
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(JSON.parse(JSON.stringify(out)).__proto__).toEqual({ polluted: 1 })
  })
})
