import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createNdjsonFramer } from '../../../../plugins/llm/transcoders/ndjson.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { expectSameAtEveryCut, frame } from '../../../plugins/llm/helpers/ndjson-frames.ts'

const FIXTURES = KONG_FIXTURES + 'unit/'

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
