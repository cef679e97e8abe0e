// Semantic routing end to end: target descriptions and the last user message embedded by a fake
// OpenAI embeddings endpoint, matched in the in-memory store and (when installed) in PostgreSQL
// with pgvector; CATCHALL takes what matches nothing; Kong's 400s for requests it cannot route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi } from '../llm/helpers/fake-openai.ts'
import { postgresMissing, startPostgres, type TestPostgres } from '../../helpers/postgres.ts'
import { closePgvectorPools } from '../../../plugins/ai-proxy-advanced/semantic/pgvector-store.ts'

const EMBED_KEY = 'sk-embeddings'

/** 3 dimensions: maths, code, anything else, by keyword */
function vectorOf(text: string): number[] {
  const t = text.toLowerCase()
  if (/math|sum|integral/.test(t)) return [1, 0.1, 0]
  if (/code|python|program/.test(t)) return [0.1, 1, 0]
  return [0, 0, 1]
}

let embeddings: FakeUpstream
let oai: FakeUpstream

beforeAll(async () => {
  embeddings = await startUpstream((req, res, body) => {
    const parsed = JSON.parse(body.toString()) as { input: string; model: string; dimensions: number }
    if (req.headers.authorization !== `Bearer ${EMBED_KEY}`) { res.writeHead(401); res.end('{}'); return }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ object: 'list', model: parsed.model, data: [{ object: 'embedding', index: 0, embedding: vectorOf(parsed.input) }] }))
  })
  oai = await startFakeOpenAi()
})

afterAll(async () => {
  await embeddings?.close()
  await oai?.close()
})

function config(vectordb: Record<string, unknown>) {
  const target = (path: string, description: string) => ({
    route_type: 'llm/v1/chat', description,
    model: { provider: 'openai', name: 'gpt-4o', options: { upstream_url: `${oai.url}${path}/v1/chat/completions` } },
  })
  return JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'semantic', paths: ['/semantic'] }] }],
    plugins: [{
      name: 'ai-proxy-advanced', route: 'semantic',
      config: {
        balancer: { algorithm: 'semantic' },
        embeddings: {
          auth: { header_name: 'Authorization', header_value: `Bearer ${EMBED_KEY}` },
          model: { provider: 'openai', name: 'text-embedding-3-small', options: { upstream_url: `${embeddings.url}/v1/embeddings` } },
        },
        vectordb: { dimensions: 3, distance_metric: 'cosine', threshold: 0.2, ...vectordb },
        targets: [
          target('/maths', 'mathematics: sums and integrals'),
          target('/maths-2', 'mathematics: sums and integrals'),
          target('/code', 'writing python code and programs'),
          target('/other', 'CATCHALL'),
        ],
      },
    }],
  })
}

async function ask(gw: TestGateway, body: unknown) {
  const res = await request(`${gw.proxy}/semantic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.statusCode, text: await res.body.text() }
}

const lastPath = () => oai.received[oai.received.length - 1]!.url.split('/v1/')[0]

function semanticCases(gwOf: () => TestGateway) {
  it('routes by the last user message to the target with the nearest description', async () => {
    const gw = gwOf()
    expect((await ask(gw, { messages: [{ role: 'user', content: 'Write a python program' }] })).status).toBe(200)
    expect(lastPath()).toBe('/code')
    const r = await ask(gw, { messages: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi' }, { role: 'user', content: 'What is the sum of 2 and 3?' }] })
    expect(r.status).toBe(200)
    expect(lastPath()).toMatch(/^\/maths/)
  })

  it('spreads over targets with the same description', async () => {
    const gw = gwOf()
    const seen = new Set<string>()
    for (let k = 0; k < 4; k++) {
      expect((await ask(gw, { messages: [{ role: 'user', content: `integral number ${k}` }] })).status).toBe(200)
      seen.add(lastPath())
    }
    expect([...seen].sort()).toEqual(['/maths', '/maths-2'])
  })

  it('sends what matches no description within the threshold to the CATCHALL target', async () => {
    expect((await ask(gwOf(), { messages: [{ role: 'user', content: 'Tell me a story' }] })).status).toBe(200)
    expect(lastPath()).toBe('/other')
  })

  it("answers Kong's 400s for a request it cannot route", async () => {
    const gw = gwOf()
    expect(await ask(gw, { prompt: 'What is 1 + 1?' })).toEqual({ status: 400, text: JSON.stringify({ message: 'this LLM route only supports chat requests' }) })
    expect(await ask(gw, { messages: [{ role: 'system', content: 'be brief' }] })).toEqual({ status: 400, text: JSON.stringify({ message: 'no user message found in the request' }) })
  })
}

describe('semantic routing, in-memory vectors', () => {
  let gw: TestGateway
  beforeAll(async () => { gw = await startGateway(config({ strategy: 'memory' })) })
  afterAll(async () => { await gw?.close() })
  semanticCases(() => gw)

  it('embeds each description once per config load, then each new prompt once', async () => {
    const texts = embeddings.received.map((r) => JSON.parse(r.body.toString()).input as string)
    expect(texts.filter((t) => t === 'mathematics: sums and integrals')).toHaveLength(1)
    expect(texts.filter((t) => t === 'Tell me a story')).toHaveLength(1)
  })
})

const pgMissing = postgresMissing()
describe(`semantic routing, pgvector (${pgMissing === null ? 'Debian PostgreSQL' : `PGlite: ${pgMissing}`})`, () => {
  let db: TestPostgres
  let gw: TestGateway
  beforeAll(async () => {
    db = await startPostgres()
    gw = await startGateway(config({ strategy: 'pgvector', pgvector: { host: '127.0.0.1', port: db.port, user: 'postgres', database: 'kong-pgvector' } }))
  }, 60_000)
  afterAll(async () => {
    await gw?.close()
    await closePgvectorPools()
    await db?.stop()
  })
  semanticCases(() => gw)

  it('keeps the description vectors in PostgreSQL', async () => {
    const rows = await db.query('SELECT payload->>\'description\' AS d FROM tollgate_ai_semantic_vectors ORDER BY d')
    expect(rows.map((r) => r.d)).toEqual(['mathematics: sums and integrals', 'writing python code and programs'])
  })

})
