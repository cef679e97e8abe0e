// ai-semantic-cache under hostile input: request bodies shaped to pollute, to throw or to grow
// (answered by the provider or refused with a 4xx, never a 500 nor a crash; nothing polluted; the
// store's keys are SHA-256 hex under the namespace, with nothing of the prompt), and hostile
// embeddings answers (refused with Kong's message under stop_on_failure, never stored, no secret
// in the error body).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { closePgvectorPools } from '../../plugins/ai-proxy-advanced/semantic/pgvector-store.ts'
import { storesSettled } from '../../plugins/ai-semantic-cache/index.ts'
import { ask, cacheConfig, chat, startFakes, type Fakes } from '../plugins/ai-semantic-cache/cache-fixtures.ts'

let f: Fakes
let db: TestPostgres
let gw: TestGateway

beforeAll(async () => {
  f = await startFakes()
  db = await startPostgres()
  const pgv = { strategy: 'pgvector', pgvector: { host: '127.0.0.1', port: db.port, user: 'postgres', database: 'kong-pgvector' } }
  gw = await startGateway(cacheConfig(f, pgv, [
    { name: 'cache', cache: { exact_caching: true, message_countback: 1000 } },
    { name: 'strict', cache: { stop_on_failure: true } },
  ]))
}, 60_000)

afterAll(async () => {
  await gw?.close()
  await closePgvectorPools()
  await db?.stop()
  await f?.close()
})

afterEach(async () => {
  f.embedAnswer = undefined
  await storesSettled()
})

const HOSTILE_BODIES: [string, string][] = [
  ['__proto__ message', '{"messages":[{"__proto__":{"role":"user","content":"x"}}]}'],
  ['__proto__ beside a role', '{"messages":[{"role":"user","content":"weather","__proto__":{"polluted":1}}]}'],
  ['constructor.prototype', '{"messages":[{"role":"user","content":"weather","constructor":{"prototype":{"polluted":1}}}]}'],
  ['role not a string', '{"messages":[{"role":{"toString":"user"},"content":"x"},{"role":"user","content":"ok"}]}'],
  ['content an object', '{"messages":[{"role":"user","content":{"__proto__":{"polluted":1},"a":[1,2,{"b":null}]}}]}'],
  ['deeply nested content', `{"messages":[{"role":"user","content":${'['.repeat(500)}${']'.repeat(500)}}]}`],
  ['content over the prompt cap', JSON.stringify(chat('w'.repeat(70 * 1024)))],
  ['NUL and lone surrogates', '{"messages":[{"role":"user","content":"\\u0000\\ud800 weather \\udfff"}]}'],
  ['a thousand messages', JSON.stringify({ messages: Array.from({ length: 1000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` })) })],
  ['messages not an array', '{"messages":{"0":{"role":"user","content":"x"},"length":1}}'],
  ['messages empty', '{"messages":[]}'],
  ['not JSON', '{"messages":[{"role":"user"'],
  ['a JSON array', '[{"role":"user","content":"x"}]'],
]

describe('hostile request bodies', () => {
  it.each(HOSTILE_BODIES)('%s: answered without a 5xx, nothing polluted', async (_name, body) => {
    const res = await fetch(`${gw.proxy}/cache`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(res.status).toBeLessThan(500)
    await res.text()
    await storesSettled()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((await ask(gw.proxy, 'cache', chat('still serving?'))).status).toBe(200)
  })

  it('keeps only SHA-256 keys under the namespace, nothing of any prompt', async () => {
    await storesSettled()
    const rows = await db.query('SELECT namespace, key FROM tollgate_ai_semantic_cache')
    expect(rows.length).toBeGreaterThan(0)
    for (const r of rows) {
      expect(String(r.namespace)).toMatch(/^kong_semantic_cache:[^:]+:openai-gpt-4o$/)
      expect(String(r.key)).toMatch(/^[0-9a-f]{64}$/)
    }
  })
})

const HOSTILE_EMBEDDINGS: [string, string, string][] = [
  ['strings for numbers', '{"data":[{"embedding":["1","0","0"]}]}', 'Failed to generate embeddings'],
  ['a string among numbers', '{"data":[{"embedding":[1,"x",0]}]}', 'Failed to generate embeddings'],
  ['null among numbers', '{"data":[{"embedding":[1,null,0]}]}', 'Failed to generate embeddings'],
  ['no data', '{"object":"list"}', 'Failed to generate embeddings'],
  ['data through __proto__', '{"__proto__":{"data":[{"embedding":[1,0,0]}]}}', 'Failed to generate embeddings'],
  ['not JSON', '<html>', 'Failed to generate embeddings'],
  ['too many dimensions', JSON.stringify({ data: [{ embedding: Array.from({ length: 5000 }, () => 0.1) }] }),
    'Embedding dimensions do not match the configured vector database. Embeddings were 5000 dimensions, but the vector database is configured for 3 dimensions.'],
]

describe('hostile embeddings answers', () => {
  it.each(HOSTILE_EMBEDDINGS)('%s: Kong\'s 500 with stop_on_failure, no secret, nothing stored', async (name, answer, message) => {
    f.embedAnswer = answer
    const calls = f.chatCalls()
    const r = await ask(gw.proxy, 'strict', chat(`hostile embeddings: ${name}`))
    expect([r.status, r.text]).toEqual([500, JSON.stringify({ message })])
    expect(r.text).not.toContain('secret')
    expect(f.chatCalls()).toBe(calls)
    expect(({} as Record<string, unknown>).data).toBeUndefined()
  })
})
