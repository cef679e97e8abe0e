// usageOfOpenAi parses only the usage object it cuts out of an OpenAI answer (a regex for the usual
// one-level nesting, brace counting beyond) and reads the tier after usage first; from the answer's
// bytes it decodes only the head (model) and the tail from the last "usage" key. Whatever the
// answer looks like, it reads what a full JSON.parse reads, or (for a broken answer) no more.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { cutObject, DECODE_WHOLE_MAX, toUsage, usageOfOpenAi } from '../../../../plugins/llm/pipeline/usage.ts'
import { detailsOf } from '../../../../plugins/llm/pipeline/usage-details.ts'

const U = '{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}'
const counts = (p: number, c: number, t: number) => ({ prompt_tokens: p, completion_tokens: c, total_tokens: t })

/** The old cut, kept as the reference: brace counting from the first `{`. */
function loopCut(s: string, from: number): string | null {
  const open = s.indexOf('{', from)
  if (open < 0) return null
  let depth = 0
  for (let i = open; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x7b) depth++
    else if (c === 0x7d && --depth === 0) return s.slice(open, i + 1)
  }
  return null
}

describe('usage read from an OpenAI answer', () => {
  it.each([
    ['usage last', `{"id":"x","model":"m","choices":[],"usage":${U}}`, counts(3, 4, 7), 'm'],
    ['usage first', `{"usage":${U},"model":"m","choices":[{"message":{"content":"hi"}}]}`, counts(3, 4, 7), 'm'],
    ['usage between', `{"model":"m","usage":${U},"choices":[{"index":0}]}`, counts(3, 4, 7), 'm'],
    ['no usage', '{"model":"m","choices":[]}', null, 'm'],
    ['usage null', '{"model":"m","usage":null}', null, 'm'],
    ['usage nested two levels', '{"model":"m","usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":1,"x":{"y":{"z":1}}}}}', counts(1, 2, 3), 'm'],
    ['usage with details', '{"model":"m","usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"prompt_tokens_details":{"cached_tokens":2},"completion_tokens_details":{"reasoning_tokens":0}}}', counts(5, 1, 6), 'm'],
    ['pretty printed', `{\n  "model": "m",\n  "usage": {\n    "prompt_tokens": 3,\n    "completion_tokens": 4,\n    "total_tokens": 7\n  }\n}\n`, counts(3, 4, 7), 'm'],
    ['duplicate usage: the last', `{"model":"m","usage":{"prompt_tokens":1},"usage":${U}}`, counts(3, 4, 7), 'm'],
    ['huge counts', '{"model":"m","usage":{"prompt_tokens":1e400,"completion_tokens":-1e400,"total_tokens":12345678901234567890}}', counts(Infinity, -Infinity, 12345678901234567890), 'm'],
    ['counts as strings', '{"model":"m","usage":{"prompt_tokens":"3","completion_tokens":[4],"total_tokens":{"n":7}}}', counts(0, 0, 0), 'm'],
    ['input/output names', '{"model":"m","usage":{"input_tokens":8,"output_tokens":2}}', counts(8, 2, 10), 'm'],
    ['escaped model', `{"model":"a\\"b\\u00e9","usage":${U}}`, counts(3, 4, 7), 'a"bé'],
    ['model with a raw control character (not JSON)', `{"model":"a\tb","usage":${U}}`, counts(3, 4, 7), null],
    ['non-ASCII model', `{"model":"modèle-ü","usage":${U}}`, counts(3, 4, 7), 'modèle-ü'],
    ['usage in a content string', `{"model":"m","choices":[{"message":{"content":"say \\"usage\\":{\\"prompt_tokens\\":99}"}}],"usage":${U}}`, counts(3, 4, 7), 'm'],
    ['braces in a content string after usage', `{"model":"m","usage":${U},"choices":[{"message":{"content":"}{}}{"}}]}`, counts(3, 4, 7), 'm'],
    ['a proto key in usage', '{"model":"m","usage":{"__proto__":{"prompt_tokens":9},"prompt_tokens":3,"completion_tokens":4}}', counts(3, 4, 7), 'm'],
  ])('%s', (_name, answer, usage, model) => {
    const r = usageOfOpenAi(answer)
    expect(r.usage === null ? null : { ...r.usage }).toEqual(usage)
    expect(r.model).toBe(model)
    if (model === null) return // not JSON: no reference
    const whole = JSON.parse(answer) as { usage?: unknown }
    expect(r.usage === null ? null : { ...r.usage }).toEqual(whole.usage == null ? null : { ...toUsage(whole.usage) })
  })

  it.each([
    ['after usage', `{"model":"m","usage":${U},"service_tier":"priority"}`, 'priority'],
    ['before usage only', `{"model":"m","service_tier":"flex","usage":${U}}`, 'flex'],
    ['before and after: the later one, as JSON.parse', `{"model":"m","service_tier":"flex","usage":${U},"service_tier":"priority"}`, 'priority'],
    ['not a word', `{"model":"m","usage":${U},"service_tier":"a b"}`, undefined],
    ['none', `{"model":"m","usage":${U}}`, undefined],
  ])('service tier %s', (_name, answer, tier) => {
    expect(detailsOf(usageOfOpenAi(answer).usage!)?.serviceTier).toBe(tier)
  })

  // an answer over DECODE_WHOLE_MAX bytes is decoded in pieces: a head of 256 bytes (then a
  // 4,096-character window) and the tail; each row is read as text, as short bytes and padded
  const long = (n: number, c = 'x') => c.repeat(n)
  it.each([
    ['model past the first 256 bytes', `{"id":"${long(400)}","model":"m","usage":${U}}`, 'm', counts(3, 4, 7)],
    ['model cut by the 256-byte head', `{"id":"${long(240)}","model":"gpt-4o-mini","usage":${U}}`, 'gpt-4o-mini', counts(3, 4, 7)],
    ['model past 4,096 characters: none, as before', `{"id":"${long(5000)}","model":"m","usage":${U}}`, null, counts(3, 4, 7)],
    ['3-byte characters before the model, past 4,096 bytes but within 4,096 characters', `{"id":"${long(2000, '€')}","model":"m","usage":${U}}`, 'm', counts(3, 4, 7)],
    ['a 2-byte character split at byte 256', `{"id":"${long(119, 'é')}x","model":"ü-model","usage":${U}}`, 'ü-model', counts(3, 4, 7)],
    ['an emoji model across the head', `{"id":"${long(118, 'é')}","model":"🦙🦙🦙","usage":${U}}`, '🦙🦙🦙', counts(3, 4, 7)],
    ['16 KB of content', `{"model":"m","choices":[{"message":{"content":"${long(16000, 'ü')}"}}],"usage":${U},"service_tier":"flex"}`, 'm', counts(3, 4, 7)],
    ['non-ASCII after usage', `{"model":"m","usage":${U},"system_fingerprint":"ßß"}`, 'm', counts(3, 4, 7)],
  ])('%s', (_name, answer, model, usage) => {
    for (const input of [answer, Buffer.from(answer), Buffer.from(`${answer.slice(0, -1)},"pad":"${long(DECODE_WHOLE_MAX)}"}`)]) {
      const r = usageOfOpenAi(input)
      expect(r.model).toBe(model)
      expect({ ...r.usage }).toEqual(usage)
    }
  })

  it('a tier before usage in a long answer is still found (the whole answer decoded)', () => {
    const answer = Buffer.from(`{"model":"m","service_tier":"priority","choices":[{"message":{"content":"${long(DECODE_WHOLE_MAX, 'é')}"}}],"usage":${U}}`)
    expect(detailsOf(usageOfOpenAi(answer).usage!)?.serviceTier).toBe('priority')
  })

  it.each([
    'not json', '', '{', '{"model":"m","usage":{', '{"model":"m","usage":{"prompt_tokens":}}', '{"usage":{"a":"}"}}', `{"usage":${'{'.repeat(10000)}}`,
    `{"usage":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
  ])('broken or hostile answer %#: no throw', (answer) => {
    expect(() => usageOfOpenAi(answer)).not.toThrow()
  })

  it('cutObject ends where brace counting ends, for any text', () => {
    const text = fc.stringMatching(/^[{}a"\\: 0-9,]{0,60}$/)
    fc.assert(fc.property(text, fc.nat(70), (s, from) => {
      expect(cutObject(s, from)).toBe(loopCut(s, from))
    }), { numRuns: 3000 })
  })

  it('reads what JSON.parse reads from any answer with a top-level usage', () => {
    const count = fc.oneof(fc.nat(), fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true }), fc.constant(1e308))
    const details = fc.dictionary(fc.constantFrom('cached_tokens', 'audio_tokens', 'x'), fc.oneof(count, fc.dictionary(fc.string({ maxLength: 3 }), count, { maxKeys: 2 })), { maxKeys: 3 })
    const usage = fc.record({
      prompt_tokens: count, completion_tokens: count, total_tokens: count,
      prompt_tokens_details: details, completion_tokens_details: details,
    }, { requiredKeys: [] })
    const answer = fc.record({
      id: fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 300 })), model: fc.oneof(fc.string(), fc.string({ unit: 'binary' })), usage,
      choices: fc.array(fc.record({ message: fc.record({ content: fc.string({ unit: 'binary' }) }) }), { maxLength: 2 }),
      service_tier: fc.constantFrom('default', 'flex', 'not a tier'),
    }).chain((a) => fc.shuffledSubarray(Object.keys(a), { minLength: Object.keys(a).length }).map((order) => ({ a, order })))
    // padded past DECODE_WHOLE_MAX (a last key, so the model stays in its window), the answer is
    // read from its head and tail bytes
    fc.assert(fc.property(answer, fc.boolean(), fc.boolean(), ({ a, order }, pretty, pad) => {
      const ordered = Object.fromEntries(order.map((k) => [k, a[k as keyof typeof a]]))
      if (pad) ordered.pad = 'é'.repeat(DECODE_WHOLE_MAX)
      const text = JSON.stringify(ordered, null, pretty ? 2 : undefined)
      const r = usageOfOpenAi(Buffer.from(text))
      const tier = /^[A-Za-z0-9_-]{1,64}$/.test(a.service_tier) ? a.service_tier : null
      const ref = toUsage(JSON.parse(text).usage, tier)
      expect(r.usage === null ? null : { ...r.usage }).toEqual(ref === null ? null : { ...ref })
      expect(detailsOf(r.usage!)).toEqual(detailsOf(ref!))
      expect(r.model).toBe(a.model)
    }), { numRuns: 500 })
  })
})
