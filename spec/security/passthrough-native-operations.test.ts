// A native client (llm_format anthropic, cohere, huggingface, gemini, bedrock) reaches only the
// provider's documented operations, with their methods: the gateway adds its own key to these
// calls, so any other path or method is refused before anything is sent upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { anthropicDriver } from '../../plugins/llm/drivers/anthropic.ts'
import { cohereDriver } from '../../plugins/llm/drivers/cohere.ts'
import { huggingfaceDriver } from '../../plugins/llm/drivers/huggingface.ts'
import { geminiDriver } from '../../plugins/llm/drivers/gemini.ts'
import { bedrockDriver } from '../../plugins/llm/drivers/bedrock.ts'
import { nativePathFor, type NativePathRow } from '../helpers/native-path.ts'
import type { LlmFormat, ProviderDriver } from '../../plugins/llm/types.ts'

const pathFor = (driver: ProviderDriver, format: LlmFormat, method: string, raw: string): string | number =>
  nativePathFor(driver, format, method, raw, { bedrock: { aws_region: 'us-east-1' } })

type Row = NativePathRow

const ANTHROPIC: Row[] = [
  ['POST', '/claude/v1/messages', '/v1/messages'],
  ['POST', '/claude/v1/messages/count_tokens', '/v1/messages/count_tokens'],
  ['POST', '/claude/v1/messages/batches', '/v1/messages/batches'],
  ['GET', '/claude/v1/messages/batches', '/v1/messages/batches'],
  ['GET', '/claude/v1/messages/batches/msgbatch_01ab', '/v1/messages/batches/msgbatch_01ab'],
  ['GET', '/claude/v1/messages/batches/msgbatch_01ab/results', '/v1/messages/batches/msgbatch_01ab/results'],
  ['POST', '/claude/v1/messages/batches/msgbatch_01ab/cancel', '/v1/messages/batches/msgbatch_01ab/cancel'],
  ['DELETE', '/claude/v1/messages/batches/msgbatch_01ab', '/v1/messages/batches/msgbatch_01ab'],
  ['POST', '/claude', '/v1/messages'], // a route path alone is a Messages call
  ['GET', '/claude/v1/messages', 405],
  ['DELETE', '/claude/v1/messages', 405],
  ['PUT', '/claude/v1/messages', 405],
  ['GET', '/claude', 405],
  ['POST', '/claude/v1/../admin', '/v1/messages'], // normalized to /claude/admin: never forwarded as a path
  ['POST', '/claude/v1/messages/../../v1/organizations/users', 404],
  ['GET', '/claude/v1/organizations/users', 404],
  ['POST', '/claude/v1/organizations/api_keys', 404],
  ['POST', '/claude/v1/models', 404],
  ['POST', '/claude/v1/messages/%2e%2e/%2e%2e/v1/organizations', 404],
  ['POST', '/claude/v1/messages%2F..%2F..%2Fv1%2Forganizations', 404],
  ['POST', '/claude//v1//messages//batches', '/v1/messages/batches'],
  ['POST', '/claude/v1/messages/', 404],
  ['POST', '/claude/v1/messages/x', 404],
  ['GET', '/claude/v1/messages/batches/..%2Forganizations', 404],
  ['GET', '/claude/v1/messages/batches/a.b', 404],
  ['GET', '/claude/v1/messages/batches/msgbatch_1/results/more', 404],
  ['POST', '/claude/v1/messages?x=/v1/organizations', '/v1/messages'], // the query is not the path
]

const COHERE: Row[] = [
  ['POST', '/co/v1/rerank', '/v1/rerank'],
  ['POST', '/co/v2/rerank', '/v2/rerank'],
  ['POST', '/co/v2/chat', '/v2/chat'],
  ['POST', '/co/v1/chat', '/v1/chat'],
  ['POST', '/co/v2/embed', '/v2/embed'],
  ['POST', '/co/v1/generate', '/v1/generate'],
  ['POST', '/co', '/v1/chat'], // no API path: the route type's operation
  ['GET', '/co/v2/chat', 405],
  ['DELETE', '/co/v1/rerank', 405],
  ['POST', '/co/v1/datasets', 404],
  ['GET', '/co/v1/connectors', 404],
  ['POST', '/co/v1/../v1/datasets', 404],
  ['POST', '/co/v2/chat/../../v1/finetuning/finetuned-models', 404],
  ['POST', '/co/v2/%2e%2e/v1/embed-jobs', 404],
  ['POST', '/co/v2/chat/x', 404],
  ['POST', '/co//v2//rerank', '/v2/rerank'],
]

const HUGGINGFACE: Row[] = [
  ['POST', '/hf/generate', '/hf-inference/models/m/generate'],
  ['POST', '/hf/generate_stream', '/hf-inference/models/m/generate_stream'],
  ['GET', '/hf/generate', 405],
  ['POST', '/hf/generate/../../admin', '/v1/chat/completions'], // normalized to /admin: the route type's path
  ['POST', '/hf/generate/x', 404],
  ['POST', '/hf/generate_stream/%2e%2e/info', '/v1/chat/completions'], // normalized to /hf/info
  ['POST', '/hf/generate_stream%2F..%2Finfo', 404],
]

