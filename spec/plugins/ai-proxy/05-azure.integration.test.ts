// ai-proxy with Azure OpenAI: deployment URL, api-version (client's or configured), api-key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI, { AzureOpenAI } from 'openai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import type { FakeUpstream } from '../../../public/testing/upstream.ts'
import { startFakeOpenAi } from '../llm/helpers/fake-openai.ts'
import { logCapture } from '../llm/helpers/log-capture.ts'
import { azure } from '../../../plugins/llm/drivers/azure.ts'
import type { DriverContext } from '../../../plugins/llm/types.ts'

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()

const options = (extra: Record<string, unknown> = {}) => ({
  azure_instance: 'my-instance', azure_deployment_id: 'gpt-4o-deployment', azure_api_version: '2024-10-21', ...extra,
})

beforeAll(async () => {
  up = await startFakeOpenAi()
  const plugin = (route: string, config: Record<string, unknown>, model: Record<string, unknown>) => ({
    name: 'ai-proxy', route,
    config: { route_type: 'llm/v1/chat', auth: { header_name: 'api-key', header_value: 'azure-key' }, ...config, model: { provider: 'azure', ...model } },
  })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [
      { name: 'azure', paths: ['/azure'] },
      { name: 'templated', paths: ['/templated'] },
      { name: 'preserve', paths: ['/preserve'] },
    ] }],
    plugins: [
      plugin('azure', { logging: { log_statistics: true } }, {
        name: 'gpt-4o', options: options({ upstream_url: `${up.url}/openai/deployments/gpt-4o-deployment/chat/completions` }),
      }),
      plugin('templated', {}, {
        name: 'gpt-4o', options: options({ azure_deployment_id: '$(headers.x-model-name)', upstream_url: `${up.url}/openai/deployments/$(headers.x-model-name)/chat/completions` }),
      }),
      plugin('preserve', { route_type: 'preserve' }, { options: options({ upstream_url: up.url }) }),
      { name: 'log-capture' },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const last = () => up.received[up.received.length - 1]!
const messages = [{ role: 'user' as const, content: 'What is 1 + 1?' }]

describe('azure driver target', () => {
  const ctx = (route: DriverContext['route'], clientQuery = '', extra: Record<string, unknown> = {}): DriverContext => ({
    route, stream: false, clientPath: '/client/path', clientQuery,
    model: { provider: 'azure', name: 'gpt-4o', options: options(extra) },
  })

  it("builds Kong's deployment URLs per route type", () => {
    expect(azure.target(ctx('llm/v1/chat'))).toEqual({
      scheme: 'https', host: 'my-instance.openai.azure.com', port: 443,
      path: '/openai/deployments/gpt-4o-deployment/chat/completions', query: 'api-version=2024-10-21',
    })
    expect(azure.target(ctx('llm/v1/completions')).path).toBe('/openai/deployments/gpt-4o-deployment/completions')
    expect(azure.target(ctx('llm/v1/embeddings')).path).toBe('/openai/deployments/gpt-4o-deployment/embeddings')
    expect(azure.target(ctx('preserve')).path).toBe('/client/path')
  })

  it("prefers the client's api-version and keeps its other query arguments", () => {
    expect(azure.target(ctx('llm/v1/chat', 'x=1&api-version=2025-01-01-preview')).query).toBe('x=1&api-version=2025-01-01-preview')
  })
})

describe('ai-proxy azure through the SDKs', () => {
  it('OpenAI SDK: api-key header, configured api-version, deployment path, Azure log meta', async () => {
    const client = new OpenAI({ baseURL: `${gw.proxy}/azure`, apiKey: 'ignored', maxRetries: 0, defaultHeaders: { 'x-test-id': 'az-1' } })
    const data = await client.chat.completions.create({ model: 'gpt-4o', messages })
    expect(data.choices[0]!.message.content).toBe('The answer is 2.')
    expect(last().url).toBe('/openai/deployments/gpt-4o-deployment/chat/completions?api-version=2024-10-21')
    expect(last().headers['api-key']).toBe('azure-key')
    const meta = (await logs.waitFor('az-1')).ai.proxy.meta
    expect(meta).toMatchObject({ provider_name: 'azure', azure_instance_id: 'my-instance', azure_deployment_id: 'gpt-4o-deployment', azure_api_version: '2024-10-21' })
  })

  it("AzureOpenAI SDK: the client's api-version wins, its api-key is replaced", async () => {
    const client = new AzureOpenAI({ endpoint: `${gw.proxy}/azure`, apiKey: 'client-key', apiVersion: '2025-01-01-preview', deployment: 'gpt-4o-deployment', maxRetries: 0 })
    const data = await client.chat.completions.create({ model: 'gpt-4o', messages })
    expect(data.choices[0]!.message.content).toBe('The answer is 2.')
    expect(last().url).toBe('/openai/deployments/gpt-4o-deployment/chat/completions?api-version=2025-01-01-preview')
    expect(last().headers['api-key']).toBe('azure-key')
  })

  it('takes the deployment from a header template', async () => {
    const res = await request(`${gw.proxy}/templated`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-model-name': 'west-dep' }, body: JSON.stringify({ messages }) })
    expect(res.statusCode).toBe(200)
    await res.body.text()
    expect(last().url).toBe('/openai/deployments/west-dep/chat/completions?api-version=2024-10-21')
    const missing = await request(`${gw.proxy}/templated`, { method: 'POST', body: JSON.stringify({ messages }) })
    expect(missing.statusCode).toBe(400)
    expect(await missing.body.json()).toEqual({ error: { message: 'headers key x-model-name was not provided' } })
  })

  it('preserve keeps the client path and body', async () => {
    const body = '{"input":"x","model":"text-embedding-3-large"}'
    const res = await request(`${gw.proxy}/preserve/openai/deployments/other/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-kong-llm-model']).toBe('azure/text-embedding-3-large')
    await res.body.text()
    expect(last().url).toBe('/preserve/openai/deployments/other/embeddings?api-version=2024-10-21')
    expect(last().body.toString()).toBe(body)
  })
})
