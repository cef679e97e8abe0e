// OpenAI-compatible batches on Gemini, Vertex and Bedrock put a client's batch id, input file id
// and metadata into the provider's request, signed or keyed by the gateway. Hostile ids (path
// injection, dot-segments, escapes, other operations' suffixes, over-long) are refused before
// anything is sent; prototype keys in the create body or in the provider's answer change nothing
// and pollute nothing; an input outside the configured bucket prefix is refused; an oversized body
// is refused by the body limit.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { INJECTED_KEYS, POLLUTERS } from './prototype-pollution-payloads.ts'

let gw: TestGateway
let up: FakeUpstream
/** what the fake answers next (a hostile provider answer), else a plain job */
let nextAnswer: string | null = null

const ROLE = 'arn:aws:iam::123456789012:role/BedrockBatch'

function fake(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  if (nextAnswer !== null) { res.end(nextAnswer); return }
  const url = req.url ?? ''
  if (url.startsWith('/model-invocation-job')) return void res.end(JSON.stringify({ jobArn: 'arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcd1234efgh', status: 'InProgress' }))
  if (url.includes('batchPredictionJobs')) return void res.end(JSON.stringify({ name: 'projects/p1/locations/l1/batchPredictionJobs/987', state: 'JOB_STATE_RUNNING' }))
  res.end(JSON.stringify({ name: 'batches/b123', metadata: { name: 'batches/b123', state: 'BATCH_STATE_RUNNING' } }))
}

