// The sinks gather what one upstream chunk gave (forwarded bytes, serialized chunks, the end) and
// hand it over at each take: in order, a single forwarded buffer as the same object (no copy), and
// nothing of an earlier take again. The slots they gather in are reused from chunk to chunk.
import { describe, expect, it } from 'vitest'
import { EncoderSink, OpenAiSseSink, type FormatEncoder } from '../../../../plugins/llm/transcoders/chunk-sink.ts'

type Op = ['forward', string] | ['chunk', Record<string, unknown>] | ['done'] | ['take']

// each case: the operations, and what each take returns
const CASES: [string, Op[], string[]][] = [
  ['nothing', [['take']], ['']],
  ['one forwarded chunk', [['forward', 'data: a\n\n'], ['take']], ['data: a\n\n']],
  ['forwarded chunks in order', [['forward', 'a'], ['forward', 'b'], ['forward', 'c'], ['take']], ['abc']],
  ['an empty forward adds nothing', [['forward', ''], ['take']], ['']],
  ['chunk objects serialized between forwards', [['forward', 'x'], ['chunk', { a: 1 }], ['forward', 'y'], ['take']], ['xdata: {"a":1}\n\ny']],
  ['done at the end', [['forward', 'x'], ['done'], ['take']], ['xdata: [DONE]\n\n']],
  ['takes do not repeat', [['forward', 'a'], ['forward', 'b'], ['take'], ['take'], ['forward', 'c'], ['take']], ['ab', '', 'c']],
  ['many takes reuse the slots', Array.from({ length: 50 }, (_, i): Op[] => [['forward', `${i}`], ['forward', '.'], ['take']]).flat(), Array.from({ length: 50 }, (_, i) => `${i}.`)],
]

describe('OpenAiSseSink', () => {
  it.each(CASES)('%s', (_name, ops, takes) => {
    const sink = new OpenAiSseSink()
    const got: string[] = []
    for (const op of ops) {
      if (op[0] === 'forward') sink.forward(Buffer.from(op[1]))
      else if (op[0] === 'chunk') sink.chunk(op[1])
      else if (op[0] === 'done') sink.done()
      else got.push(sink.take().toString())
    }
    expect(got).toEqual(takes)
  })

  it('hands a single forwarded chunk on as the same buffer', () => {
    const sink = new OpenAiSseSink()
    const b = Buffer.from('data: {}\n\n')
    sink.forward(b)
    expect(sink.take()).toBe(b)
  })
})

describe('EncoderSink', () => {
  const encoder = (end: string): FormatEncoder => ({ push: (c) => Buffer.from(`<${String(c.n)}>`), end: () => Buffer.from(end) })

  it.each([
    ['chunks, then the end at eof', '[end]', [[1, 2], [3]], ['<1><2>', '<3>[end]']],
    ['an empty end', '', [[1], []], ['<1>', '']],
    ['nothing but the end', '[end]', [[]], ['[end]']],
  ] as [string, string, number[][], string[]][])('%s', (_name, end, rounds, takes) => {
    const sink = new EncoderSink(encoder(end))
    const got = rounds.map((round, i) => {
      for (const n of round) sink.chunk({ n })
      return sink.take(i === rounds.length - 1).toString()
    })
    expect(got).toEqual(takes)
  })
})
