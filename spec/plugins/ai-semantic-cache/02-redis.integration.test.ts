// The semantic cache's `redis` strategy on Debian's redis-server, which has no RediSearch: the
// driver start finds no FT.* commands; exact entries work with plain GET and SET ... EX; without
// exact_caching there is nothing to look up, Kong's failed driver start (Bypass, or Kong's 500
// with stop_on_failure). TTLs are Redis's own (set with EXPIRE / PERSIST from the test, no sleeps);
// Redis stopped mid-run follows stop_on_failure.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { redisMissing, startRedis, type TestRedis } from '../../helpers/redis.ts'
import { closeRedisCaches } from '../../../plugins/ai-semantic-cache/redis-cache.ts'
import { storesSettled } from '../../../plugins/ai-semantic-cache/index.ts'
import { ask, cacheConfig, chat, contentOf, startFakes, type Fakes } from './cache-fixtures.ts'

const missing = redisMissing()

describe.skipIf(missing !== null)(`ai-semantic-cache, redis strategy on plain Redis${missing ? ` (${missing})` : ''}`, () => {
  let f: Fakes
  let redis: TestRedis
  let client: Redis
  let gw: TestGateway

  beforeAll(async () => {
    f = await startFakes()
    redis = await startRedis()
    client = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true })
    await client.connect()
    const vdb = { strategy: 'redis', redis: { host: '127.0.0.1', port: redis.port } }
    gw = await startGateway(cacheConfig(f, vdb, [
      { name: 'exact', cache: { exact_caching: true } },
      { name: 'exact-mini', model: 'gpt-4o-mini', cache: { exact_caching: true } },
      { name: 'no-exact', cache: {} },
      { name: 'no-exact-strict', cache: { stop_on_failure: true } },
    ]))
  }, 30_000)

  afterAll(async () => {
    await gw?.close()
    await closeRedisCaches()
    client?.disconnect()
    await redis?.stop()
    await f?.close()
  })

  afterEach(async () => { await storesSettled() })

  const keysOf = async (pattern: string) => (await client.keys(pattern)).sort()

  it('stores an exact entry with SET EX cache_ttl and answers the same prompt from it', async () => {
    const calls = f.chatCalls()
    const miss = await ask(gw.proxy, 'exact', chat('weather in Paris'))
    expect(miss.headers['x-cache-status']).toBe('Miss')
    await storesSettled()
    const [key] = await keysOf('kong_semantic_cache:*:openai-gpt-4o:*')
    expect(key).toMatch(/^kong_semantic_cache:[^:]+:openai-gpt-4o:[0-9a-f]{64}$/)
    expect(await client.ttl(key!)).toBeGreaterThan(295)

    const hit = await ask(gw.proxy, 'exact', chat('weather in Paris'))
    expect([hit.status, hit.headers['x-cache-status'], hit.headers['x-cache-key']]).toEqual([200, 'Hit', key])
    expect(contentOf(hit)).toBe(contentOf(miss))
    expect(f.chatCalls()).toBe(calls + 1)
    // no vector search on plain Redis: a near prompt is a miss, and nothing is embedded
    expect(f.embedCalls()).toBe(0)
    expect((await ask(gw.proxy, 'exact', chat('weather in Paris?'))).headers['x-cache-status']).toBe('Miss')
  })

  it('says Redis\'s remaining TTL and the age from it', async () => {
    await ask(gw.proxy, 'exact', chat('weather in Rome'))
    await storesSettled()
    const hit0 = await ask(gw.proxy, 'exact', chat('weather in Rome'))
    await client.expire(hit0.headers['x-cache-key']!, 100)
    const hit = await ask(gw.proxy, 'exact', chat('weather in Rome'))
    expect([hit.headers['x-cache-status'], hit.headers['x-cache-ttl'], hit.headers.age]).toEqual(['Hit', '100', '200'])
    await client.del(hit0.headers['x-cache-key']!)
    expect((await ask(gw.proxy, 'exact', chat('weather in Rome'))).headers['x-cache-status']).toBe('Miss')
  })

  it('refreshes an entry with no TTL left (Kong: age ≥ cache_ttl), storing the new answer', async () => {
    const first = await ask(gw.proxy, 'exact', chat('weather in Oslo'))
    await storesSettled()
    const key = (await ask(gw.proxy, 'exact', chat('weather in Oslo'))).headers['x-cache-key']!
    await client.persist(key)
    const calls = f.chatCalls()
    const refreshed = await ask(gw.proxy, 'exact', chat('weather in Oslo'))
    expect(refreshed.headers['x-cache-status']).toBe('Refresh')
    expect(f.chatCalls()).toBe(calls + 1)
    await storesSettled()
    expect(await client.ttl(key)).toBeGreaterThan(295)
    const hit = await ask(gw.proxy, 'exact', chat('weather in Oslo'))
    expect(hit.headers['x-cache-status']).toBe('Hit')
    expect(contentOf(hit)).toBe(contentOf(refreshed))
    expect(contentOf(hit)).not.toBe(contentOf(first))
  })

  it('keeps the models apart (namespace per model)', async () => {
    await ask(gw.proxy, 'exact', chat('weather in Lima'))
    await storesSettled()
    expect((await ask(gw.proxy, 'exact-mini', chat('weather in Lima'))).headers['x-cache-status']).toBe('Miss')
  })

  it('puts nothing of the prompt in a key', async () => {
    await ask(gw.proxy, 'exact', chat('my secret prompt sk-live-123'))
    await storesSettled()
    for (const k of await client.keys('*')) expect(k).not.toMatch(/secret|sk-live|prompt/)
  })

  it('without exact_caching there is no lookup on plain Redis: Bypass, or Kong\'s 500 with stop_on_failure', async () => {
    const calls = f.chatCalls()
    const r = await ask(gw.proxy, 'no-exact', chat('weather in Cairo'))
    expect([r.status, r.headers['x-cache-status']]).toEqual([200, 'Bypass'])
    const strict = await ask(gw.proxy, 'no-exact-strict', chat('weather in Cairo'))
    expect([strict.status, strict.text]).toEqual([500, JSON.stringify({ message: "Failed to load the 'redis' vector database driver" })])
    expect(f.chatCalls()).toBe(calls + 1)
  })

  describe('Redis stopped mid-run', () => {
    let own: TestRedis
    let stopped = false
    let down: TestGateway
    beforeAll(async () => {
      own = await startRedis()
      down = await startGateway(cacheConfig(f, { strategy: 'redis', redis: { host: '127.0.0.1', port: own.port, connect_timeout: 500, read_timeout: 500, send_timeout: 500 } }, [
        { name: 'strict', cache: { exact_caching: true, stop_on_failure: true } },
        { name: 'lenient', cache: { exact_caching: true } },
      ]))
    })
    afterAll(async () => { await down?.close(); if (!stopped) await own?.stop() })

    it('answers Kong\'s 500 with stop_on_failure, else goes on uncached (Bypass)', async () => {
      expect((await ask(down.proxy, 'strict', chat('weather'))).headers['x-cache-status']).toBe('Miss')
      expect((await ask(down.proxy, 'lenient', chat('weather'))).headers['x-cache-status']).toBe('Miss')
      await storesSettled()
      await own.stop()
      stopped = true
      const strict = await ask(down.proxy, 'strict', chat('weather'))
      expect([strict.status, strict.text]).toEqual([500, JSON.stringify({ message: "Failed to query 'redis' for cached response" })])
      const calls = f.chatCalls()
      const lenient = await ask(down.proxy, 'lenient', chat('weather'))
      expect([lenient.status, lenient.headers['x-cache-status']]).toEqual([200, 'Bypass'])
      expect(f.chatCalls()).toBe(calls + 1)
    })
  })
})
