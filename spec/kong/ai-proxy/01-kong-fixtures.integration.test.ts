// Kong's own conversion fixtures for the OpenAI family (KONG_AI_FIXTURES/unit, Kong 3.10),
// run through the gateway: the canonical request must arrive upstream as Kong's expected request,
// and the provider's real answer must reach the client as Kong's expected answer.
// Difference on purpose: Kong always writes `"stream": false`; Tollgate leaves an absent `stream`
// absent (OpenAI's default), so a body needing no change is sent as the client's bytes.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { pathToFileURL } from 'node:url'
import { KONG_FIXTURES } from '../kong-fixtures.ts'

const ROOT = pathToFileURL(`${KONG_FIXTURES}unit/`)
const read = (p: string) => JSON.parse(readFileSync(new URL(p, ROOT), 'utf8')) as Record<string, unknown>

// Kong's 01-unit_spec FORMATS table for these providers
const CASES = [
  { provider: 'openai', route: 'llm/v1/chat', file: 'llm-v1-chat', name: 'gpt-4', options: { max_tokens: 512, temperature: 0.5 } },
  { provider: 'openai', route: 'llm/v1/completions', file: 'llm-v1-completions', name: 'gpt-3.5-turbo-instruct', options: { max_tokens: 512, temperature: 0.5 } },
  { provider: 'azure', route: 'llm/v1/chat', file: 'llm-v1-chat', name: 'gpt-4', options: { max_tokens: 512, temperature: 0.5, top_p: 1, azure_instance: 'i', azure_deployment_id: 'd' } },
  { provider: 'azure', route: 'llm/v1/completions', file: 'llm-v1-completions', name: 'gpt-3.5-turbo-instruct', options: { max_tokens: 512, temperature: 0.5, top_p: 1, azure_instance: 'i', azure_deployment_id: 'd' } },
] as const

let gw: TestGateway
let up: FakeUpstream
const answers = new Map<string, Buffer>()

describe("Kong's OpenAI-family conversion fixtures", () => {
  beforeAll(async () => {
    up = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(answers.get(req.url!.split('?')[0]!))
    })
    const config = {
      _format_version: '3.0',
      services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: CASES.map((c, i) => ({ name: `r${i}`, paths: [`/r${i}`] })) }],
      plugins: CASES.map((c, i) => {
        answers.set(`/u${i}`, readFileSync(new URL(`real-responses/${c.provider}/${c.file}.json`, ROOT)))
        return {
          name: 'ai-proxy', route: `r${i}`,
          config: { route_type: c.route, model: { provider: c.provider, name: c.name, options: { ...c.options, upstream_url: `${up.url}/u${i}` } } },
        }
      }),
    }
    gw = await startGateway(JSON.stringify(config))
  })
  afterAll(async () => {
    await gw?.close()
    await up?.close()
  })

  it.each(CASES.map((c, i) => [`${c.provider} ${c.route}`, c, i] as const))('%s', async (_name, c, i) => {
    const res = await request(`${gw.proxy}/r${i}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(read(`requests/${c.file}.json`)) })
    expect(res.statusCode).toBe(200)
    expect(await res.body.json()).toEqual(read(`expected-responses/${c.provider}/${c.file}.json`))
    const { stream, ...expected } = read(`expected-requests/${c.provider}/${c.file}.json`)
    expect(stream).toBe(false)
    expect(JSON.parse(up.received[up.received.length - 1]!.body.toString())).toEqual(expected)
  })
})
