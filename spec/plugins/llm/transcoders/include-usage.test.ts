// The usage chunk of stream_options.include_usage, put in front of the end of any converter's
// stream; and the path rules of the OpenAI API routes.
import { describe, expect, it } from 'vitest'
import { IncludeUsageSink, OpenAiSseSink } from '../../../../plugins/llm/transcoders/chunk-sink.ts'
import { resourceSuffix } from '../../../../plugins/llm/openai-api-routes.ts'
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'
import type { TokenUsage } from '../../../../plugins/llm/types.ts'

const USAGE: TokenUsage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }
const frame = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`
const FIRST = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'm', choices: [{ index: 0, delta: { content: 'say data: [DONE]' } }] }

function frames(s: string): string[] {
  return s.split('\n\n').filter((f) => f !== '')
}

describe('IncludeUsageSink', () => {
  it('puts the usage chunk right before [DONE], with the stream id, object, created and model', () => {
    const sink = new IncludeUsageSink(new OpenAiSseSink(), () => USAGE, 'conf')
    sink.chunk(FIRST)
    sink.chunk({ ...FIRST, choices: [] })
    sink.done()
    const out = frames(sink.take(false).toString())
    expect(out).toHaveLength(4)
    expect(out[3]).toBe('data: [DONE]')
    expect(JSON.parse(out[2]!.slice(6))).toEqual({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'm', choices: [], usage: USAGE })
    expect(sink.take(true).length).toBe(0)
  })

  it('text that says "data: [DONE]" inside a chunk is not the end', () => {
    const sink = new IncludeUsageSink(new OpenAiSseSink(), () => USAGE, 'conf')
    sink.chunk(FIRST)
    expect(sink.take(false).toString()).toBe(frame(FIRST))
    sink.done()
    const out = frames(sink.take(true).toString())
    expect(out.map((f) => f.slice(0, 12))).toEqual(['data: {"id":', 'data: [DONE]'])
  })

  it('asks for the usage only at the end, and adds one chunk only', () => {
    let asked = 0
    const sink = new IncludeUsageSink(new OpenAiSseSink(), () => { asked++; return USAGE }, 'conf')
    sink.chunk(FIRST)
    expect(asked).toBe(0)
    sink.done()
    expect(frames(sink.take(false).toString())).toHaveLength(3)
    sink.done()
    expect(sink.take(true).toString()).toBe('data: [DONE]\n\n')
    expect(asked).toBe(1)
  })

  it('without a chunk to copy from, the configured model and a fresh created time', () => {
    const sink = new IncludeUsageSink(new OpenAiSseSink(), () => USAGE, 'conf')
    sink.done()
    const chunk = JSON.parse(frames(sink.take(true).toString())[0]!.slice(6))
    expect(chunk).toMatchObject({ id: null, object: 'chat.completion.chunk', model: 'conf', choices: [], usage: USAGE })
  })
})

describe('resourceSuffix (OpenAI API routes)', () => {
  it.each([
    ['files', '/ai/v1/files/file-abc/content', '/file-abc/content'],
    ['files', '/files/files/file-abc', '/file-abc'],
    ['files', '/files/files', ''],
    ['files', '/my-files-route', ''],
    ['audio/speech', '/tts/audio/speech', ''],
    ['responses', '/r/responses/resp_1/input_items', '/resp_1/input_items'],
  ])('%s in %s → %s', (resource, path, suffix) => {
    expect(resourceSuffix(resource, path)).toBe(suffix)
  })
})

describe('withOptionDefaults (the one merge of model.options)', () => {
  it('the request wins; options fill in; nothing to add returns the request itself', () => {
    const req = { messages: [], temperature: 0.9, max_completion_tokens: 5 }
    expect(withOptionDefaults(req, { temperature: 0.1, top_p: 0.5, max_tokens: 77 })).toEqual({ ...req, top_p: 0.5 })
    expect(withOptionDefaults(req, { temperature: 0.1, max_tokens: 77 })).toBe(req)
    expect(withOptionDefaults({ messages: [] }, { max_tokens: 77, top_k: 3 })).toEqual({ messages: [], max_tokens: 77, top_k: 3 })
  })
})
