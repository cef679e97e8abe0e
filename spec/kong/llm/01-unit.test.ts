// Kong's captured stream fixtures through the SSE framer and the OpenAI passthrough transcoder.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OpenAiPassthroughTranscoder } from '../../../plugins/llm/transcoders/openai-passthrough.ts'
import { KONG_FIXTURES } from '../kong-fixtures.ts'
import { sseOf } from '../../plugins/llm/helpers/sse-of.ts'
import { frameAll } from '../../plugins/llm/helpers/sse-frames.ts'

describe('SSE framer', () => {
  it("matches Kong's text-event-stream fixture", () => {
    const dir = `${KONG_FIXTURES}unit/streaming-chunk-formats/text-event-stream/`
    const input = readFileSync(`${dir}input.bin`)
    const expected = JSON.parse(readFileSync(`${dir}expected-output.json`, 'utf8')) as { data: string }[]
    for (let i = 0; i <= input.length; i += 7) {
      // Kong's expected events leave out the final [DONE] (its transcoder handles it apart)
      const events = frameAll([input.subarray(0, i), input.subarray(i)]).filter((e) => e.data !== '[DONE]')
      expect(events.map((e) => ({ data: e.data }))).toEqual(expected)
    }
  })
})

describe('OpenAI passthrough transcoder', () => {
  it("reads Kong's captured OpenAI frame", () => {
    const t = sseOf(new OpenAiPassthroughTranscoder())
    t.push(Buffer.concat([readFileSync(`${KONG_FIXTURES}unit/real-stream-frames/openai/llm-v1-chat.txt`), Buffer.from('\n\n')]))
    expect(t.text).toBe('the answer')
  })
})
