// The cache behind ai-proxy-advanced (its published exchange: the picked target's provider and
// model make the namespace) and for a client speaking the Anthropic format (llm_format anthropic
// on ai-proxy to an OpenAI provider): a streamed miss is stored as the assembled answer and served
// back as an Anthropic message or event stream. Exact entries in Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { redisMissing, startRedis, type TestRedis } from '../../helpers/redis.ts'
import { closeRedisCaches } from '../../../plugins/ai-semantic-cache/redis-cache.ts'
import { storesSettled } from '../../../plugins/ai-semantic-cache/index.ts'
import { ask, chat, contentOf, startFakes, type Fakes } from './cache-fixtures.ts'

const missing = redisMissing()

describe.skipIf(missing !== null)('ai-semantic-cache behind ai-proxy-advanced and for Anthropic-format clients', () => {
  let f: Fakes
  let redis: TestRedis
  let gw: TestGateway

  beforeAll(async () => {
    f = await startFakes()
    redis = await startRedis()
    const upstream = `${f.chat.url}/v1/chat/completions`
    const cache = {
      embeddings: { model: { provider: 'openai', name: 'text-embedding-3-small', options: { upstream_url: `${f.embeddings.url}/v1/embeddings` } } },
      vectordb: { strategy: 'redis', dimensions: 3, distance_metric: 'cosine', redis: { host: '127.0.0.1', port: redis.port } },
      exact_caching: true,
    }
    const target = (name: string) => ({ route_type: 'llm/v1/chat', model: { provider: 'openai', name, options: { upstream_url: upstream } } })
    gw = await startGateway(JSON.stringify({
      _format_version: '3.0',
      services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'advanced', paths: ['/advanced'] }, { name: 'anthropic', paths: ['/anthropic'] }] }],
      plugins: [
        { name: 'ai-proxy-advanced', route: 'advanced', config: { balancer: { algorithm: 'round-robin' }, targets: [target('gpt-4o'), target('gpt-4o')] } },
        { name: 'ai-semantic-cache', route: 'advanced', config: cache },
        { name: 'ai-proxy', route: 'anthropic', config: { llm_format: 'anthropic', ...target('gpt-4o') } },
        { name: 'ai-semantic-cache', route: 'anthropic', config: { ...cache, llm_format: 'anthropic' } },
      ],
    }))
  }, 30_000)

  afterAll(async () => {
    await gw?.close()
    await closeRedisCaches()
    await redis?.stop()
    await f?.close()
  })

  it('caches ai-proxy-advanced answers under the picked target\'s model', async () => {
    const calls = f.chatCalls()
    const miss = await ask(gw.proxy, 'advanced', chat('weather in Quito'))
    expect(miss.headers['x-cache-status']).toBe('Miss')
    await storesSettled()
    const hit = await ask(gw.proxy, 'advanced', chat('weather in Quito'))
    expect(hit.headers['x-cache-status']).toBe('Hit')
    expect(hit.headers['x-cache-key']).toMatch(/:openai-gpt-4o:[0-9a-f]{64}$/)
    expect(contentOf(hit)).toBe(contentOf(miss))
    expect(f.chatCalls()).toBe(calls + 1)
  })

  it('stores a streamed Anthropic-format answer and serves it as an Anthropic message and event stream', async () => {
    const body = (stream: boolean) => ({ model: 'gpt-4o', max_tokens: 64, stream, messages: [{ role: 'user', content: 'weather in Lima' }] })
    const miss = await ask(gw.proxy, 'anthropic/v1/messages', body(true))
    expect([miss.status, miss.headers['x-cache-status']]).toEqual([200, 'Miss'])
    expect(miss.text).toContain('event: message_start')
    await storesSettled()
    const calls = f.chatCalls()

    const json = await ask(gw.proxy, 'anthropic/v1/messages', body(false))
    expect(json.headers['x-cache-status']).toBe('Hit')
    const message = json.json() as { type: string; content: { type: string; text: string }[] }
    expect(message.type).toBe('message')
    const text = message.content[0]!.text
    expect(text).toMatch(/^answer \d+$/)

    const sse = await ask(gw.proxy, 'anthropic/v1/messages', body(true))
    expect([sse.headers['x-cache-status'], sse.headers['content-type']]).toEqual(['Hit', 'text/event-stream'])
    expect(sse.text).toContain('event: message_start')
    expect(sse.text).toContain(JSON.stringify(text))
    expect(sse.text).toContain('event: message_stop')
    expect(f.chatCalls()).toBe(calls)
  })

  it('stores a converted Anthropic-format JSON answer (its OpenAI form) and serves it back', async () => {
    const body = { model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'weather in Accra' }] }
    const miss = await ask(gw.proxy, 'anthropic/v1/messages', body)
    expect([miss.status, miss.headers['x-cache-status']]).toEqual([200, 'Miss'])
    await storesSettled()
    const calls = f.chatCalls()
    const hit = await ask(gw.proxy, 'anthropic/v1/messages', body)
    expect(hit.headers['x-cache-status']).toBe('Hit')
    const text = (m: typeof hit) => (m.json() as { content: { text: string }[] }).content[0]!.text
    expect(text(hit)).toBe(text(miss))
    expect(f.chatCalls()).toBe(calls)
  })
})
