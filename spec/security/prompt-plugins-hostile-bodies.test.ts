// Hostile request bodies through template → decorator → guard → ai-proxy, in every client format
// the decorator rewrites: prototype keys at every level the plugins copy from, wrong types where
// messages, roles, contents and properties go. Each request gets a Kong-shaped answer (200, or a 400
// with `{"error":{"message"}}`), nothing reaches Object.prototype, and the gateway keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { CHAT_ANSWER } from '../plugins/llm/helpers/fake-openai.ts'
import { INJECTED, INJECTED_KEYS, POLLUTERS } from './prototype-pollution-payloads.ts'

let gw: TestGateway
let up: FakeUpstream

const FORMATS = ['openai', 'anthropic', 'cohere', 'huggingface'] as const
const M = (extra: string) => `[{"role":"user","content":"a pirate"${extra}}]`

const BODIES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(POLLUTERS).map(([k, v]) => [`top ${k}`, `{"messages":${M('')},${v.slice(1, -1)}}`])),
  messageProto: `{"messages":${M(`,"__proto__":${INJECTED}`)}}`,
  systemProto: `{"system":{"__proto__":${INJECTED}},"messages":${M('')}}`,
  systemArrayProto: `{"system":[{"__proto__":${INJECTED}}],"messages":${M('')}}`,
  chatHistoryProto: `{"message":"a pirate","chat_history":{"__proto__":${INJECTED}}}`,
  inputsProto: `{"inputs":"a pirate","parameters":{"__proto__":${INJECTED}}}`,
  messagesObject: `{"messages":{"__proto__":${INJECTED}}}`,
  messagesString: '{"messages":"a pirate"}',
  roleObject: '{"messages":[{"role":{"x":1},"content":"a pirate"}]}',
  contentNumber: '{"messages":[{"role":"user","content":42}]}',
  contentNested: '{"messages":[{"role":"user","content":[[{"type":"text","text":"a pirate"}]]}]}',
  nullMessage: '{"messages":[null]}',
  deep: `{"messages":${M('')},"x":${'['.repeat(2000)}${']'.repeat(2000)}}`,
  manyMessages: `{"messages":[${Array(5000).fill('{"role":"user","content":"a pirate"}').join(',')}]}`,
  loneSurrogate: '{"messages":[{"role":"user","content":"a pirate \\ud800"}]}',
  templateProto: `{"messages":"{template://t}","properties":{"__proto__":${INJECTED}}}`,
  templateCtor: '{"messages":"{template://t}","properties":{"constructor":"a pirate","thing":"x"}}',
}

beforeAll(async () => {
  up = await startUpstream((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(CHAT_ANSWER)) })
  const routes = FORMATS.map((f) => ({ name: f, paths: [`/${f}`] }))
  // the template plugin reads chat bodies only (`messages` or `prompt`): not in front of TGI's `inputs`
  const plugins = FORMATS.flatMap((f) => [
    ...(f === 'huggingface' ? [] : [{ name: 'ai-prompt-template', route: f, config: { templates: [{ name: 't', template: '{"messages":[{"role":"user","content":"{{thing}}"}]}' }] } }]),
    { name: 'ai-prompt-decorator', route: f, config: { llm_format: f, prompts: { prepend: [{ content: 'You are a pirate.' }] } } },
    { name: 'ai-prompt-guard', route: f, config: { llm_format: f, allow_patterns: ['pirate'], match_all_roles: true } },
    { name: 'ai-proxy', route: f, config: {
      route_type: 'llm/v1/chat', llm_format: f, auth: { header_name: 'Authorization', header_value: 'Bearer k' },
      model: { provider: 'openai', name: 'gpt-4o', options: { upstream_url: `${up.url}/v1/chat/completions` } },
    } },
  ])
  gw = await startGateway(JSON.stringify({ _format_version: '3.0', services: [{ name: 's', url: up.url, routes }], plugins }))
})

afterAll(async () => { await gw?.close(); await up?.close() })

describe.each(FORMATS)('llm_format %s', (f) => {
  it.each(Object.entries(BODIES))('%s', async (_n, body) => {
    const res = await request(`${gw.proxy}/${f}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const text = await res.body.text()
    expect([200, 400]).toContain(res.statusCode)
    if (res.statusCode === 400) expect(JSON.parse(text)).toEqual({ error: { message: expect.any(String) } })
    for (const k of INJECTED_KEYS) expect(({} as Record<string, unknown>)[k]).toBeUndefined()
  })

  it('still serves', async () => {
    const res = await request(`${gw.proxy}/${f}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: f === 'huggingface' ? '{"inputs":"a pirate"}' : '{"messages":"{template://t}","properties":{"thing":"a pirate"}}' })
    expect(res.statusCode).toBe(200)
    await res.body.text()
  })
})
