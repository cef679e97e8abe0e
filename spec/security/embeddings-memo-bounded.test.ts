// The embeddings client's memo of vectors (semantic routing and the semantic cache) is keyed by
// client prompts: it is bounded by their size, not only by their count, so prompts of a request
// body each cannot pile up to a thousand bodies in a worker.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { createEmbedder } from '../../plugins/ai-proxy-advanced/semantic/embeddings.ts'
import '../../plugins/llm/bundled.ts'

let up: FakeUpstream
beforeAll(async () => {
  up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ data: [{ embedding: [1, 0, 0] }] }))
  })
})
afterAll(async () => { await up?.close() })

it.each([
  ['64 KiB prompts', 64 * 1024, 100],
  ['256 KiB prompts', 256 * 1024, 20],
])('%s: the oldest are dropped once the memo holds 4 MiB of them', async (_name, size, count) => {
  const e = createEmbedder({ model: { provider: 'openai', name: 'text-embedding-3-small', options: { upstream_url: `${up.url}/v1/embeddings` } } }, 3)
  const text = (i: number) => `${i}:`.padEnd(size, 'x')
  for (let i = 0; i < count; i++) await e.embed(text(i))
  const calls = up.received.length
  await e.embed(text(count - 1))
  expect(up.received.length).toBe(calls)
  await e.embed(text(0))
  expect(up.received.length).toBe(calls + 1)
})
