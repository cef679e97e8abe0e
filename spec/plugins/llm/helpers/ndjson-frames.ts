// NDJSON bytes through the framer, as value texts: for the framer's own suite
// (spec/plugins/llm/transcoders) and the Kong-fixture suite (spec/kong/llm/transcoders).
import { expect } from 'vitest'
import { createNdjsonFramer } from '../../../../plugins/llm/transcoders/ndjson.ts'

export function frame(chunks: Buffer[]): string[] {
  const f = createNdjsonFramer()
  const out: string[] = []
  for (const c of chunks) f.push(c, out)
  f.end(out)
  return out
}

/** every way of cutting the input in two, and byte by byte */
export function expectSameAtEveryCut(input: Buffer, expected: string[]): void {
  for (let cut = 0; cut <= input.length; cut++) {
    expect(frame([input.subarray(0, cut), input.subarray(cut)]), `cut at ${cut}`).toEqual(expected)
  }
  const bytes: Buffer[] = []
  for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1))
  expect(frame(bytes)).toEqual(expected)
}
