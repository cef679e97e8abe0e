// The JSON-array framer (Gemini's streamGenerateContent body): Kong's json_array_iterator cases,
// every split of a stream giving the same elements, and Kong's streaming-chunk-formats fixtures.
import { describe, expect, it } from 'vitest'
import { JsonArrayFramer } from '../../../../plugins/llm/transcoders/json-array.ts'
import { frame } from '../helpers/json-array-frames.ts'

describe('JsonArrayFramer: Kong json_array_iterator cases', () => {
  it.each([
    ['flat arrays', '[1, 2, 3, 4]', ['1', '2', '3', '4']],
    ['strings', '["hello", "world"]', ['"hello"', '"world"']],
    ['nested objects', '[{"name": "John"}, {"name": "Jane"}]', ['{"name": "John"}', '{"name": "Jane"}']],
    ['nested arrays', '[[1, 2], [3, 4]]', ['[1, 2]', '[3, 4]']],
    ['whitespace', '  [  1  ,  2  ]  ', ['1', '2']],
    ['empty arrays', '[]', []],
    ['strings with special characters', String.raw`["{\"special\": \"\\\"quoted\\\"\"}", "[1,2]"]`, [String.raw`"{\"special\": \"\\\"quoted\\\"\"}"`, '"[1,2]"']],
    ['complex nested structures', '[{"users": [{"id": 1, "name": "John"}, {"id": 2, "name": "Jane"}]}, {"status": "active"}]',
      ['{"users": [{"id": 1, "name": "John"}, {"id": 2, "name": "Jane"}]}', '{"status": "active"}']],
  ])('%s', (_name, input, expected) => {
    expect(frame([input])).toEqual({ elements: expected, done: true })
  })

  it.each([
    ['within a string', ['["hel', 'lo"]'], ['"hello"']],
    ['within an escape', ['["he\\', '\\nllo"]'], ['"he\\\\nllo"']],
    ['between object braces', ['[{"name": "Jo', 'hn"}, {"age": 30}]'], ['{"name": "John"}', '{"age": 30}']],
    ['between array brackets', ['[[1, 2', '], [3, 4]]'], ['[1, 2]', '[3, 4]']],
    ['at a comma', ['[1,', ' 2]'], ['1', '2']],
    ['at a comma inside a string', ['[{"message":"hello world"}, {"message":"goodbye,', ' world"}]'], ['{"message":"hello world"}', '{"message":"goodbye, world"}']],
    ['within a complex nested structure', ['[{"users": [{"id": 1', ', "name": "John"}]}, {"status": "', 'active"}]'], ['{"users": [{"id": 1, "name": "John"}]}', '{"status": "active"}']],
  ])('split %s', (_name, chunks, expected) => {
    expect(frame(chunks)).toEqual({ elements: expected, done: true })
  })

  it('emits an element as soon as it is complete, before the next chunk', () => {
    const f = new JsonArrayFramer()
    const out: string[] = []
    f.push(Buffer.from('[{"message":"hello world"}, {"message":"goodbye,'), out)
    expect(out).toEqual(['{"message":"hello world"}'])
    expect(f.done).toBe(false)
    f.push(Buffer.from(' world"}]'), out)
    expect(out).toEqual(['{"message":"hello world"}', '{"message":"goodbye, world"}'])
    expect(f.done).toBe(true)
  })

  it("throws Kong's error on a body that is not an array", () => {
    expect(() => frame(['{1, 2, 3}'])).toThrow("Invalid start: expected '['")
  })

  it('ignores anything after the closing bracket and drops a truncated element at the end', () => {
    expect(frame(['[1] [2]'])).toEqual({ elements: ['1'], done: true })
    expect(frame(['[{"a":1},{"b":'])).toEqual({ elements: ['{"a":1}'], done: false })
    expect(frame(['[1,2'])).toEqual({ elements: ['1', '2'], done: false })
  })
})

describe('JsonArrayFramer: any split gives the same elements', () => {
  const stream = Buffer.from(JSON.stringify([
    { candidates: [{ content: { parts: [{ text: 'héllo "wörld" \\ {not [a} brace' }], role: 'model' } }] },
    { candidates: [{ content: { parts: [{ text: '日本語のテキスト 🎉 emoji', functionCall: { name: 'f', args: { a: [1, { b: '}' }] } } }] } }] },
    { usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 17, totalTokenCount: 23 } },
    'a string element with \\" escapes',
    42,
    true,
    null,
  ], null, 2))
  const whole = frame([stream])

  it('whole input', () => {
    expect(whole.done).toBe(true)
    expect(whole.elements).toHaveLength(7)
    expect(whole.elements.map((e) => JSON.parse(e))).toEqual(JSON.parse(stream.toString()))
  })

  it('cut in two at every byte offset', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(frame([stream.subarray(0, i), stream.subarray(i)]), `cut at ${i}`).toEqual(whole)
    }
  })

  it('one byte at a time (every UTF-8 character split)', () => {
    const bytes: Buffer[] = []
    for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1))
    expect(frame(bytes)).toEqual(whole)
  })

  it('cut in three at many offset pairs', () => {
    const step = 11
    for (let i = 0; i <= stream.length; i += step) {
      for (let j = i; j <= stream.length; j += step) {
        expect(frame([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]), `cuts at ${i}, ${j}`).toEqual(whole)
      }
    }
  })
})