const POST_ONLY: [ProviderDriver, LlmFormat, string][] = [
  [geminiDriver, 'gemini', '/g/v1beta/models/m:generateContent'],
  [bedrockDriver, 'bedrock', '/b/model/m/converse'],
]

describe('native operation tables (paths built from the normalized path)', () => {
  it.each(ANTHROPIC)('anthropic %s %s → %s', (method, raw, expected) => {
    expect(pathFor(anthropicDriver, 'anthropic', method, raw.split('?')[0]!)).toBe(expected)
  })
  it.each(COHERE)('cohere %s %s → %s', (method, raw, expected) => {
    expect(pathFor(cohereDriver, 'cohere', method, raw)).toBe(expected)
  })
  it.each(HUGGINGFACE)('huggingface %s %s → %s', (method, raw, expected) => {
    expect(pathFor(huggingfaceDriver, 'huggingface', method, raw)).toBe(expected)
  })
  for (const [driver, format, path] of POST_ONLY) {
    it.each(['GET', 'DELETE', 'PUT', 'PATCH'])(`${format} %s is refused, POST is not`, (method) => {
      expect(pathFor(driver, format, method, path)).toBe(405)
      expect(typeof pathFor(driver, format, 'POST', path)).toBe('string')
    })
  }
})

describe('through the gateway: a refused operation never reaches the provider', () => {
  let gw: TestGateway
  let up: FakeUpstream
  beforeAll(async () => {
    up = await startUpstream((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-2.1', content: [{ type: 'text', text: 'hi' }], usage: { input_tokens: 1, output_tokens: 1 } }))
    })
    gw = await startGateway(JSON.stringify({
      _format_version: '3.0',
      services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'claude', paths: ['/claude'] }] }],
      plugins: [{
        name: 'ai-proxy', route: 'claude',
        config: {
          route_type: 'llm/v1/chat', llm_format: 'anthropic', auth: { header_name: 'x-api-key', header_value: 'sk-gateway' },
          model: { provider: 'anthropic', name: 'claude-2.1', options: { anthropic_version: '2023-06-01', upstream_url: up.url } },
        },
      }],
    }))
  })
  afterAll(async () => {
    await gw?.close()
    await up?.close()
  })

  const body = JSON.stringify({ model: 'claude-2.1', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
  const REFUSED: [string, string, number][] = [
    ['GET', '/claude/v1/messages', 405],
    ['DELETE', '/claude/v1/messages', 405],
    ['GET', '/claude/v1/organizations/users', 404],
    ['POST', '/claude/v1/messages/../../v1/organizations/users', 404],
    ['POST', '/claude/v1/messages/%2e%2e/%2e%2e/v1/organizations/invites', 404],
    ['POST', '/claude//v1/organizations/api_keys', 404],
  ]
  it.each(REFUSED)('%s %s → %d, nothing sent upstream', async (method, path, status) => {
    const before = up.received.length
    const res = await request(`${gw.proxy}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, body })
    expect(res.statusCode).toBe(status)
    const answer = (await res.body.json()) as { error: { message: string } }
    expect(answer.error.message).toMatch(/anthropic native/)
    expect(up.received.length).toBe(before)
  })

  // batches carry their prompts inside requests[] (or none: list, results, cancel): the prompt
  // check must not refuse them on the native route
  const BATCH_CALLS: [string, string, string | undefined, string][] = [
    ['POST', '/claude/v1/messages/batches', JSON.stringify({ requests: [{ custom_id: 'a', params: { model: 'claude-2.1', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] } }] }), '/v1/messages/batches'],
    ['GET', '/claude/v1/messages/batches', undefined, '/v1/messages/batches'],
    ['GET', '/claude/v1/messages/batches/msgbatch_01ab/results', undefined, '/v1/messages/batches/msgbatch_01ab/results'],
    ['POST', '/claude/v1/messages/batches/msgbatch_01ab/cancel', undefined, '/v1/messages/batches/msgbatch_01ab/cancel'],
  ]
  it.each(BATCH_CALLS)('native batch call %s %s reaches the provider with the gateway key', async (method, path, batchBody, upstreamPath) => {
    const before = up.received.length
    const res = await request(`${gw.proxy}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, body: batchBody })
    expect(res.statusCode).toBe(200)
    await res.body.text()
    expect(up.received.length).toBe(before + 1)
    const got = up.received.at(-1)!
    expect(got.url).toBe(upstreamPath)
    expect(got.headers['x-api-key']).toBe('sk-gateway')
    if (batchBody !== undefined) expect(got.body.toString()).toBe(batchBody)
  })

  it('a Messages call without a prompt is still refused', async () => {
    const res = await request(`${gw.proxy}/claude/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-2.1', max_tokens: 5, messages: [] }) })
    expect(res.statusCode).toBe(400)
    expect(((await res.body.json()) as { error: { message: string } }).error.message).toBe("request body doesn't contain valid prompts")
  })

  it('POST /v1/messages goes through', async () => {
    const before = up.received.length
    const res = await request(`${gw.proxy}/claude/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(res.statusCode).toBe(200)
    await res.body.text()
    expect(up.received.length).toBe(before + 1)
    expect(up.received.at(-1)!.headers['x-api-key']).toBe('sk-gateway')
  })
})
