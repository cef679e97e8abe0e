// A provider registered by a plugin package validates and proxies like a bundled one: its id is
// checked against the registry at config load (Kong's one_of message, now listing it), its own
// entity checks run, and ai-proxy sends requests through it; ai-proxy-advanced's semantic routing
// embeds through its registered embeddings call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'
import aiProxy from '../../../plugins/ai-proxy/index.ts'
import aiProxyAdvanced from '../../../plugins/ai-proxy-advanced/index.ts'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { CHAT_ANSWER, startFakeOpenAi } from './helpers/fake-openai.ts'

const registry = new PluginRegistry([aiProxy as AnyPlugin, aiProxyAdvanced as AnyPlugin])
const check = (config: Record<string, unknown>) => registry.check('ai-proxy', config)
const chat = (model: Record<string, unknown>) => ({ route_type: 'llm/v1/chat', model })

const BUNDLED = 'anthropic, azure, bedrock, cerebras, cohere, dashscope, databricks, deepseek, gemini, huggingface, llama2, mistral, ollama, openai, vllm, xai'
const EMBEDDING_BUNDLED = 'azure, bedrock, gemini, huggingface, mistral, ollama, openai'

function semantic(provider: string): Record<string, unknown> {
  return {
    targets: [{ route_type: 'llm/v1/chat', description: 'd', model: { provider: 'openai', name: 'm' } }],
    balancer: { algorithm: 'semantic' },
    embeddings: { model: { provider, name: 'e' } },
    vectordb: { strategy: 'memory', dimensions: 3, distance_metric: 'cosine' },
  }
}

describe('provider ids are checked against the registry at config load', () => {
  it.each(['nope', 'acme', 'OpenAI', '__proto__', 'constructor', ''])('unknown id %j: Kong\'s one_of message at config.model.provider', (provider) => {
    const r = check(chat({ provider }))
    expect(r).toEqual({ ok: false, errors: { model: { provider: `expected one of: ${BUNDLED}` } } })
  })

  it.each([5, null, true, ['openai']])('a non-string id %j gets the type message', (provider) => {
    const r = check(chat({ provider }))
    expect(r.ok).toBe(false)
    if (!r.ok) expect((r.errors as { model: { provider: string } }).model.provider).toBe('expected a string')
  })

  it.each(['nope', 'acme', 'anthropic', 'cohere'])('semantic embeddings with %j: only providers with an embeddings call', (provider) => {
    const r = registry.check('ai-proxy-advanced', semantic(provider))
    expect(r).toEqual({ ok: false, errors: { embeddings: { model: { provider: `expected one of: ${EMBEDDING_BUNDLED}` } } } })
  })
})

describe('a provider from a plugin package', () => {
  let gw: TestGateway
  let up: FakeUpstream
  let embed: FakeUpstream

  beforeAll(async () => {
    const acme = (await import('../../fixtures/plugins/acme-llm-provider/index.ts')).default
    up = await startFakeOpenAi()
    embed = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ data: [{ embedding: [1, 0, 0] }] }))
    })
    gw = await startGateway(`
_format_version: "3.0"
services:
  - name: llm
    url: http://127.0.0.1:9
    routes:
      - { name: acme, paths: ["/acme"] }
      - { name: semantic, paths: ["/semantic"] }
plugins:
  - name: ai-proxy
    route: acme
    config:
      route_type: llm/v1/chat
      model: { provider: acme, name: acme-1, options: { upstream_url: "${up.url}/v1/chat/completions", acme: { region: us } } }
  - name: ai-proxy-advanced
    route: semantic
    config:
      balancer: { algorithm: semantic }
      embeddings: { model: { provider: acme, name: acme-embed, options: { upstream_url: "${embed.url}/v1/embeddings" } } }
      vectordb: { strategy: memory, dimensions: 3, distance_metric: cosine, threshold: 0.5 }
      targets:
        - route_type: llm/v1/chat
          description: anything
          model: { provider: acme, name: acme-2, options: { upstream_url: "${up.url}/v1/chat/completions" } }
`, { plugins: [acme as AnyPlugin] })
  })
  afterAll(async () => {
    await gw?.close()
    await up?.close()
    await embed?.close()
  })

  it('validates: its id is accepted and listed in the one_of message, with the bundled ones', () => {
    expect(check(chat({ provider: 'acme', options: { upstream_url: 'http://127.0.0.1:1/' } })).ok).toBe(true)
    expect(check(chat({ provider: 'nope' }))).toEqual({ ok: false, errors: { model: { provider: `expected one of: acme, ${BUNDLED}` } } })
  })

  it('its own option fields validate once a plugin registry compiles after its registration', () => {
    // the module-level registry compiled before the package registered: the field is unknown there
    expect(check(chat({ provider: 'acme', options: { upstream_url: 'http://x/', acme: {} } }))).toEqual({ ok: false, errors: { model: { options: { acme: 'unknown field' } } } })
    const after = new PluginRegistry([aiProxy as AnyPlugin, aiProxyAdvanced as AnyPlugin])
    const ok = after.check('ai-proxy', chat({ provider: 'acme', name: 'a', options: { upstream_url: 'http://x/', acme: {} } }))
    expect(ok.ok && ok.value.model).toEqual({ provider: 'acme', name: 'a', options: { upstream_url: 'http://x/', acme: { region: 'eu' }, azure_api_version: '2023-05-15' } })
    const bad: [unknown, unknown][] = [
      [{ region: 'mars' }, { region: 'expected one of: eu, us' }],
      [{ region: 5 }, { region: 'expected a string' }],
      [{ zone: 'a' }, { zone: 'unknown field' }],
      ['eu', 'expected a record'],
    ]
    for (const [acme, errors] of bad) {
      expect(after.check('ai-proxy', chat({ provider: 'acme', options: { upstream_url: 'http://x/', acme } }))).toEqual({ ok: false, errors: { model: { options: { acme: errors } } } })
      const advanced = after.check('ai-proxy-advanced', { targets: [chat({ provider: 'acme', options: { upstream_url: 'http://x/', acme } })] })
      expect(advanced).toEqual({ ok: false, errors: { targets: [{ model: { options: { acme: errors } } }] } })
    }
    // a bundled provider's config may carry it too: Kong's options record is one record whatever the provider
    expect(after.check('ai-proxy', chat({ provider: 'openai', options: { acme: { region: 'us' } } })).ok).toBe(true)
  })

  it('its own entity checks run at config load', () => {
    expect(check(chat({ provider: 'acme' }))).toEqual({ ok: false, errors: { '@entity': ["must set 'model.options.upstream_url' for acme provider"] } })
  })

  it('ai-proxy proxies a chat request through it', async () => {
    const res = await request(`${gw.proxy}/acme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) })
    expect(res.statusCode).toBe(200)
    expect(await res.body.json()).toEqual(CHAT_ANSWER)
    const sent = JSON.parse(up.received.at(-1)!.body.toString()) as { model: string }
    expect(sent.model).toBe('acme-1')
    expect(up.received.at(-1)!.headers['x-acme-region']).toBe('us')
  })

  it('semantic routing embeds through its registered embeddings call', async () => {
    const res = await request(`${gw.proxy}/semantic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }) })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    const bodies = embed.received.map((r) => JSON.parse(r.body.toString()) as { input: string; model: string })
    expect(bodies).toContainEqual({ input: 'hello', model: 'acme-embed' })
    expect(embed.received.every((r) => r.url === '/v1/embeddings')).toBe(true)
  })
})
