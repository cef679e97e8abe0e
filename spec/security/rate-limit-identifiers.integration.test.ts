// Hostile rate-limit identifiers: header values that name prototype keys, huge values, key
// separators, unicode. Each gets its own counter (no collision with another identifier, no
// shared prototype slot), nothing throws, nothing is polluted; a flood of distinct identifiers
// is counted one counter each (the table's bound is in spec/core/counter-table).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { startFakeOpenAi } from '../plugins/llm/helpers/fake-openai.ts'
import { setClock } from '../../plugins/rate-limit-counters/clock.ts'

const HOSTILE = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf',
  'a|b', 'rl|x|minute|y', 'ratelimit:a:b:0:minute', '::1', '%00', '{"__proto__":{"x":1}}',
  'x'.repeat(7000), 'y'.repeat(7000),
]

let gw: TestGateway
let up: FakeUpstream
let oai: FakeUpstream
let now = Date.UTC(2026, 2, 1, 8, 0, 0)

beforeAll(async () => {
  setClock(() => now)
  up = await startUpstream()
  oai = await startFakeOpenAi()
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [
      { name: 'up', url: up.url, routes: [{ name: 'rl', paths: ['/rl'] }, { name: 'flood', paths: ['/flood'] }] },
      { name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'tokens', paths: ['/tokens'] }] },
    ],
    plugins: [
      { name: 'rate-limiting', route: 'rl', config: { minute: 1, limit_by: 'header', header_name: 'x-who' } },
      { name: 'rate-limiting', route: 'flood', config: { minute: 1, limit_by: 'header', header_name: 'x-who' } },
      { name: 'ai-rate-limiting-advanced', route: 'tokens', config: { llm_providers: [{ name: 'openai', limit: [30], window_size: [60] }], window_type: 'fixed', identifier: 'header', header_name: 'x-who' } },
      { name: 'ai-proxy', route: 'tokens', config: {
        route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' },
        model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${oai.url}/v1/chat/completions` } },
      } },
    ],
  }))
})
afterAll(async () => { setClock(null); await gw.close(); await up.close(); await oai.close() })

const send = async (path: string, who: string, body?: string) => {
  const res = await request(`${gw.proxy}${path}`, {
    method: body === undefined ? 'GET' : 'POST', headers: { 'x-who': who, 'content-type': 'application/json' }, ...(body !== undefined && { body }),
  })
  await res.body.dump()
  return res.statusCode
}

describe('rate-limiting: hostile identifiers', () => {
  it.each(HOSTILE.map((h) => [h.length > 40 ? `${h.slice(0, 20)}… (${h.length})` : h, h]))('%s: its own counter (200 then 429)', async (_name, who) => {
    expect(await send('/rl', who)).toBe(200)
    expect(await send('/rl', who)).toBe(429)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  // (a header value equal to the client's IP shares the IP's counter, as in Kong: the identifier is the string)
  it('the hostile identifiers did not use up the client IP\'s counter (no header: the IP)', async () => {
    const res = await request(`${gw.proxy}/rl`)
    await res.body.dump()
    expect(res.statusCode).toBe(200)
  })

  it('500 distinct identifiers: each counted on its own, the gateway keeps serving', async () => {
    const first = await Promise.all(Array.from({ length: 500 }, (_, i) => send('/flood', `id-${i}`)))
    expect(first.every((s) => s === 200)).toBe(true)
    const again = await Promise.all(Array.from({ length: 50 }, (_, i) => send('/flood', `id-${i}`)))
    expect(again.every((s) => s === 429)).toBe(true)
  })
})

describe('ai-rate-limiting-advanced: hostile identifiers', () => {
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] })
  it.each(HOSTILE.slice(0, 10).map((h) => [h]))('%s: its own token budget (37 tokens > 30: 200 then 429)', async (who) => {
    expect(await send('/tokens', who, body)).toBe(200)
    expect(await send('/tokens', who, body)).toBe(429)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })
})
