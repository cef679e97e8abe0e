// The realtime session's usage reader and the upgrade's query: sums response.done usage, takes
// the model from session.created, and reads hostile frames without throwing, polluting or
// counting anything that is not a well-formed count.
import { describe, expect, it } from 'vitest'
import { RealtimeReader } from '../../../../plugins/llm/realtime/realtime-reader.ts'
import { realtimeQuery } from '../../../../plugins/llm/realtime/realtime-query.ts'

const done = (usage: unknown) => Buffer.from(JSON.stringify({ type: 'response.done', response: { usage } }))

describe('RealtimeReader', () => {
  it('sums the usage of every response.done and names the session model', () => {
    const r = new RealtimeReader()
    r.frame(Buffer.from(JSON.stringify({ type: 'session.created', session: { model: 'gpt-4o-realtime-preview-2024-12-17' } })), false)
    r.frame(done({ total_tokens: 30, input_tokens: 10, output_tokens: 20 }), false)
    r.frame(Buffer.from(JSON.stringify({ type: 'response.audio.delta', delta: 'AAAA' })), false)
    r.frame(done({ input_tokens: 1, output_tokens: 2 }), false) // no total: the sum
    expect(r.usage()).toEqual({ prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 })
    expect(r.responseModel()).toBe('gpt-4o-realtime-preview-2024-12-17')
    expect(r.kind).toBe('realtime')
  })

  it('no response.done: no usage', () => {
    const r = new RealtimeReader()
    r.frame(Buffer.from('{"type":"session.updated"}'), false)
    expect(r.usage()).toBeNull()
  })

  it.each([
    ['not JSON', Buffer.from('"response.done" {')],
    ['JSON null', Buffer.from('null')],
    ['an array naming the event', Buffer.from('["response.done"]')],
    ['a string naming the event', Buffer.from('"response.done"')],
    ['binary bytes naming the event', null],
    ['usage as a string', done('lots')],
    ['usage as an array', done([1, 2, 3])],
    ['negative counts', done({ input_tokens: -5, output_tokens: -1, total_tokens: -6 })],
    ['fractional counts', done({ input_tokens: 1.5, output_tokens: 0.5 })],
    ['huge counts', done({ input_tokens: 1e300, output_tokens: Number.MAX_SAFE_INTEGER + 2 })],
    ['counts as strings', done({ input_tokens: '10', output_tokens: '20' })],
    ['inherited counts', Buffer.from('{"type":"response.done","response":{"usage":{"__proto__":{"input_tokens":7,"output_tokens":7}}}}')],
    ['a prototype-key response', Buffer.from('{"type":"response.done","__proto__":{"response":{"usage":{"input_tokens":9}}}}')],
    ['a constructor response', Buffer.from('{"type":"response.done","response":{"constructor":{"usage":{"input_tokens":9}}}}')],
    ['deep nesting', Buffer.from(`{"type":"response.done","x":${'['.repeat(5000)}${']'.repeat(5000)}}`)],
  ])('%s: read without throwing, no tokens counted, nothing polluted', (_name, data) => {
    const r = new RealtimeReader()
    if (data === null) r.frame(done({ input_tokens: 10, output_tokens: 20 }), true)
    else r.frame(data, false)
    const u = r.usage()
    expect(u === null || (u.prompt_tokens === 0 && u.completion_tokens === 0 && u.total_tokens === 0)).toBe(true)
    expect(({} as Record<string, unknown>).input_tokens).toBeUndefined()
    expect(({} as Record<string, unknown>).usage).toBeUndefined()
  })

  it.each([
    ['a model that is not a string', { type: 'session.created', session: { model: { evil: true } } }],
    ['a model of 10 kB', { type: 'session.created', session: { model: 'm'.repeat(10000) } }],
    ['no session', { type: 'session.created' }],
  ])('session.created with %s: no model', (_name, event) => {
    const r = new RealtimeReader()
    r.frame(Buffer.from(JSON.stringify(event)), false)
    expect(r.responseModel()).toBeNull()
  })
})

describe('realtimeQuery', () => {
  it.each([
    ['', [['model', 'm1']], 'model=m1'],
    ['model=client', [['model', 'm1']], 'model=m1'],
    ['model=client&x=1', [['model', undefined]], 'model=client&x=1'],
    ['mod%65l=sneaky&model=b', [['model', 'm1']], 'model=m1'],
    ['api-version=2024-10-01-preview&deployment=theirs', [['api-version', '2024-10-01-preview'], ['deployment', 'mine']], 'api-version=2024-10-01-preview&deployment=mine'],
    ['deployment=a&deployment=b', [['deployment', 'mine']], 'deployment=mine'],
    ['%E0%A4%A=x', [['model', 'a b&c']], '%E0%A4%A=x&model=a%20b%26c'],
  ] as const)('%s → %s', (query, set, expected) => {
    expect(realtimeQuery(query, set as unknown as [string, string | undefined][])).toBe(expected)
  })
})
