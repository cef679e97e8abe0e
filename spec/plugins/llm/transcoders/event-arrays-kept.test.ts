// The stream converters' per-chunk arrays (framed events, encoder output) are emptied by popping
// (FramedTranscoder.clearEvents), never by `length = 0`: V8 drops an array's backing store on
// `length = 0`, so every chunk of every stream allocated it again (~150 B per chunk, measured by
// bench/micro/converted-stream.bench.ts). Behaviour cannot show it, so the sources are read.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const CONVERTERS = [
  'plugins/llm/transcoders/framed-transcoder.ts',
  'plugins/llm/transcoders/openai-passthrough.ts',
  'plugins/llm/drivers/anthropic/stream-transcoder.ts',
  'plugins/llm/drivers/gemini/stream-transcoder.ts',
  'plugins/llm/drivers/bedrock/stream-transcoder.ts',
  'plugins/llm/drivers/ollama.ts',
  'plugins/llm/drivers/cohere.ts',
  'plugins/llm/drivers/huggingface.ts',
  'plugins/llm/formats/anthropic/stream-encoder.ts',
]

describe('stream converters keep their arrays\' backing stores', () => {
  it.each(CONVERTERS)('%s empties no array with `length = 0`', (file) => {
    const code = readFileSync(new URL(`../../../../${file}`, import.meta.url), 'utf8')
      .split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*\*)/.test(l)).join('\n')
    expect(code).not.toMatch(/\.length\s*=\s*0\b/)
  })
})
