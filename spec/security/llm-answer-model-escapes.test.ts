// An upstream's non-streamed OpenAI answer is read for its model with a pattern, then the model's
// JSON escapes are decoded. Escapes JSON does not know (a broken or hostile answer) must read as no
// model: the decode threw, out of the response handler's body_filter, failing a request whose
// answer had already gone to the client.
import { describe, expect, it } from 'vitest'
import { usageOfOpenAi } from '../../plugins/llm/pipeline/usage.ts'

const USAGE = '"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}'
const MODELS = ['a\\qb', '\\u12', '\\u12zz', '\\x00', '\\U0041', '\\0', '\\\'', 'a\\ b']

describe('answers whose model has escapes JSON does not know', () => {
  it.each(MODELS)('model "%s": no model, the usage still read', (model) => {
    const r = usageOfOpenAi(`{"id":"x","model":"${model}","choices":[],${USAGE}}`)
    expect(r.model).toBeNull()
    expect(r.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 })
  })

  it.each([['a\\"b', 'a"b'], ['\\u00e9', 'é'], ['x\\ny', 'x\ny'], ['gpt-4o', 'gpt-4o']])('model "%s" still decodes', (escaped, model) => {
    expect(usageOfOpenAi(`{"model":"${escaped}",${USAGE}}`).model).toBe(model)
  })
})
