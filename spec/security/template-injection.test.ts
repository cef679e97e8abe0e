// ai-proxy's `$(headers|uri_captures|query_params.x)` templates put client input into provider
// URLs. Each value must stay in its position: a host label cannot name another host, a path
// segment cannot climb or add segments, a query value cannot add parameters, nothing carries
// control characters. A bad value is a Kong-shaped 400 for that request only; before, a value
// with a space in azure_instance made undici's Pool constructor throw and ended the worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import type { FakeUpstream } from '../../public/testing/upstream.ts'
import { startFakeOpenAi } from '../plugins/llm/helpers/fake-openai.ts'
import { compileModel, MAX_TEMPLATE_VALUE, placeValue, type Position } from '../../plugins/llm/pipeline/template.ts'

const LONG = 'a'.repeat(MAX_TEMPLATE_VALUE + 1)
const LONG_LABEL = 'a'.repeat(64)

/** [payload, host, segment, name, query, text]: the placed value, or null = refused (400). */
const TABLE: [string, ...(string | null)[]][] = [
  ['with space', null, 'with%20space', 'with space', 'with%20space', 'with space'],
  ['a/b', null, 'a%2Fb', 'a/b', 'a%2Fb', 'a/b'],
  ['user@evil', null, 'user%40evil', 'user@evil', 'user%40evil', 'user@evil'],
  ['evil.com#', null, 'evil.com%23', 'evil.com#', 'evil.com%23', 'evil.com#'],
  ['a?x=1', null, 'a%3Fx%3D1', 'a?x=1', 'a%3Fx%3D1', 'a?x=1'],
  ['a&b=c', null, 'a%26b%3Dc', 'a&b=c', 'a%26b%3Dc', 'a&b=c'],
  ['%00', null, '%2500', '%00', '%2500', '%00'],
  ['a\u0000b', null, null, null, null, null],
  ['a\r\nX-Injected: 1', null, null, null, null, null],
  ['a\tb', null, null, null, null, null],
  ['..', null, null, null, '..', '..'],
  ['.', null, null, null, '.', '.'],
  ['', null, null, null, '', ''],
  ['ünï', null, '%C3%BCn%C3%AF', 'ünï', '%C3%BCn%C3%AF', 'ünï'],
  ['😀', null, '%F0%9F%98%80', '😀', '%F0%9F%98%80', '😀'],
  [LONG, null, null, null, null, null],
  [LONG_LABEL, null, LONG_LABEL, LONG_LABEL, LONG_LABEL, LONG_LABEL],
  ['evil.com:443', null, 'evil.com%3A443', 'evil.com:443', 'evil.com%3A443', 'evil.com:443'],
  ['-lead', null, '-lead', '-lead', '-lead', '-lead'],
  ['a..b', null, 'a..b', 'a..b', 'a..b', 'a..b'],
  ['my-instance', 'my-instance', 'my-instance', 'my-instance', 'my-instance', 'my-instance'],
  ['us-east-1', 'us-east-1', 'us-east-1', 'us-east-1', 'us-east-1', 'us-east-1'],
  ['eu.example', 'eu.example', 'eu.example', 'eu.example', 'eu.example', 'eu.example'],
]
const POSITIONS: Position[] = ['host', 'segment', 'name', 'query', 'text']

describe('a templated value in each position', () => {
  for (const [payload, ...expected] of TABLE) {
    it.each(POSITIONS.map((p, i) => [p, expected[i]!] as const))(`${JSON.stringify(payload.length > 40 ? `${payload.slice(0, 10)}…(${payload.length})` : payload)} as %s → %s`, (position, want) => {
      expect(placeValue(payload, position)).toBe(want)
    })
  }

  it.each([
    ['https://api.example.com/v1', true],
    ['http://127.0.0.1:8080/x', true],
    ['https://user@evil.example/v1', false],
    ['https://user:pw@evil.example/v1', false],
    ['https://api.example.com/v1#frag', false],
    ['file:///etc/passwd', false],
    ['gopher://x', false],
    ['https://ex ample.com/', false],
    ['not a url', false],
  ])('a whole upstream_url from the request: %s → %s', (url, ok) => {
    expect(placeValue(url, 'url') !== null).toBe(ok)
  })

  it('knows where each option goes: azure_instance a host, azure_deployment_id a segment, upstream_url by the text before', () => {
    const resolve = compileModel({
      provider: 'azure', name: 'gpt-4o',
      options: { azure_instance: '$(headers.h)', azure_deployment_id: '$(headers.x)', upstream_url: 'https://$(headers.h).example.com/v1/$(headers.x)?q=$(headers.x)' },
    })!
    const src = (h: Record<string, string>) => ({ header: (n: string) => h[n], uriCapture: () => undefined, queryParam: () => undefined })
    expect(resolve(src({ x: 'ok~1', h: 'eu' })).options).toMatchObject({ azure_instance: 'eu', azure_deployment_id: 'ok~1', upstream_url: 'https://eu.example.com/v1/ok~1?q=ok~1' })
    // a space is fine in a segment and a query value (encoded), not in the host label azure_instance
    expect(() => resolve(src({ x: 'a b', h: 'e u' }))).toThrow(/^headers key h is not a valid value for model.options.(azure_instance|upstream_url)$/)
    const urlOnly = compileModel({ provider: 'openai', name: 'gpt-4o', options: { upstream_url: 'https://$(headers.h).example.com/v1' } })!
    expect(() => urlOnly(src({ h: 'evil.com/' }))).toThrow('headers key h is not a valid value for model.options.upstream_url')
    const noHost = compileModel({ provider: 'azure', name: 'gpt-4o', options: { azure_instance: 'i', azure_deployment_id: '$(headers.x)', upstream_url: 'https://eu.example.com/v1/$(headers.x)?q=$(headers.x)' } })!
    expect(noHost(src({ x: 'a b/c' })).options).toMatchObject({ azure_deployment_id: 'a%20b%2Fc', upstream_url: 'https://eu.example.com/v1/a%20b%2Fc?q=a%20b%2Fc' })
  })
})

