import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createNdjsonFramer } from '../../../../plugins/llm/transcoders/ndjson.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'

const FIXTURES = KONG_FIXTURES + 'unit/'

function frame(chunks: Buffer[]): string[] {
  const f = createNdjsonFramer()
  const out: string[] = []
  for (const c of chunks) f.push(c, out)
  f.end(out)
  return out
}

/** every way of cutting the input in two, and byte by byte */
function expectSameAtEveryCut(input: Buffer, expected: string[]): void {
  for (let cut = 0; cut <= input.length; cut++) {
    expect(frame([input.subarray(0, cut), input.subarray(cut)]), `cut at ${cut}`).toEqual(expected)
  }
  const bytes: Buffer[] = []
  for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1))
  expect(frame(bytes)).toEqual(expected)
}

const TRICKY = [
  { a: 'brace } in a string {', b: 'quote \\" and backslash \\\\' },
  { text: 'naïve café — 日本語 🎉', n: [1, 2, { x: ']' }] },
  { text: 'ends with backslash\\' },
  { nested: { deep: [{ q: '"' }] }, done: true },
]

describe('NDJSON framer', () => {
  describe("Kong fixtures", () => {
    it('streaming-chunk-formats/complete-json yields Kong\'s events', () => {
      const input = readFileSync(FIXTURES + 'streaming-chunk-formats/complete-json/input.bin')
      const expected = JSON.parse(readFileSync(FIXTURES + 'streaming-chunk-formats/complete-json/expected-output.json', 'utf8')) as { data: string }[]
      expect(frame([input])).toEqual(expected.map((e) => e.data))
      // one push, no end(): both values are complete, so both come out at once
      const f = createNdjsonFramer()
      const out: string[] = []
      f.push(input, out)
      expect(out).toEqual(expected.map((e) => e.data))
      expectSameAtEveryCut(input, expected.map((e) => e.data))
    })

    it.for(['llm-v1-chat', 'llm-v1-completions'])('real-stream-frames/cohere/%s', (name) => {
      const input = readFileSync(`${FIXTURES}real-stream-frames/cohere/${name}.txt`)
      const events = frame([input])
      expect(events).toHaveLength(1)
      expect(JSON.parse(events[0])).toMatchObject({ event_type: 'text-generation', text: 'the answer' })
      expectSameAtEveryCut(input, events)
    })
  })
})