beforeAll(async () => {
  up = await startUpstream(fake)
  const local = { upstream_url: up.url }
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: ['gemini', 'vertex', 'bedrock'].map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      { name: 'ai-proxy', route: 'gemini', config: { route_type: 'llm/v1/batches', max_request_body_size: 65536, auth: { header_name: 'x-goog-api-key', header_value: 'k' }, model: { provider: 'gemini', name: 'gemini-2.5-flash', options: local } } },
      { name: 'ai-proxy', route: 'vertex', config: { route_type: 'llm/v1/batches', auth: { header_name: 'Authorization', header_value: 'Bearer t' },
        model: { provider: 'gemini', name: 'gemini-2.5-flash', options: { gemini: { api_endpoint: `http://127.0.0.1:${up.port}`, project_id: 'p1', location_id: 'l1' } } } } },
      { name: 'ai-proxy', route: 'bedrock', config: { route_type: 'llm/v1/batches', auth: { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'secret' },
        model: { provider: 'bedrock', name: 'amazon.nova-lite-v1:0', options: { ...local, bedrock: { aws_region: 'us-east-1', batch_bucket_prefix: 's3://bkt/batches/', batch_role_arn: ROLE } } } } },
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

async function call(method: string, path: string, body?: string) {
  const res = await request(`${gw.proxy}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, body })
  return { status: res.statusCode, text: await res.body.text() }
}

// raw path suffixes after `<route>/batches/`: each must be refused before anything is sent
const HOSTILE_IDS = [
  '..%2F..%2Fmodels%2Fx', 'b123%2Fcancel%2F..', 'b123:cancel', 'b123%3Acancel', 'b123%3Fkey%3Dleak', 'b123%23frag',
  'b123%00', 'b123%0d%0aX-Injected:%201', 'b%20123', 'b123.json', 'b123/../../../model-invocation-jobs',
  `${'a'.repeat(300)}`, 'b123/cancel/extra', 'b123/results', '%252e%252e', 'ABCD1234EFGH%2Fstop',
]

describe('hostile batch ids never reach an upstream path', () => {
  for (const r of ['gemini', 'vertex', 'bedrock']) {
    it.each(HOSTILE_IDS)(`${r}: GET /batches/%s is refused, nothing sent`, async (id) => {
      const before = up.received.length
      const res = await call('GET', `/${r}/batches/${id}`)
      expect([400, 404, 405]).toContain(res.status)
      expect(up.received.length).toBe(before)
    })
    it.each(HOSTILE_IDS)(`${r}: POST /batches/%s/cancel is refused, nothing sent`, async (id) => {
      const before = up.received.length
      const res = await call('POST', `/${r}/batches/${id}/cancel`, '{}')
      expect([400, 404, 405]).toContain(res.status)
      expect(up.received.length).toBe(before)
    })
  }

  // dot-segments are resolved by the router's normalization first: what is left is the list call
  // (GET) or a create without a body (POST), never a path outside the provider's batch API
  const LIST_PATH: Record<string, string> = { gemini: '/v1beta/batches', vertex: '/v1/projects/p1/locations/l1/batchPredictionJobs', bedrock: '/model-invocation-jobs' }
  it.each(['gemini', 'vertex', 'bedrock'].flatMap((r) => ['..', '.', '%2e%2e', '%2E.', 'x/..'].map((d) => [r, d])))('%s: GET /batches/%s lists, at the list path', async (r, dots) => {
    const res = await call('GET', `/${r}/batches/${dots}`)
    expect(res.status).toBe(200)
    expect(up.received[up.received.length - 1]!.url).toBe(LIST_PATH[r])
  })
  it.each(['gemini', 'vertex', 'bedrock'].flatMap((r) => ['..', '%2e%2e'].map((d) => [r, d])))('%s: POST /batches/%s/cancel without a body is a 400, nothing sent', async (r, dots) => {
    const before = up.received.length
    expect((await call('POST', `/${r}/batches/${dots}/cancel`)).status).toBe(400)
    expect(up.received.length).toBe(before)
  })

  it.each([['DELETE', '/gemini/batches/b123'], ['PUT', '/bedrock/batches'], ['GET', '/vertex/batches/987/cancel'], ['PATCH', '/gemini/batches']])(
    '%s %s: another method is 405, nothing sent', async (method, path) => {
      const before = up.received.length
      expect((await call(method, path)).status).toBe(405)
      expect(up.received.length).toBe(before)
    })

  it('the well-formed ids do reach the provider (the table above is not refusing everything)', async () => {
    expect((await call('GET', '/gemini/batches/b123')).status).toBe(200)
    expect(up.received[up.received.length - 1]!.url).toBe('/v1beta/batches/b123')
    expect((await call('GET', '/bedrock/batches/abcd1234efgh')).status).toBe(200)
    expect(up.received[up.received.length - 1]!.url).toBe('/model-invocation-job/abcd1234efgh')
  })
})

const HOSTILE_INPUTS: Record<string, string[]> = {
  gemini: ['files/../../models', 'files/a/b', 'gs://bkt/x.jsonl', 'files/a%2Fb', 'files/a?x=1', ''],
  vertex: ['gs://bkt/../other/x.jsonl', 'gs://bkt/a/./b.jsonl', 'gs://bkt/a b.jsonl', 'gs://bkt/a.jsonl?x=1', 'gs://bkt/a.jsonl#f', 'https://evil/x.jsonl', 'gs://bkt/x\n.jsonl'],
  bedrock: ['s3://other/batches/x.jsonl', 's3://bkt/batches/../secret/x.jsonl', 's3://bkt/batchesX/x.jsonl', '../x.jsonl', 'a//b.jsonl', 'a/./b', 'x?y', 'x y', 'x\r\ny', ''],
}

describe('hostile input file ids are refused with a 400, nothing sent', () => {
  for (const [r, inputs] of Object.entries(HOSTILE_INPUTS)) {
    it.each(inputs)(`${r}: input_file_id %j`, async (input) => {
      const before = up.received.length
      const res = await call('POST', `/${r}/batches`, JSON.stringify({ input_file_id: input, endpoint: '/v1/chat/completions', completion_window: '24h' }))
      expect(res.status).toBe(400)
      expect(JSON.parse(res.text).error.message).toMatch(/^error transforming to (gemini|bedrock):\/\/llm\/v1\/batches: /)
      expect(up.received.length).toBe(before)
    })
  }

  it.each([
    ['endpoint', { endpoint: '/v1/embeddings' }], ['completion_window', { completion_window: '1h' }], ['metadata array', { metadata: ['x'] }],
    ['metadata non-string', { metadata: { a: { b: 1 } } }], ['metadata too many', { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }],
    ['role_arn not an ARN (with a configured role it is ignored, so use gemini)', { input_file_id: 42 }],
  ])('gemini: bad %s is a 400', async (_name, patch) => {
    const res = await call('POST', '/gemini/batches', JSON.stringify({ input_file_id: 'files/in42', endpoint: '/v1/chat/completions', completion_window: '24h', ...patch }))
    expect(res.status).toBe(400)
  })
})

describe('prototype keys in bodies and answers', () => {
  const polluted = () => INJECTED_KEYS.filter((k) => k in ({} as Record<string, unknown>))

  for (const [name, p] of Object.entries(POLLUTERS)) {
    it.each(['gemini', 'vertex', 'bedrock'])(`create body with ${name} at the top and in metadata (%s): nothing polluted, nothing of it sent`, async (r) => {
      const input = r === 'vertex' ? 'gs://bkt/in/x.jsonl' : r === 'gemini' ? 'files/in42' : 'in.jsonl'
      const body = `{"input_file_id":"${input}","endpoint":"/v1/chat/completions","completion_window":"24h","metadata":${p},${p.slice(1, -1)}}`
      const res = await call('POST', `/${r}/batches`, body)
      expect(res.status === 200 || res.status === 400).toBe(true)
      expect(polluted()).toEqual([])
      if (res.status === 200) expect(up.received[up.received.length - 1]!.body.toString()).not.toMatch(/x-injected|evil|polluted/)
    })

    it.each([
      ['gemini', 'GET', '/gemini/batches/b123', `{"name":"batches/b123","metadata":{"state":"constructor","batchStats":${p},"__proto__":${p}}}`],
      ['bedrock', 'GET', '/bedrock/batches/abcd1234efgh', `{"jobArn":"arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcd1234efgh","status":"__proto__","inputDataConfig":${p}}`],
      ['vertex list', 'GET', '/vertex/batches', `{"batchPredictionJobs":[${p},{"name":"x/987","state":"toString","completionStats":${p}}]}`],
    ])(`hostile ${name} answer from %s`, async (_r, method, path, answer) => {
      nextAnswer = answer
      try {
        const res = await call(method, path)
        expect(res.status).toBe(200)
        const out = JSON.parse(res.text)
        const batches = out.object === 'list' ? out.data : [out]
        for (const b of batches) expect(['validating', 'in_progress']).toContain(b.status)
        expect(polluted()).toEqual([])
      } finally {
        nextAnswer = null
      }
    })
  }
})

describe('body limits', () => {
  it('a create body over max_request_body_size is refused, nothing sent', async () => {
    const before = up.received.length
    const huge = JSON.stringify({ input_file_id: 'files/in42', endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { a: 'x'.repeat(70_000) } })
    const res = await call('POST', '/gemini/batches', huge)
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(up.received.length).toBe(before)
  })

  it.each([1, 100, 512])('metadata values of %i characters are accepted', async (n) => {
    const res = await call('POST', '/gemini/batches', JSON.stringify({ input_file_id: 'files/in42', endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { a: 'x'.repeat(n) } }))
    expect(res.status).toBe(200)
  })
})
