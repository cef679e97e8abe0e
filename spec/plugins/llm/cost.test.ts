// The one cost formula with Kong 3.14's cost fields, from the usage each provider reports
// (cache reads and writes, per-TTL writes, service tier), as a table.
import { describe, expect, it } from 'vitest'
import { costOf, parseAbove } from '../../../plugins/llm/pipeline/cost.ts'
import { toUsage } from '../../../plugins/llm/pipeline/usage.ts'
import { usageFrom } from '../../../plugins/llm/drivers/anthropic/decode-response.ts'
import { usageOf as geminiUsage } from '../../../plugins/llm/drivers/gemini/decode-response.ts'
import { usageOf as bedrockUsage } from '../../../plugins/llm/drivers/bedrock/decode-response.ts'
import type { ModelOptions, TokenUsage } from '../../../plugins/llm/types.ts'

const BASE = { input_cost: 2, output_cost: 8 }
const plain = (p: number, c: number): TokenUsage => ({ prompt_tokens: p, completion_tokens: c, total_tokens: p + c })
const openai = (p: number, c: number, cached: number, tier: string | null = null) =>
  toUsage({ prompt_tokens: p, completion_tokens: c, total_tokens: p + c, prompt_tokens_details: { cached_tokens: cached } }, tier)!

describe('costOf', () => {
  it.each([
    ['no costs set', {}, plain(1000, 100), 0],
    ['only input_cost set (Kong: 0)', { input_cost: 2 }, plain(1000, 100), 0],
    ['input and output', BASE, plain(1000, 100), (2000 + 800) / 1e6],
    ['cached tokens without cache_read_cost: input price', BASE, openai(1000, 100, 400), (2000 + 800) / 1e6],
    ['cached tokens with cache_read_cost', { ...BASE, cache_read_cost: 0.5 }, openai(1000, 100, 400), (600 * 2 + 400 * 0.5 + 800) / 1e6],
    ['context window not exceeded', { ...BASE, context_window_factor: [{ above: '1000', input_factor: 2, output_factor: 3 }] }, plain(1000, 100), (2000 + 800) / 1e6],
    ['context window exceeded: the highest one passed', { ...BASE, context_window_factor: [{ above: '0.5k', input_factor: 2, output_factor: 3 }, { above: '900', input_factor: 4, output_factor: 5 }] }, plain(1000, 100), (2000 * 4 + 800 * 5) / 1e6],
    ['an unreadable above never applies', { ...BASE, context_window_factor: [{ above: 'lots', input_factor: 9, output_factor: 9 }] }, plain(1000, 100), (2000 + 800) / 1e6],
    ['service tier: case-insensitive substring', { ...BASE, service_tier_factor: [{ tier: 'Flex', factor: 0.5 }] }, openai(1000, 100, 0, 'flex_processing'), (2000 + 800) * 0.5 / 1e6],
    ['service tier reported but not listed', { ...BASE, service_tier_factor: [{ tier: 'priority', factor: 2 }] }, openai(1000, 100, 0, 'default'), (2000 + 800) / 1e6],
    ['tier factors without a reported tier', { ...BASE, service_tier_factor: [{ tier: 'priority', factor: 2 }] }, plain(1000, 100), (2000 + 800) / 1e6],
  ] as const)('%s', (_n, options, usage, expected) => {
    expect(costOf(options as ModelOptions, usage)).toBeCloseTo(expected, 12)
  })

  it('anthropic: reads, writes per TTL, the rest of the writes at cache_write_cost', () => {
    const u = usageFrom({ input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 300, cache_creation_input_tokens: 700, cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 400 }, service_tier: 'priority' }).usage!
    const o = { input_cost: 3, output_cost: 15, cache_read_cost: 0.3, cache_write_cost: 3.75, cache_write_cost_list: [{ ttl: '1h', cost: 6 }], service_tier_factor: [{ tier: 'priority', factor: 1.5 }] }
    expect(u).toEqual({ prompt_tokens: 1100, completion_tokens: 50, total_tokens: 1150 }) // nothing new in the usage object itself
    expect(costOf(o as ModelOptions, u)).toBeCloseTo((100 * 3 + 300 * 0.3 + 200 * 3.75 + 400 * 6 + 100 * 3.75 + 50 * 15) * 1.5 / 1e6, 12)
  })

  it('gemini: cachedContentTokenCount is part of promptTokenCount', () => {
    const u = geminiUsage({ promptTokenCount: 1000, candidatesTokenCount: 100, cachedContentTokenCount: 800 })!
    expect(costOf({ ...BASE, cache_read_cost: 0.5 } as ModelOptions, u)).toBeCloseTo((200 * 2 + 800 * 0.5 + 800) / 1e6, 12)
  })

  it('bedrock: inputTokens leaves the cache out; the window is judged on the whole prompt', () => {
    const u = bedrockUsage({ inputTokens: 100, outputTokens: 10, totalTokens: 710, cacheReadInputTokens: 400, cacheWriteInputTokens: 200 })!
    const o = { ...BASE, cache_read_cost: 0.5, cache_write_cost: 4, context_window_factor: [{ above: '600', input_factor: 2, output_factor: 1 }] }
    expect(costOf(o as ModelOptions, u)).toBeCloseTo(((100 * 2 + 400 * 0.5 + 200 * 4) * 2 + 10 * 8) / 1e6, 12)
  })

  it('a copy of a usage object carries no cache report (priced as plain tokens)', () => {
    const u = openai(1000, 100, 400)
    expect(costOf({ ...BASE, cache_read_cost: 0 } as ModelOptions, { ...u })).toBeCloseTo((2000 + 800) / 1e6, 12)
  })
})

describe('parseAbove', () => {
  it.each([['200000', 200000], ['200k', 200000], ['1M', 1e6], [' 1.5k ', 1500], ['', NaN], ['k', NaN], ['1e6', NaN], ['-5', NaN]])('%j → %d', (s, n) => {
    expect(parseAbove(s)).toBe(n)
  })
})
