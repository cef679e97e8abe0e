// The semantic cache on PostgreSQL with pgvector (Debian's server when it has the extension, else
// PGlite with the real pgvector, as the semantic router's tests run it): semantic and exact hits,
// misses, Refresh of an expired entry, TTL headers, streaming replay read by the OpenAI SDK,
// namespaces per model and per plugin, the outcome's cache status, and stop_on_failure both ways.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import OpenAI from 'openai'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { postgresMissing, startPostgres, type TestPostgres } from '../../helpers/postgres.ts'
import { closePgvectorPools } from '../../../plugins/ai-proxy-advanced/semantic/pgvector-store.ts'
import { storesSettled } from '../../../plugins/ai-semantic-cache/index.ts'
import { onLlmOutcome } from '../../../plugins/llm/outcome/outcome-bus.ts'
import type { LlmOutcome } from '../../../plugins/llm/outcome/llm-outcome.ts'
import { closedPort } from '../../../public/testing/upstream.ts'
import { ask, cacheConfig, chat, contentOf, startFakes, type Fakes } from './cache-fixtures.ts'

const pgMissing = postgresMissing()

describe(`ai-semantic-cache, pgvector (${pgMissing === null ? 'Debian PostgreSQL' : `PGlite: ${pgMissing}`})`, () => {
  let f: Fakes
  let db: TestPostgres
  let gw: TestGateway
  const outcomes: LlmOutcome[] = []
  let unsubscribe = () => {}

  beforeAll(async () => {
    f = await startFakes()
    db = await startPostgres()
    const pgv = { strategy: 'pgvector', pgvector: { host: '127.0.0.1', port: db.port, user: 'postgres', database: 'kong-pgvector' } }
    gw = await startGateway(cacheConfig(f, pgv, [
      { name: 'semantic', cache: {} },
      { name: 'semantic-mini', model: 'gpt-4o-mini', cache: {} },
      { name: 'other-plugin', cache: {} },
      { name: 'exact', cache: { exact_caching: true } },
      { name: 'stream', cache: {} },
      { name: 'countback', cache: { message_countback: 3, ignore_system_prompts: true } },
      { name: 'control', cache: { cache_control: true } },
      { name: 'strict', cache: { stop_on_failure: true } },
    ]))
    unsubscribe = onLlmOutcome((o) => { outcomes.push(o) })
  }, 60_000)

  afterAll(async () => {
    unsubscribe()
    await gw?.close()
    await closePgvectorPools()
    await db?.stop()
    await f?.close()
  })

  afterEach(async () => {
    f.embedMode = 'ok'
    f.cacheControl = undefined
    f.answerBytes = 0
    vi.useRealTimers()
    await storesSettled()
  })

  it('answers a near prompt from the cache after a miss, without calling the provider', async () => {
    const calls = f.chatCalls()
    const miss = await ask(gw.proxy, 'semantic', chat('What is the weather in Paris?'))
    expect(miss.status).toBe(200)
    expect(miss.headers['x-cache-status']).toBe('Miss')
    expect(f.chatCalls()).toBe(calls + 1)
    await storesSettled()

    const hit = await ask(gw.proxy, 'semantic', chat('Paris weather today, please'))
    expect(hit.status).toBe(200)
    expect(hit.headers['x-cache-status']).toBe('Hit')
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(f.chatCalls()).toBe(calls + 1)
    expect(contentOf(hit)).toBe(contentOf(miss))
    const key = hit.headers['x-cache-key']!
    expect(key).toMatch(/^kong_semantic_cache:[^:]+:openai-gpt-4o:[0-9a-f]{64}$/)
    expect(hit.json().id).toBe(key)
    expect(Number(hit.headers['x-cache-ttl'])).toBeGreaterThan(290)
    expect(Number(hit.headers['x-cache-ttl'])).toBeLessThanOrEqual(300)
    expect(Number(hit.headers.age)).toBe(300 - Number(hit.headers['x-cache-ttl']))
  })

  it('tells a far prompt from a cached one (Miss)', async () => {
    await ask(gw.proxy, 'semantic', chat('Will it rain in Oslo?'))
    await storesSettled()
    const calls = f.chatCalls()
    const other = await ask(gw.proxy, 'semantic', chat('Write a python program'))
    expect(other.headers['x-cache-status']).toBe('Miss')
    expect(f.chatCalls()).toBe(calls + 1)
  })

  it('reports the hit on the LLM outcome with the cached answer\'s usage', async () => {
    await ask(gw.proxy, 'semantic', chat('sunny in Rome?'))
    await storesSettled()
    outcomes.length = 0
    const hit = await ask(gw.proxy, 'semantic', chat('sunny in Rome'))
    expect(hit.headers['x-cache-status']).toBe('Hit')
    expect(outcomes).toHaveLength(1)
    expect(outcomes[0]).toMatchObject({ cache: 'hit', status: 200, response: 'none', usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 }, responseModel: 'gpt-4o' })
    outcomes.length = 0
    await ask(gw.proxy, 'semantic', chat('a story about dragons'))
    expect(outcomes[0]).toMatchObject({ cache: 'miss', response: 'passthrough' })
  })

  it('keeps a cache per model and per plugin (namespaces)', async () => {
    await ask(gw.proxy, 'semantic', chat('weather in Lisbon'))
    await storesSettled()
    expect((await ask(gw.proxy, 'semantic', chat('weather in Lisbon'))).headers['x-cache-status']).toBe('Hit')
    expect((await ask(gw.proxy, 'semantic-mini', chat('weather in Lisbon'))).headers['x-cache-status']).toBe('Miss')
    // PGlite serves one connection at a time: the store goes first
    await storesSettled()
    expect((await ask(gw.proxy, 'other-plugin', chat('weather in Lisbon'))).headers['x-cache-status']).toBe('Miss')
    await storesSettled()
    const mini = await ask(gw.proxy, 'semantic-mini', chat('weather in Lisbon'))
    expect(mini.headers['x-cache-key']).toContain(':openai-gpt-4o-mini:')
    const rows = await db.query("SELECT DISTINCT namespace FROM tollgate_ai_semantic_cache WHERE namespace LIKE '%gpt-4o%'")
    expect(new Set(rows.map((r) => String(r.namespace).split(':').slice(1).join(':'))).size).toBeGreaterThanOrEqual(3)
  })

  it('exact_caching answers the same text without an embeddings call', async () => {
    await ask(gw.proxy, 'exact', chat('exactly this weather question'))
    await storesSettled()
    const embeds = f.embedCalls()
    const calls = f.chatCalls()
    const hit = await ask(gw.proxy, 'exact', chat('exactly this weather question'))
    expect(hit.headers['x-cache-status']).toBe('Hit')
    expect(f.embedCalls()).toBe(embeds)
    expect(f.chatCalls()).toBe(calls)
  })

  it('says the remaining TTL and the age, and refreshes an expired entry (fake clock)', async () => {
    const first = await ask(gw.proxy, 'exact', chat('python in Berlin'))
    await storesSettled()
    expect(first.headers['x-cache-status']).toBe('Miss')
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 120_000 })
    const aged = await ask(gw.proxy, 'exact', chat('python in Berlin'))
    expect(aged.headers['x-cache-status']).toBe('Hit')
    expect(Number(aged.headers.age)).toBeGreaterThanOrEqual(119)
    expect(Number(aged.headers.age)).toBeLessThanOrEqual(121)
    expect(Number(aged.headers['x-cache-ttl'])).toBe(300 - Number(aged.headers.age))

    vi.setSystemTime(Date.now() + 300_000)
    const calls = f.chatCalls()
    const refreshed = await ask(gw.proxy, 'exact', chat('python in Berlin'))
    expect(refreshed.headers['x-cache-status']).toBe('Refresh')
    expect(f.chatCalls()).toBe(calls + 1)
    expect(contentOf(refreshed)).not.toBe(contentOf(first))
    await storesSettled()
    const again = await ask(gw.proxy, 'exact', chat('python in Berlin'))
    expect(again.headers['x-cache-status']).toBe('Hit')
    expect(contentOf(again)).toBe(contentOf(refreshed))
  })

  it('replays a cached answer as an OpenAI stream the SDK reads, stored from a streamed miss', async () => {
    const client = new OpenAI({ baseURL: `${gw.proxy}/stream/v1`, apiKey: 'sk-client', maxRetries: 0 })
    const read = async (content: string) => {
      const { data, response } = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content }] }).withResponse()
      let text = ''
      let finish: string | null = null
      for await (const c of data) {
        text += c.choices[0]?.delta.content ?? ''
        finish = c.choices[0]?.finish_reason ?? finish
      }
      return { text, finish, status: response.headers.get('x-cache-status') }
    }
    const calls = f.chatCalls()
    const miss = await read('python code for a web server')
    expect(miss.status).toBe('Miss')
    await storesSettled()
    const hit = await read('python code for a web server!')
    expect(hit).toEqual({ text: miss.text, finish: 'stop', status: 'Hit' })
    expect(f.chatCalls()).toBe(calls + 1)

    const raw = await ask(gw.proxy, 'stream', chat('python code for a web server!', { stream: true }))
    expect(raw.headers['content-type']).toBe('text/event-stream')
    const events = raw.text.split('\n\n').filter(Boolean)
    expect(events.at(-1)).toBe('data: [DONE]')
    expect(raw.text.endsWith('data: [DONE]\n\n')).toBe(true)
    const first = JSON.parse(events[0]!.slice(6)) as { id: string; object: string; choices: { delta: { content: string } }[] }
    expect(first).toMatchObject({ id: raw.headers['x-cache-key'], object: 'chat.completion.chunk', choices: [{ delta: { content: miss.text } }] })
  })

  it('with message_countback 3 keys on the last three messages, system prompts ignored', async () => {
    const convo = (system: string, last: string) => ({ messages: [
      { role: 'system', content: system },
      { role: 'user', content: 'weather first' },
      { role: 'assistant', content: 'sunny' },
      { role: 'user', content: last },
    ] })
    await ask(gw.proxy, 'countback', convo('be brief', 'and tomorrow the weather?'))
    await storesSettled()
    expect((await ask(gw.proxy, 'countback', convo('be verbose', 'and tomorrow the weather?'))).headers['x-cache-status']).toBe('Hit')
  })

  it('with cache_control, an answer saying no-store is not stored (Bypass), max-age is its TTL', async () => {
    f.cacheControl = 'no-store'
    const a = await ask(gw.proxy, 'control', chat('weather in Madrid'))
    expect(a.headers['x-cache-status']).toBe('Bypass')
    await storesSettled()
    f.cacheControl = 'max-age=60'
    expect((await ask(gw.proxy, 'control', chat('weather in Madrid'))).headers['x-cache-status']).toBe('Miss')
    await storesSettled()
    const hit = await ask(gw.proxy, 'control', chat('weather in Madrid'))
    expect(hit.headers['x-cache-status']).toBe('Hit')
    expect(Number(hit.headers['x-cache-ttl'])).toBeLessThanOrEqual(60)
    expect(Number(hit.headers.age)).toBe(300 - Number(hit.headers['x-cache-ttl']))
  })

  it.each([
    ['Cache-Control no-store', { 'cache-control': 'no-store' }],
    ['Cache-Control no-cache', { 'cache-control': 'max-age=10, no-cache' }],
    ['an Authorization header', { authorization: 'Bearer sk-client' }],
  ])('with cache_control, a request with %s bypasses the cache', async (_name, headers) => {
    await ask(gw.proxy, 'control', chat('weather in Vienna'))
    await storesSettled()
    const embeds = f.embedCalls()
    const r = await ask(gw.proxy, 'control', chat('weather in Vienna'), headers)
    expect(r.status).toBe(200)
    expect(r.headers['x-cache-status']).toBe('Bypass')
    expect(f.embedCalls()).toBe(embeds)
  })

  it('does not store an answer larger than the cap', async () => {
    f.answerBytes = 1024 * 1024 + 10
    expect((await ask(gw.proxy, 'other-plugin', chat('a huge answer'))).headers['x-cache-status']).toBe('Miss')
    await storesSettled()
    f.answerBytes = 0
    expect((await ask(gw.proxy, 'other-plugin', chat('a huge answer'))).headers['x-cache-status']).toBe('Miss')
    await storesSettled()
    expect((await ask(gw.proxy, 'other-plugin', chat('a huge answer'))).headers['x-cache-status']).toBe('Hit')
  })

  describe('failures', () => {
    it.each([
      ['fail', 'Failed to generate embeddings'],
      ['wrong-dimensions', 'Embedding dimensions do not match the configured vector database. Embeddings were 2 dimensions, but the vector database is configured for 3 dimensions.'],
    ] as const)('embeddings %s: stop_on_failure answers 500 %j, else the request goes on (Bypass)', async (mode, message) => {
      f.embedMode = mode
      const calls = f.chatCalls()
      const strict = await ask(gw.proxy, 'strict', chat(`weather ${mode} strict`))
      expect([strict.status, strict.text]).toEqual([500, JSON.stringify({ message })])
      expect(f.chatCalls()).toBe(calls)
      const lenient = await ask(gw.proxy, 'semantic', chat(`weather ${mode} lenient`))
      expect(lenient.status).toBe(200)
      expect(lenient.headers['x-cache-status']).toBe('Bypass')
      expect(f.chatCalls()).toBe(calls + 1)
    })

    it('PostgreSQL unreachable: stop_on_failure answers Kong\'s 500, else Bypass', async () => {
      const port = await closedPort()
      const down = await startGateway(cacheConfig(f, { strategy: 'pgvector', pgvector: { host: '127.0.0.1', port, timeout: 1000 } }, [
        { name: 'strict', cache: { stop_on_failure: true } },
        { name: 'lenient', cache: {} },
      ]))
      try {
        const strict = await ask(down.proxy, 'strict', chat('weather'))
        expect([strict.status, strict.text]).toEqual([500, JSON.stringify({ message: "Failed to load the 'pgvector' vector database driver" })])
        const lenient = await ask(down.proxy, 'lenient', chat('weather'))
        expect([lenient.status, lenient.headers['x-cache-status']]).toEqual([200, 'Bypass'])
      } finally {
        await down.close()
      }
    })
  })
})
