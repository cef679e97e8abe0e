// usageOfOpenAi parses only the usage object it cuts out of an OpenAI answer (a regex for the usual
// one-level nesting, brace counting beyond) and reads the tier after usage first. Whatever the
// answer looks like, it reads what a full JSON.parse reads, or (for a broken answer) no more.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { cutObject, toUsage, usageOfOpenAi } from '../../../../plugins/llm/pipeline/usage.ts'
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
      id: fc.string(), model: fc.string(), usage,
      choices: fc.array(fc.record({ message: fc.record({ content: fc.string() }) }), { maxLength: 2 }),
      service_tier: fc.constantFrom('default', 'flex', 'not a tier'),
    }).chain((a) => fc.shuffledSubarray(Object.keys(a), { minLength: Object.keys(a).length }).map((order) => ({ a, order })))
    fc.assert(fc.property(answer, fc.boolean(), ({ a, order }, pretty) => {
      const ordered = Object.fromEntries(order.map((k) => [k, a[k as keyof typeof a]]))
      const text = JSON.stringify(ordered, null, pretty ? 2 : undefined)
      const r = usageOfOpenAi(text)
      const tier = /^[A-Za-z0-9_-]{1,64}$/.test(a.service_tier) ? a.service_tier : null
      const ref = toUsage(JSON.parse(text).usage, tier)
      expect(r.usage === null ? null : { ...r.usage }).toEqual(ref === null ? null : { ...ref })
      expect(detailsOf(r.usage!)).toEqual(detailsOf(ref!))
      expect(r.model).toBe(a.model)
    }), { numRuns: 500 })
  })
})
