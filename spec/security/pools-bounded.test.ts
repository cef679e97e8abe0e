// One undici Pool per distinct upstream origin, and an AI target's origin can come from the
// request (a templated host): the pools of a thread are bounded, least recently used evicted,
// and an evicted pool closes gracefully (what it is carrying finishes).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { request, type Dispatcher } from 'undici'
import { closeAllPools, getPool, MAX_POOLS, poolCount, PoolCache, type PoolKey } from '../../core/proxy/pools.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { getH1Pool, h1PoolCount } from '../../core/proxy/h1-pools.ts'

const key = (port: number, host = '127.0.0.1'): PoolKey => ({ scheme: 'http', host, port, connectTimeout: 1000, tlsVerify: true })

let ups: FakeUpstream[] = []
/** the slow upstream's pending answer, and a signal that its request arrived */
let release: (() => void) | null = null
let arrived: () => void = () => {}

beforeAll(async () => {
  const slow = (_req: IncomingMessage, res: ServerResponse) => {
    release = () => res.end('late but whole')
    arrived()
  }
  ups = [await startUpstream(slow), await startUpstream(), await startUpstream(), await startUpstream()]
})
afterAll(async () => { await Promise.all(ups.map((u) => u.close())) })
afterEach(async () => { await closeAllPools() })

describe('pools per upstream origin', () => {
  it.each([1, 2, 3])('a cache of %i keeps at most that many pools over many distinct origins', (max) => {
    const cache = new PoolCache(max)
    const seen = new Set<unknown>()
    for (let i = 0; i < 50; i++) seen.add(cache.get(key(10_000 + i)))
    expect(seen.size).toBe(50)
    expect(cache.size).toBe(max)
    return cache.closeAll()
  })

  it('the same origin gets the same pool while it stays in the cache', async () => {
    const cache = new PoolCache(2)
    const a = cache.get(key(ups[1]!.port))
    expect(cache.get(key(ups[1]!.port))).toBe(a)
    cache.get(key(ups[2]!.port))
    cache.get(key(ups[1]!.port)) // used: now the most recent
    cache.get(key(ups[3]!.port)) // evicts ups[2]'s pool, not a
    expect(cache.get(key(ups[1]!.port))).toBe(a)
    await cache.closeAll()
  })

  it.each([
    ['pruned', (c: PoolCache) => c.prune([])],
    ['evicted', (c: PoolCache) => { c.get(key(ups[2]!.port)); c.get(key(ups[3]!.port)) }],
  ])('the origin asked for last, %s, gets a fresh pool, not the closed one', async (_how, drop) => {
    const cache = new PoolCache(2)
    const a = cache.get(key(ups[1]!.port))
    expect(cache.get(key(ups[1]!.port))).toBe(a) // asked again: the same pool
    drop(cache)
    expect(a.closed).toBe(true)
    const b = cache.get(key(ups[1]!.port))
    expect(b).not.toBe(a)
    expect(b.closed).toBe(false)
    await cache.closeAll()
  })

  it('a different connect setting for the same host and port is another pool', async () => {
    const cache = new PoolCache(4)
    const a = cache.get(key(ups[1]!.port))
    const b = cache.get({ ...key(ups[1]!.port), connectTimeout: 2000 })
    const c = cache.get({ ...key(ups[1]!.port), tlsVerify: false })
    expect(new Set([a, b, c]).size).toBe(3)
    expect(cache.get(key(ups[1]!.port))).toBe(a)
    await cache.closeAll()
  })

  it('N+1 distinct hosts keep N pools, and the evicted pool finishes the request it carries', async () => {
    const cache = new PoolCache(2)
    const first = cache.get(key(ups[0]!.port))
    const came = new Promise<void>((r) => { arrived = r })
    // through the pool's dispatch (the proxy's only use of it: the Pool module alone has no request())
    const inFlight = request(`http://127.0.0.1:${ups[0]!.port}/slow`, { dispatcher: first as unknown as Dispatcher })
    await came // the request is on the wire, its answer held back

    cache.get(key(ups[1]!.port))
    cache.get(key(ups[2]!.port)) // third origin: the first pool is evicted and closing
    expect(cache.size).toBe(2)
    expect(first.closed).toBe(true)
    expect(cache.get(key(ups[0]!.port))).not.toBe(first) // a fresh pool for the next request there

    release!()
    const res = await inFlight
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('late but whole')
    await cache.closeAll()
  })

  it(`the node's pools stay within MAX_POOLS (${MAX_POOLS}) over MAX_POOLS + 10 templated hosts`, () => {
    for (let i = 0; i < MAX_POOLS + 10; i++) getPool(key(443, `tenant-${i}.openai.azure.example`))
    expect(poolCount()).toBe(MAX_POOLS)
  })

  it.each([['bad host'], ['a\u0000b'], ['[::1'], ['a/b'], ['a?b'], ['a#b'], ['%']])('an origin undici refuses, %j, is refused by the H1 registry too (a throw, no pool)', (host) => {
    expect(() => getH1Pool(host, 80, 1000)).toThrow()
    expect(h1PoolCount()).toBe(0)
  })

  it.each([['😀', 'xn--e28h'], ['user@evil.example', 'evil.example'], ['::1', '::1'], ['[::1]', '::1'], ['Example.COM', 'example.com']])('the H1 pool for %j connects to %j, as undici would', (host, connectsTo) => {
    expect(getH1Pool(host, 80, 1000).host).toBe(connectsTo)
  })

  it(`the H1 client's pools stay within MAX_POOLS too, and closeAllPools closes them`, async () => {
    const pools = []
    for (let i = 0; i < MAX_POOLS + 10; i++) pools.push(getH1Pool(`tenant-${i}.example`, 80, 1000))
    expect(h1PoolCount()).toBe(MAX_POOLS)
    expect(pools.slice(0, 10).every((p) => p.closed)).toBe(true) // the least recently used, evicted
    expect(pools.slice(10).some((p) => p.closed)).toBe(false)
    await closeAllPools()
    expect(h1PoolCount()).toBe(0)
    expect(pools.every((p) => p.closed)).toBe(true)
  })
})