let gw: TestGateway
let up: FakeUpstream

beforeAll(async () => {
  up = await startFakeOpenAi()
  const plugin = (route: string, model: Record<string, unknown>) => ({
    name: 'ai-proxy', route,
    config: { route_type: 'llm/v1/chat', auth: { header_name: 'api-key', header_value: 'k' }, model: { name: 'gpt-4o', ...model } },
  })
  gw = await startGateway(JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [
      { name: 'azure', paths: ['/azure'] },
      { name: 'url', paths: ['/url'] },
      { name: 'url-host', paths: ['/url-host'] },
    ] }],
    plugins: [
      // never reaches Azure in these tests: every value sent here is refused before any connection
      plugin('azure', { provider: 'azure', options: { azure_instance: '$(query_params.inst)', azure_deployment_id: 'd' } }),
      plugin('url', { provider: 'openai', options: { upstream_url: `http://127.0.0.1:${up.port}/v1/$(query_params.seg)/chat?tag=$(query_params.tag)` } }),
      plugin('url-host', { provider: 'openai', options: { upstream_url: `http://$(query_params.host):${up.port}/v1/chat/completions` } }),
    ],
  }))
})
afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const chat = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] })
const post = (path: string, query: Record<string, string>) =>
  request(`${gw.proxy}${path}?${Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: chat,
  })

describe('through the gateway', () => {
  const refusedHosts = TABLE.filter(([, host]) => host === null).map(([p]) => p).filter((p) => p !== '')

  it.each(refusedHosts.map((p) => [JSON.stringify(p.slice(0, 30)), p]))('azure_instance %s: 400 for that request, the gateway keeps serving', async (_label, payload) => {
    const res = await post('/azure', { inst: payload })
    expect(res.statusCode).toBe(400)
    expect(await res.body.json()).toEqual({ error: { message: 'query_params key inst is not a valid value for model.options.azure_instance' } })
    const ok = await post('/url', { seg: 'ok', tag: 't' })
    expect(ok.statusCode).toBe(200)
    await ok.body.dump()
  })

  const segments = TABLE.filter(([p, , seg]) => seg !== null && p !== LONG_LABEL).map(([p, , seg, , query]) => [JSON.stringify(p), p, seg!, query!] as const)
  it.each(segments)('upstream_url path/query value %s is encoded in place', async (_label, payload, seg, query) => {
    const res = await post('/url', { seg: payload, tag: payload })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    expect(up.received.at(-1)!.url).toBe(`/v1/${seg}/chat?tag=${query}`)
  })

  it.each(['..', '.', 'a\r\nX-Injected: 1', 'a\u0000b', LONG])('upstream_url path value %j is refused', async (payload) => {
    const res = await post('/url', { seg: payload, tag: 't' })
    expect(res.statusCode).toBe(400)
    expect(await res.body.json()).toEqual({ error: { message: 'query_params key seg is not a valid value for model.options.upstream_url' } })
  })

  it.each(['user@evil', 'evil.com/x', 'evil.com#', 'evil.com?', 'a b', '', '127.0.0.1\r\nX: y'])('upstream_url host value %j is refused', async (payload) => {
    const before = up.received.length
    const res = await post('/url-host', { host: payload })
    expect(res.statusCode).toBe(400)
    await res.body.dump()
    expect(up.received.length).toBe(before)
  })

  it('a valid templated host is used', async () => {
    const res = await post('/url-host', { host: '127.0.0.1' })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    expect(up.received.at(-1)!.url).toBe('/v1/chat/completions?host=127.0.0.1') // the client's query goes on, as without templates
  })
})
