// Lookup tables read with strings a client or an upstream chose (roles, finish and stop reasons,
// image formats, POSIX classes in route regexes): a name of an Object.prototype member must find
// nothing and take the table's documented default, never a function (dropped by JSON.stringify,
// so the key silently vanished) or Object.prototype itself (sent upstream as `"role":{}`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

type Json = Record<string, any>
const PROTO_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__']

let up: FakeUpstream
let gw: TestGateway
/** the finish_reason the fake OpenAI upstream answers with (set per case) */
let finish = 'stop'

beforeAll(async () => {
  up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({
      id: 'c1', object: 'chat.completion', model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: finish }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }))
  })
  const ai = (route: string, llm_format: string) => ({
    name: 'ai-proxy', route,
    config: { route_type: 'llm/v1/chat', llm_format, auth: { header_name: 'x-k', header_value: 's' }, model: { provider: 'openai', name: 'm', options: { upstream_url: `${up.url}/up/${route}` } } },
  })
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 's', url: 'http://127.0.0.1:9', routes: ['cohere', 'anthropic', 'huggingface'].map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [ai('cohere', 'cohere'), ai('anthropic', 'anthropic'), ai('huggingface', 'huggingface')],
  }))
})
afterAll(async () => { await gw?.close(); await up?.close() })

async function post(path: string, body: unknown): Promise<{ status: number; json: Json }> {
  const res = await request(`${gw.proxy}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  return { status: res.statusCode, json: (await res.body.json()) as Json }
}

describe('client strings as table keys', () => {
  it.each([...PROTO_NAMES, 'USER', 'CHATBOT'])('cohere v1 chat_history role %j becomes a string role upstream', async (role) => {
    const r = await post('/cohere/v1/chat', { model: 'm', message: 'hi', chat_history: [{ role, message: 'earlier' }] })
    expect(r.status).toBe(200)
    const sent = JSON.parse(up.received.at(-1)!.body.toString()) as Json
    const expected = role === 'CHATBOT' ? 'assistant' : 'user'
    expect(sent.messages[0]).toEqual({ role: expected, content: 'earlier' })
  })
})

describe('upstream strings as table keys', () => {
  it.each(PROTO_NAMES)('finish_reason %j: anthropic client gets stop_reason end_turn', async (reason) => {
    finish = reason
    const r = await post('/anthropic/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
    expect(r.status).toBe(200)
    expect(r.json.stop_reason).toBe('end_turn')
  })

  it.each(PROTO_NAMES)('finish_reason %j: cohere client gets finish_reason COMPLETE', async (reason) => {
    finish = reason
    const r = await post('/cohere/v2/chat', { model: 'm', messages: [{ role: 'user', content: 'hi' }] })
    expect(r.status).toBe(200)
    expect(r.json.finish_reason).toBe('COMPLETE')
  })

  it.each(PROTO_NAMES)('finish_reason %j: huggingface client gets a string finish_reason', async (reason) => {
    finish = reason
    const r = await post('/huggingface/generate', { inputs: 'hi' })
    expect(r.status).toBe(200)
    expect(r.json.details.finish_reason).toBe('eos_token')
  })

  it('a known finish_reason still maps (length)', async () => {
    finish = 'length'
    expect((await post('/anthropic/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).json.stop_reason).toBe('max_tokens')
    expect((await post('/cohere/v2/chat', { model: 'm', messages: [{ role: 'user', content: 'hi' }] })).json.finish_reason).toBe('MAX_TOKENS')
  })
})

describe('config strings as table keys', () => {
  it.each(PROTO_NAMES.filter((n) => n !== '__proto__'))('route regex with POSIX class [[:%s:]] is refused with the field path', async (name) => {
    const yaml = `_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:9\n  routes:\n  - name: r\n    paths: ["~/[[:${name}:]]x"]\n`
    const res = await request(`${gw.admin}/config`, { method: 'POST', body: yaml, headers: { 'content-type': 'application/yaml' } })
    const body = (await res.body.json()) as Json
    expect(res.statusCode).toBe(400)
    expect(JSON.stringify(body.fields)).toContain('paths')
  })
})
