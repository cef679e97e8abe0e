// The learning balancers take their figures from the LlmOutcome of each complete answer (one
// token count, the one the analytics log): lowest-usage, with log_statistics off, steers away from
// the target whose answers cost more tokens. Real gateway, fake OpenAI upstreams on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { CHAT_ANSWER } from '../llm/helpers/fake-openai.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'
import { onLlmOutcome } from '../../../plugins/llm/outcome/outcome-bus.ts'
import type { LlmOutcome } from '../../../plugins/llm/outcome/llm-outcome.ts'

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()
const outcomes = new Map<string, LlmOutcome>()
const unsubscribe = onLlmOutcome((o) => { outcomes.set(o.requestId, o) })

const TOKENS: Record<string, number> = { '/big': 5000, '/small': 10 }

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    const n = TOKENS[req.url ?? ''] ?? 0
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ ...CHAT_ANSWER, usage: { prompt_tokens: n, completion_tokens: n, total_tokens: 2 * n } }))
  })
  const target = (path: string) => ({ route_type: 'llm/v1/chat', model: { provider: 'openai', name: 'gpt-4o', options: { upstream_url: `${up.url}${path}` } } })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'usage', paths: ['/usage'] }] }],
    plugins: [
      { name: 'log-capture', config: {} },
      { name: 'ai-proxy-advanced', route: 'usage', config: { balancer: { algorithm: 'lowest-usage' }, targets: [target('/big'), target('/small')] } },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  unsubscribe()
  await gw?.close()
  await up?.close()
})

/** One request; resolves with the target that answered, once its log phase (where the balancer learns) is over. */
async function answeredBy(id: string): Promise<number> {
  const res = await request(`${gw.proxy}/usage`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': id }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(res.statusCode).toBe(200)
  await res.body.text()
  const log = await logs.waitFor(id)
  const o = outcomes.get(log.request.id)!
  expect(log.ai).toBeUndefined() // statistics are off: the balancer reads the answer anyway
  return o.tried[o.tried.length - 1]!
}

describe('lowest-usage learns from the outcome', () => {
  it('after both targets answered, picks go to the one using fewer tokens', async () => {
    const seen = new Set<number>()
    for (let i = 0; i < 10 && seen.size < 2; i++) seen.add(await answeredBy(`warm-${i}`))
    expect(seen).toEqual(new Set([0, 1]))
    const next = [await answeredBy('after-1'), await answeredBy('after-2'), await answeredBy('after-3')]
    expect(next).toEqual([1, 1, 1])
  })
})
