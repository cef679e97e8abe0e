// A usage object's details (prompt cache, service tier) ride on it unseen: found by detailsOf,
// never copied into a client answer (a spread, JSON) nor carried by a copy.
import { describe, expect, it } from 'vitest'
import { detailsOf, openAiDetails, usageWithDetails, withDetails } from '../../../../plugins/llm/pipeline/usage-details.ts'
import { toUsage, usageOfOpenAi } from '../../../../plugins/llm/pipeline/usage.ts'
import type { TokenUsage } from '../../../../plugins/llm/types.ts'

const fresh = (): TokenUsage => ({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 })

describe('usage details', () => {
  it.each([
    ['service tier only', { cached: 0, tier: 'default' }],
    ['cache only', { cached: 2, tier: null }],
    ['both', { cached: 5, tier: 'priority' }],
  ] as const)('%s: found on the usage, not in a copy, a spread or JSON', (_n, { cached, tier }) => {
    const u = withDetails(fresh(), openAiDetails({ prompt_tokens_details: { cached_tokens: cached } }, tier))
    expect(detailsOf(u)).toMatchObject({ cacheRead: cached, serviceTier: tier })
    expect(JSON.stringify(u)).toBe('{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}')
    expect(Object.keys(u)).toEqual(['prompt_tokens', 'completion_tokens', 'total_tokens'])
    expect(detailsOf({ ...u })).toBeUndefined()
    expect(Object.getOwnPropertySymbols({ ...u })).toEqual([])
    expect(u).toEqual(fresh())
  })

  it('nothing attached when the provider says nothing', () => {
    const u = withDetails(fresh(), openAiDetails({}, null))
    expect(detailsOf(u)).toBeUndefined()
    expect(Reflect.ownKeys(u)).toEqual(['prompt_tokens', 'completion_tokens', 'total_tokens'])
  })

  it('a frozen usage keeps its details too', () => {
    const u = withDetails(Object.freeze(fresh()), openAiDetails({}, 'flex'))
    expect(detailsOf(u)?.serviceTier).toBe('flex')
  })

  it('read from an answer with usageOfOpenAi', () => {
    const r = usageOfOpenAi('{"model":"m","usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":2}},"service_tier":"default"}')
    expect(detailsOf(r.usage!)).toMatchObject({ cacheRead: 2, serviceTier: 'default' })
    expect(JSON.stringify({ usage: r.usage })).toBe('{"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}')
  })

  // OpenAI's reader makes its usage with the details in place (no defineProperty per answer):
  // the same contract as withDetails on a fresh object
  it.each([
    ['tier only', { prompt_tokens_details: { cached_tokens: 0 } }, 'default', 0],
    ['cache only', { prompt_tokens_details: { cached_tokens: 2 } }, null, 2],
    ['both', { input_tokens_details: { cached_tokens: 5 } }, 'priority', 5],
    ['hostile cached count', { prompt_tokens_details: { cached_tokens: 1e400 } }, 'flex', 0],
    ['negative cached count', { prompt_tokens_details: { cached_tokens: -3 } }, 'scale', 0],
  ] as const)('toUsage, %s: details found, not in a copy, a spread or JSON', (_n, extra, tier, cached) => {
    const u = toUsage({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, ...extra }, tier)!
    expect(detailsOf(u)).toMatchObject({ cacheRead: cached, serviceTier: tier })
    expect(JSON.stringify(u)).toBe('{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}')
    expect(Reflect.ownKeys(u)).toEqual(['prompt_tokens', 'completion_tokens', 'total_tokens'])
    expect(detailsOf({ ...u })).toBeUndefined()
    expect(u).toEqual(fresh())
    u.total_tokens = 9 // writable, as a plain usage is
    expect({ ...u }).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 9 })
  })

  it.each([
    ['nothing said', null, 0, false],
    ['a tier', 'default', 0, true],
    ['cached tokens', null, 4, true],
  ] as const)('usageWithDetails, %s', (_n, tier, cached, has) => {
    const u = usageWithDetails(3, 4, 7, openAiDetails({ prompt_tokens_details: { cached_tokens: cached } }, tier))
    expect(u).toEqual(fresh())
    expect(detailsOf(u) !== undefined).toBe(has)
    expect(Object.getPrototypeOf({ ...u })).toBe(Object.prototype)
  })
})
