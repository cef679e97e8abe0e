// The JSON-array framer (Gemini's streamGenerateContent body) on Kong's streaming-chunk-formats
// fixtures.
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { frame } from '../../../plugins/llm/helpers/json-array-frames.ts'

const FIXTURES = KONG_FIXTURES + 'unit/streaming-chunk-formats/'

describe('JsonArrayFramer: Kong streaming-chunk-formats fixtures', () => {
  const read = (p: string) => readFileSync(FIXTURES + p)
  const events = (r: { elements: string[]; done: boolean }) => [...r.elements.map((data) => ({ data })), ...(r.done ? [{ data: '[DONE]' }] : [])]
  const text = (elements: string[]) => elements.map((e) => JSON.parse(e).candidates[0].content.parts[0].text).join('')

  it('partial-json-beginning: the complete elements of an unfinished array', () => {
    expect(events(frame([read('partial-json-beginning/input.bin')]))).toEqual(JSON.parse(read('partial-json-beginning/expected-output.json').toString()))
  })

  it('partial-json-end: the last elements and the end of the array (framer already inside the array)', () => {
    // Kong starts this case with its iterator state `started = true`: an opening bracket does the same
    expect(events(frame(['[', read('partial-json-end/input.bin')]))).toEqual(JSON.parse(read('partial-json-end/expected-output.json').toString()))
  })

  it.each(['partial-json-split', 'partial-json-split-three-parts'])('%s', (dir) => {
    const inputs = [1, 2, 3].map((n) => `${dir}/input-${n}.bin`).filter((p) => existsSync(FIXTURES + p)).map(read)
    expect(text(frame(inputs).elements)).toBe(read(`${dir}/expected-output.bin`).toString())
  })
})
