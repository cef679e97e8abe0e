// model.options merge, the same for every provider (the project's rule; Kong's
// own versions disagree): the request's temperature, top_p and top_k win over the plugin's
// options, the plugin's max_tokens (and the others) fill in what the request leaves out. The
// pipeline merges once (plugins/llm/pipeline/option-defaults.ts); no driver merges again, so the
// provider body shows the same values under each provider's own field names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

type Json = Record<string, any>

let gw: TestGateway
let up: FakeUpstream

const OPTIONS = { temperature: 0.1, top_p: 0.5, max_tokens: 77 }

/** Each provider's answer (only its shape matters) and where its body keeps the tuning fields. */
const PROVIDERS: {
  provider: string
  path: string
  model: string
  config: (url: string) => Json
  answer: Json
  tuning: (body: Json) => { temperature: unknown; top_p: unknown; max_tokens: unknown }
}[] = [
  {
    provider: 'openai', path: '/v1/chat/completions', model: 'gpt-4o-mini',
    config: (url) => ({ auth: { header_name: 'Authorization', header_value: 'Bearer k' }, options: { upstream_url: url } }),
    answer: { id: 'c', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] },
    tuning: (b) => ({ temperature: b.temperature, top_p: b.top_p, max_tokens: b.max_tokens }),
  },
  {
    provider: 'anthropic', path: '/v1/messages', model: 'claude-3-5-haiku',
    config: (url) => ({ auth: { header_name: 'x-api-key', header_value: 'k' }, options: { upstream_url: url, anthropic_version: '2023-06-01' } }),
    answer: { id: 'm', type: 'message', role: 'assistant', model: 'claude-3-5-haiku', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } },
    tuning: (b) => ({ temperature: b.temperature, top_p: b.top_p, max_tokens: b.max_tokens }),
  },
  {
    provider: 'gemini', path: '/v1beta/models/gemini-2.0-flash:generateContent', model: 'gemini-2.0-flash',
    config: (url) => ({ auth: { param_name: 'key', param_value: 'k', param_location: 'query' }, options: { upstream_url: url } }),
    answer: { candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }] },
    tuning: (b) => ({ temperature: b.generationConfig?.temperature, top_p: b.generationConfig?.topP, max_tokens: b.generationConfig?.maxOutputTokens }),
  },
  {
    provider: 'bedrock', path: '/model/anthropic.claude-3-haiku/converse', model: 'anthropic.claude-3-haiku',
    config: (url) => ({ auth: { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'secret' }, options: { upstream_url: url, bedrock: { aws_region: 'us-east-1' } } }),
    answer: { output: { message: { role: 'assistant', content: [{ text: 'ok' }] } }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } },
    tuning: (b) => ({ temperature: b.inferenceConfig?.temperature, top_p: b.inferenceConfig?.topP, max_tokens: b.inferenceConfig?.maxTokens }),
  },
  {
    provider: 'cohere', path: '/v1/chat', model: 'command-r',
    config: (url) => ({ auth: { header_name: 'Authorization', header_value: 'Bearer k' }, options: { upstream_url: url } }),
    answer: { text: 'ok', generation_id: 'g', finish_reason: 'COMPLETE', meta: { billed_units: { input_tokens: 1, output_tokens: 1 } } },
    tuning: (b) => ({ temperature: b.temperature, top_p: b.p, max_tokens: b.max_tokens }),
  },
]

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    const p = PROVIDERS.find((x) => req.url!.split('?')[0] === x.path)
    res.writeHead(p ? 200 : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify(p?.answer ?? { message: 'not found' }))
  })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: PROVIDERS.map((p) => ({ name: p.provider, paths: [`/${p.provider}`] })) }],
    plugins: PROVIDERS.map((p) => {
      const { auth, options } = p.config(`${up.url}${p.path}`)
      return {
        name: 'ai-proxy', route: p.provider,
        config: { route_type: 'llm/v1/chat', auth, model: { provider: p.provider, name: p.model, options: { ...OPTIONS, ...options } } },
      }
    }),
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

async function upstreamBody(provider: string, body: Json): Promise<Json> {
  const before = up.received.length
  const res = await request(`${gw.proxy}/${provider}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(res.statusCode).toBe(200)
  await res.body.text()
  expect(up.received.length).toBe(before + 1)
  return JSON.parse(up.received[before]!.body.toString()) as Json
}

const messages = [{ role: 'user', content: 'What is 1 + 1?' }]

describe('model.options are defaults, the same for every provider', () => {
  it.each(PROVIDERS.map((p) => [p.provider, p] as const))("%s: the request's temperature and top_p win; the plugin's max_tokens fills in", async (_name, p) => {
    const body = await upstreamBody(p.provider, { messages, temperature: 0.9, top_p: 0.3 })
    expect(p.tuning(body)).toEqual({ temperature: 0.9, top_p: 0.3, max_tokens: 77 })
  })

  it.each(PROVIDERS.map((p) => [p.provider, p] as const))("%s: the request's max_tokens wins; the plugin's temperature and top_p fill in", async (_name, p) => {
    const body = await upstreamBody(p.provider, { messages, max_tokens: 12 })
    expect(p.tuning(body)).toEqual({ temperature: 0.1, top_p: 0.5, max_tokens: 12 })
  })
})
