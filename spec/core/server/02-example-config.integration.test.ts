// kong.yaml.example is what `npm start` serves on a fresh clone: every curl in its header works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { closedPort } from '../../../public/testing/upstream.ts'

let gw: TestGateway
beforeAll(async () => {
  const port = await closedPort()
  const example = readFileSync(new URL('../../../kong.yaml.example', import.meta.url), 'utf8').replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`)
  gw = await startGateway(example, { env: { KONG_PROXY_LISTEN: `127.0.0.1:${port}` } })
})
afterAll(async () => { await gw.close() })

describe('kong.yaml.example', () => {
  it('echoes a request', async () => {
    const res = await request(`${gw.proxy}/echo/hello`, { headers: { 'x-demo': '1' } })
    expect(res.statusCode).toBe(200)
    const body = (await res.body.json()) as { request: { path: string; headers: Record<string, string> } }
    expect(body.request.path).toBe('/echo/hello')
    expect(body.request.headers['x-demo']).toBe('1')
  })

  it('answers the teapot route', async () => {
    const res = await request(`${gw.proxy}/teapot`)
    expect(res.statusCode).toBe(418)
    expect(((await res.body.json()) as { message: string }).message).toBe("I'm a teapot")
  })

  it('runs ai-proxy against the demo model', async () => {
    const res = await request(`${gw.proxy}/openai/chat`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-kong-llm-model']).toBe('openai/demo-model')
    const body = (await res.body.json()) as { choices: { message: { content: string } }[] }
    expect(body.choices[0]!.message.content).toBe('Hello from the Tollgate demo model.')
  })
})
