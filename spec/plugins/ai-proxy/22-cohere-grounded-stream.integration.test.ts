// Cohere's document-grounded chat, streamed: the OpenAI SDK's `stream: true` chat with
// `documents` goes to Cohere's v2 chat (not v1), and v2's SSE events come back as OpenAI chunks:
// the text as content deltas, each citation as a `citations` delta (as the non-streamed answer
// has them on the message), the finish reason and the usage from message-end.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'
import { cohereDriver } from '../../../plugins/llm/drivers/cohere.ts'
import type { ChunkSink, DriverContext } from '../../../plugins/llm/types.ts'

let gw: TestGateway
let up: FakeUpstream

const CITATION = { start: 0, end: 16, text: 'Emperor penguins', sources: [{ type: 'document', id: 'doc:0', document: { title: 'Tall penguins', snippet: 'Emperor penguins are the tallest.' } }], type: 'TEXT_CONTENT' }
const EVENTS = [
  { type: 'message-start', id: 'c-9', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } },
  { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
  { type: 'content-delta', index: 0, delta: { message: { content: { text: 'Emperor penguins' } } } },
  { type: 'content-delta', index: 0, delta: { message: { content: { text: ' are the tallest.' } } } },
  { type: 'citation-start', index: 0, delta: { message: { citations: CITATION } } },
  { type: 'citation-end', index: 0 },
  { type: 'content-end', index: 0 },
  { type: 'message-end', delta: { finish_reason: 'COMPLETE', usage: { billed_units: { input_tokens: 41, output_tokens: 7 }, tokens: { input_tokens: 900, output_tokens: 9 } } } },
]

function fake(req: IncomingMessage, res: ServerResponse): void {
  if (req.url !== '/cohere/v2/chat') {
    res.writeHead(404, { 'content-type': 'application/json' })
    return void res.end('{}')
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  // split mid-event, as a network would
  const text = EVENTS.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('')
  res.write(text.slice(0, 333))
  res.end(text.slice(333))
}

const last = (): Received => up.received[up.received.length - 1]!

beforeAll(async () => {
  up = await startUpstream(fake)
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'cohere', paths: ['/cohere'] }] }],
    plugins: [{ name: 'ai-proxy', route: 'cohere', config: { route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer cohere-key' }, logging: { log_statistics: true },
      model: { provider: 'cohere', name: 'command-a-03-2025', options: { upstream_url: `${up.url}/cohere/v2/chat` } } } }],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

describe('cohere document-grounded chat, streamed (OpenAI SDK)', () => {
  it('stream: true with documents → v2 chat streaming; text, citations, finish and usage come back as chunks', async () => {
    const sdk = new OpenAI({ baseURL: `${gw.proxy}/cohere`, apiKey: 'sk-client', maxRetries: 0 })
    const stream = await sdk.chat.completions.create({
      model: 'command-a-03-2025', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Which penguins are the tallest?' }],
      documents: [{ title: 'Tall penguins', snippet: 'Emperor penguins are the tallest.' }, 'Penguins live in the south.'],
    } as OpenAI.Chat.ChatCompletionCreateParamsStreaming)
    let text = ''
    const citations: unknown[] = []
    let finish: string | null = null
    let usage: unknown = null
    for await (const chunk of stream) {
      const c = chunk.choices[0]
      if (c?.delta.content) text += c.delta.content
      const cited = (c?.delta as { citations?: unknown[] } | undefined)?.citations
      if (cited) citations.push(...cited)
      if (c?.finish_reason) finish = c.finish_reason
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('Emperor penguins are the tallest.')
    expect(citations).toEqual([CITATION])
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 41, completion_tokens: 7, total_tokens: 48 })
    const sent = JSON.parse(last().body.toString())
    expect(sent).toMatchObject({ model: 'command-a-03-2025', stream: true, messages: [{ role: 'user', content: 'Which penguins are the tallest?' }],
      documents: [{ data: { title: 'Tall penguins', snippet: 'Emperor penguins are the tallest.' } }, 'Penguins live in the south.'] })
    expect(sent.chat_history).toBeUndefined()
  })

  it('built-in target: a streamed chat with documents goes to /v2/chat', () => {
    const ctx: DriverContext = { route: 'llm/v1/chat', stream: true, clientPath: '/c', clientQuery: '', model: { provider: 'cohere', name: 'command-a-03-2025', options: {} } }
    const body = JSON.parse(cohereDriver.encodeRequest({ messages: [{ role: 'user', content: 'q' }], documents: ['a'], stream: true }, Buffer.alloc(0), ctx)!)
    expect(body.stream).toBe(true)
    expect(cohereDriver.target(ctx).path).toBe('/v2/chat')
  })

  it.each([
    ['a citation with prototype keys', '{"type":"citation-start","delta":{"message":{"citations":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"start":0}}}}'],
    ['citations not an object', '{"type":"citation-start","delta":{"message":{"citations":"x"}}}'],
    ['no delta', '{"type":"content-delta"}'],
    ['text not a string', '{"type":"content-delta","delta":{"message":{"content":{"text":{"__proto__":{"polluted":"yes"}}}}}}'],
    ['not JSON', '{nope'],
    ['an array', '[1]'],
  ])('hostile v2 events (%s) pollute nothing and end the stream', (_name, data) => {
    const ctx: DriverContext = { route: 'llm/v1/chat', stream: true, clientPath: '/c', clientQuery: '', model: { provider: 'cohere', name: 'm', options: {} } }
    cohereDriver.encodeRequest({ messages: [{ role: 'user', content: 'q' }], documents: ['a'], stream: true }, Buffer.alloc(0), ctx)
    const t = cohereDriver.stream(ctx)
    const chunks: Record<string, unknown>[] = []
    let done = 0
    const sink: ChunkSink = { verbatim: false, chunk: (c) => chunks.push(c), forward: () => {}, done: () => { done++ } }
    t.push(Buffer.from(`data: ${data}\n\ndata: {"type":"message-end","delta":{"finish_reason":"MAX_TOKENS"}}\n\n`), sink)
    t.end(sink)
    expect(done).toBe(1)
    expect(t.finishReason).toBe('length')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    for (const c of chunks) expect(JSON.stringify(c)).not.toContain('polluted')
  })
})
