import { describe, expect, it } from 'vitest'
import { createNdjsonFramer } from '../../../../plugins/llm/transcoders/ndjson.ts'
import { expectSameAtEveryCut, frame } from '../helpers/ndjson-frames.ts'

const TRICKY = [
  { a: 'brace } in a string {', b: 'quote \\" and backslash \\\\' },
  { text: 'naïve café — 日本語 🎉', n: [1, 2, { x: ']' }] },
  { text: 'ends with backslash\\' },
  { nested: { deep: [{ q: '"' }] }, done: true },
]

describe('NDJSON framer', () => {
  it('splits newline-delimited objects', () => {
    const input = Buffer.from(TRICKY.map((o) => JSON.stringify(o)).join('\n') + '\n')
    expect(frame([input])).toEqual(TRICKY.map((o) => JSON.stringify(o)))
  })

  it('gives identical output at every chunk boundary, including inside UTF-8 characters', () => {
    const input = Buffer.from(TRICKY.map((o) => JSON.stringify(o)).join('\r\n\r\n') + '\n')
    const expected = TRICKY.map((o) => JSON.stringify(o))
    expectSameAtEveryCut(input, expected)
    for (const text of frame([input])) expect(() => JSON.parse(text)).not.toThrow()
  })

  it('handles pretty-printed values spanning lines and values glued without separator', () => {
    const pretty = JSON.stringify({ a: [1, 2], b: { c: 'x\ny' } }, null, 2)
    const input = Buffer.from(`${pretty}{"z":1}  \n\n{"y":"}"}`)
    expectSameAtEveryCut(input, [pretty, '{"z":1}', '{"y":"}"}'])
  })

  it('delivers a complete value at once, without waiting for its newline', () => {
    const f = createNdjsonFramer()
    const out: string[] = []
    f.push(Buffer.from('{"a":1}\n{"b":2}'), out)
    expect(out).toEqual(['{"a":1}', '{"b":2}'])
    f.push(Buffer.from('{"c":'), out)
    expect(out).toHaveLength(2)
    f.push(Buffer.from('3}'), out)
    expect(out).toEqual(['{"a":1}', '{"b":2}', '{"c":3}'])
  })

  it('emits a non-JSON line at its newline and a trailing fragment at end', () => {
    expect(frame([Buffer.from('garbage line\n{"a":1}\n{"b":')])).toEqual(['garbage line', '{"a":1}', '{"b":'])
  })

  it('does not keep a reference to the caller\'s buffer', () => {
    const f = createNdjsonFramer()
    const out: string[] = []
    const reused = Buffer.from('{"text":"abc')
    f.push(reused, out)
    reused.fill(0x20)
    f.push(Buffer.from('"}'), out)
    expect(out).toEqual(['{"text":"abc"}'])
  })

})
