import { describe, expect, it, vi } from 'vitest'
import { PdkCache } from '../../pdk/cache.ts'

function clock() {
  let t = 1_000 // lru-cache treats a start time of 0 as "no ttl"
  return { perf: { now: () => t }, advance: (ms: number) => { t += ms } }
}

describe('kong.cache', () => {
  it('returns a hit synchronously and calls a sync loader once', () => {
    const c = new PdkCache()
    const loader = vi.fn((k: string) => `v-${k}`)
    expect(c.get('a', null, loader, 'a')).toBe('v-a')
    expect(c.get('a', null, loader, 'a')).toBe('v-a')
    expect(loader).toHaveBeenCalledTimes(1)
  })

  it('single-flights an async loader: concurrent misses share one call', async () => {
    const c = new PdkCache()
    let resolve!: (v: string) => void
    const loader = vi.fn(() => new Promise<string>((r) => { resolve = r }))
    const a = c.get('k', null, loader)
    const b = c.get('k', null, loader)
    expect(a).toBe(b)
    resolve('done')
    expect(await a).toBe('done')
    expect(c.get('k', null, loader)).toBe('done') // now a sync hit
    expect(loader).toHaveBeenCalledTimes(1)
  })

  it('expires after ttl seconds; caches "not found" for negTtl', () => {
    const { perf, advance } = clock()
    const c = new PdkCache({ perf })
    let n = 0
    const loader = () => ++n
    expect(c.get('t', { ttl: 10 }, loader)).toBe(1)
    advance(9_000)
    expect(c.get('t', { ttl: 10 }, loader)).toBe(1)
    expect(c.probe('t')).toBeCloseTo(1)
    advance(2_000)
    expect(c.get('t', { ttl: 10 }, loader)).toBe(2)
    const miss = vi.fn(() => null)
    expect(c.get('m', { ttl: 100, negTtl: 1 }, miss)).toBeNull()
    expect(c.get('m', { ttl: 100, negTtl: 1 }, miss)).toBeNull()
    expect(miss).toHaveBeenCalledTimes(1)
    advance(1_500)
    c.get('m', { ttl: 100, negTtl: 1 }, miss)
    expect(miss).toHaveBeenCalledTimes(2)
  })

  it('does not cache loader errors; invalidate and purge drop entries', async () => {
    const c = new PdkCache()
    await expect(c.get('e', null, () => Promise.reject(new Error('db down')))).rejects.toThrow('db down')
    expect(c.get('e', null, () => 'ok')).toBe('ok')
    c.invalidate('e')
    expect(c.probe('e')).toBeUndefined()
    c.set('x', 1)
    c.purge()
    expect(c.get('x', null, () => 2)).toBe(2)
  })

  it('evicts the least recently used beyond max', () => {
    const c = new PdkCache({ max: 2 })
    c.set('a', 1); c.set('b', 2); c.get('a', null, () => 0); c.set('c', 3)
    expect(c.probe('b')).toBeUndefined()
    expect(c.probe('a')).toBe(0)
  })
})
