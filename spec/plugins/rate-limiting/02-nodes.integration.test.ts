// Limits exact under concurrency on real gateway processes (the `tollgate` command, 2 worker
// threads each): rate-limiting `local` counts node-wide across workers; `redis` (sync_rate -1) is
// exact across two processes sharing a real Redis; ai-rate-limiting-advanced with Redis sees the
// other node's usage; Redis stopped mid-run follows fault_tolerant (rate-limiting) and falls back
// to the node's counters (ai-rate-limiting-advanced).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { startCli, type Started } from '../../helpers/cli.ts'
import { redisMissing, startRedis, type TestRedis } from '../../helpers/redis.ts'
import { closedPort, type FakeUpstream, startUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi } from '../llm/helpers/fake-openai.ts'

const skip = redisMissing()
const dir = mkdtempSync(join(tmpdir(), 'tollgate-rl-'))
let redis: TestRedis
let redisUp = false
let up: FakeUpstream
let oai: FakeUpstream
const nodes: { s: Started; port: number }[] = []
const agent = new Agent({ connections: 64 })

function config(redisPort: number): string {
  // the exactness route waits up to 5 s for Redis on a loaded machine; the fault routes give up after 300 ms
  const exact = { host: '127.0.0.1', port: redisPort, timeout: 5000 }
  const redisConf = { host: '127.0.0.1', port: redisPort, timeout: 300 }
  const rl = (id: string, route: string, config: Record<string, unknown>) => ({ id: `00000000-0000-4000-8000-${id}`, name: 'rate-limiting', route, config })
  return JSON.stringify({
    _format_version: '3.0',
    services: [
      { name: 'up', url: up.url, routes: ['local', 'redis', 'tolerant', 'strict'].map((r) => ({ name: r, paths: [`/${r}`] })) },
      { name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'tokens', paths: ['/tokens'] }] },
    ],
    plugins: [
      rl('000000000201', 'local', { day: 50, limit_by: 'ip' }),
      rl('000000000202', 'redis', { day: 60, limit_by: 'ip', policy: 'redis', redis: exact, fault_tolerant: false }),
      rl('000000000203', 'tolerant', { day: 1000, limit_by: 'ip', policy: 'redis', redis: redisConf, fault_tolerant: true }),
      rl('000000000204', 'strict', { day: 1000, limit_by: 'ip', policy: 'redis', redis: redisConf, fault_tolerant: false }),
      { id: '00000000-0000-4000-8000-000000000205', name: 'ai-rate-limiting-advanced', route: 'tokens', config: {
        llm_providers: [{ name: 'openai', limit: [100], window_size: [86400] }], window_type: 'fixed', identifier: 'ip',
        strategy: 'redis', sync_rate: 0, redis: { host: '127.0.0.1', port: redisPort, connect_timeout: 300, send_timeout: 300, read_timeout: 300 },
      } },
      { name: 'ai-proxy', route: 'tokens', config: {
        route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer sk-up' },
        model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${oai.url}/v1/chat/completions` } },
      } },
    ],
  })
}

async function startNode(file: string): Promise<{ s: Started; port: number }> {
  const port = await closedPort()
  const s = await startCli(['-c', file], {
    KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: 'off', KONG_NGINX_WORKER_PROCESSES: '2',
  })
  return { s, port }
}

async function get(port: number, path: string, method = 'GET', body?: string) {
  const res = await request(`http://127.0.0.1:${port}${path}`, {
    dispatcher: agent, method: method as 'GET', ...(body !== undefined && { body, headers: { 'content-type': 'application/json' } }),
  })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, text }
}

const chat = (port: number) => get(port, '/tokens', 'POST', JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }))

const statuses = (rs: { status: number }[]) => rs.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {})

describe.skipIf(skip)('rate limits on gateway processes with 2 workers each', () => {
  beforeAll(async () => {
    redis = await startRedis()
    redisUp = true
    up = await startUpstream()
    oai = await startFakeOpenAi()
    const file = join(dir, 'kong.json')
    writeFileSync(file, config(redis.port))
    nodes.push(await startNode(file), await startNode(file))
  }, 120_000)
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.s.stop()))
    await agent.close()
    await up?.close()
    await oai?.close()
    if (redisUp) await redis.stop()
  })

  it('local: 200 concurrent requests on one node (both workers): exactly 50 pass', async () => {
    const rs = await Promise.all(Array.from({ length: 200 }, () => get(nodes[0]!.port, '/local')))
    expect(statuses(rs)).toEqual({ 200: 50, 429: 150 })
  })

  it('redis (sync_rate -1): 200 concurrent requests spread over 2 processes: exactly 60 pass', async () => {
    const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => get(nodes[i % 2]!.port, '/redis')))
    expect(statuses(rs)).toEqual({ 200: 60, 429: 140 })
    expect(rs.filter((r) => r.status === 200).map((r) => r.headers['x-ratelimit-remaining-day']).sort((a, b) => Number(a) - Number(b)))
      .toEqual(Array.from({ length: 60 }, (_, i) => String(i)))
  })

  it('ai-rate-limiting-advanced (redis, sync_rate 0): a node sees the other node\'s usage after its own next count', async () => {
    for (let i = 0; i < 3; i++) expect((await chat(nodes[0]!.port)).status).toBe(200) // 3 × 37 = 111 > 100
    expect((await chat(nodes[0]!.port)).status).toBe(429)
    // node 1 has counted nothing yet: admitted, and its count (pushed after the answer, as Kong's
    // log phase does) reads back the global total; from then on node 1 refuses too
    expect((await chat(nodes[1]!.port)).status).toBe(200)
    let refused = await chat(nodes[1]!.port)
    for (let i = 0; i < 3 && refused.status === 200; i++) refused = await chat(nodes[1]!.port)
    expect(refused.status).toBe(429)
    expect(JSON.parse(refused.text)).toEqual({ message: 'AI token rate limit exceeded for provider(s): openai' })
  })

  it('Redis stopped mid-run: fault_tolerant true proxies without headers, false answers Kong\'s 500; token limits go on locally', async () => {
    const before = await get(nodes[0]!.port, '/tolerant')
    expect(before.headers['x-ratelimit-remaining-day']).toBeDefined()
    await redis.stop()
    redisUp = false
    for (const n of nodes) {
      const tolerant = await get(n.port, '/tolerant')
      expect(tolerant.status).toBe(200)
      expect(Object.keys(tolerant.headers).filter((h) => /ratelimit/i.test(h))).toEqual([])
      const strict = await get(n.port, '/strict', 'GET')
      expect(strict.status).toBe(500)
      expect(JSON.parse(strict.text).message).toBe('An unexpected error occurred')
      expect(strict.text).not.toContain('127.0.0.1')
      // the node's own token counts still refuse
      expect((await chat(n.port)).status).toBe(429)
    }
  })
})
