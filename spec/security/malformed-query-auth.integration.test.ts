// ai-proxy's query-parameter credential (auth.param_location: query) on a client query whose
// names hold broken percent-escapes: the request is proxied with the gateway's credential as any
// other (the escapes are the client's business), not refused with a 500 from a URIError thrown
// while looking for the parameter.
import type { ServerResponse } from 'node:http'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream

function answer(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }))
}

beforeAll(async () => {
  up = await startUpstream((_req, res) => answer(res))
  const model = { provider: 'openai', name: 'gpt-4o', options: { upstream_url: `${up.url}/v1/chat/completions` } }
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'q', paths: ['/q'] }, { name: 'qo', paths: ['/qo'] }] }],
    plugins: [
      { name: 'ai-proxy', route: 'q', config: { route_type: 'llm/v1/chat', auth: { param_name: 'key', param_value: 'gw-key', param_location: 'query' }, model } },
      { name: 'ai-proxy', route: 'qo', config: { route_type: 'llm/v1/chat', auth: { param_name: 'key', param_value: 'gw-key', param_location: 'query', allow_override: true }, model } },
    ],
  }))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const QUERIES: readonly string[] = ['%zz=1', '%=1', 'a%E0%A4%A=1', '%C0%AF=x&b=2', 'x=1&%=&key%=3', '%ff']

describe('query-parameter credential with broken escapes in the client query', () => {
  for (const route of ['q', 'qo']) {
    it.each(QUERIES)(`/${route}?%s: proxied with the gateway's key`, async (q) => {
      const res = await request(`${gw.proxy}/${route}?${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) })
      await res.body.dump()
      expect(res.statusCode).toBe(200)
      const got = new URL(up.received.at(-1)!.url, 'http://x')
      expect(got.searchParams.getAll('key')).toEqual(['gw-key'])
    })
  }
})
