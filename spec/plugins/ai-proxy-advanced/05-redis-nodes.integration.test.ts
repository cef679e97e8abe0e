// Two gateway processes with the same kong.yaml and balancer.redis: a circuit opened on one node
// keeps the other node's traffic away from the failing target too. Real `tollgate start`
// processes, a real redis-server, a fake OpenAI on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { Redis } from 'ioredis'
import { startCli, type Started } from '../../helpers/cli.ts'
import { closedPort, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi } from '../llm/helpers/fake-openai.ts'
import { redisMissing, startRedis, type TestRedis } from '../../helpers/redis.ts'

const missing = redisMissing()

describe.skipIf(missing !== null)(`two gateway nodes sharing balancer state in Redis${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let redis: TestRedis
  let observer: Redis
  let oai: FakeUpstream
  const nodes: { s: Started; proxy: string }[] = []

  beforeAll(async () => {
    redis = await startRedis()
    oai = await startFakeOpenAi((req, res) => {
      if (!req.url?.startsWith('/failing/')) return false
      res.writeHead(503, { 'content-type': 'application/json' })
      res.end('{"error":{"message":"overloaded"}}')
      return true
    })
    const target = (path: string) => `
          - route_type: llm/v1/chat
            model: { provider: openai, name: gpt-4o, options: { upstream_url: "${oai.url}${path}/v1/chat/completions" } }`
    const yaml = `_format_version: "3.0"
services:
  - name: llm
    url: http://127.0.0.1:9
    routes: [{ name: chat, paths: ["/chat"] }]
plugins:
  - name: ai-proxy-advanced
    route: chat
    config:
      balancer:
        failover_criteria: [http_503, non_idempotent]
        max_fails: 1
        fail_timeout: 600000
        redis: { host: 127.0.0.1, port: ${redis.port} }
      targets:${target('/failing')}${target('/ok')}
`
    const file = join(mkdtempSync(join(tmpdir(), 'tollgate-nodes-')), 'kong.yaml')
    writeFileSync(file, yaml)
    for (let k = 0; k < 2; k++) {
      const port = await closedPort()
      const s = await startCli(['-c', file], { KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: 'off', KONG_NGINX_WORKER_PROCESSES: '1' })
      nodes.push({ s, proxy: `http://127.0.0.1:${port}` })
    }
    // both nodes are listening on the balancer's channel (bounded wait, no fixed sleep)
    observer = new Redis({ host: '127.0.0.1', port: redis.port })
    for (let k = 0; k < 500; k++) {
      const channels = (await observer.pubsub('CHANNELS', 'tollgate:ai-proxy-advanced:*')) as string[]
      const counts = channels.length ? ((await observer.pubsub('NUMSUB', ...channels)) as (string | number)[]) : []
      if (Number(counts[1] ?? 0) >= 2) break
      await new Promise((r) => setTimeout(r, 10))
    }
  }, 60_000)

  afterAll(async () => {
    observer?.disconnect()
    await Promise.all(nodes.map((n) => n.s.stop()))
    await oai?.close()
    await redis?.stop()
  })

  const post = async (proxy: string) => {
    const res = await request(`${proxy}/chat`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    })
    await res.body.dump()
    return res.statusCode
  }
  const failing = () => oai.received.filter((r) => r.url.startsWith('/failing/')).length

  it('a circuit opened on one node is open on the other', async () => {
    const channel = ((await observer.pubsub('CHANNELS', 'tollgate:ai-proxy-advanced:*')) as string[])[0]!
    const sub = observer.duplicate()
    const heard = new Promise<string>((resolve) => sub.on('message', (_c: string, m: string) => resolve(m)))
    await sub.subscribe(channel)

    // node A: round-robin starts with the failing target, fails over, and opens its circuit
    expect(await post(nodes[0]!.proxy)).toBe(200)
    expect(failing()).toBe(1)
    expect(JSON.parse(await heard).e).toMatchObject({ k: 'fail', t: 0 })
    sub.disconnect()

    // node B never sent anything to the failing target, yet keeps away from it
    for (let k = 0; k < 4; k++) expect(await post(nodes[1]!.proxy)).toBe(200)
    expect(failing()).toBe(1)
  })
})
