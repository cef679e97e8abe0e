// Rerank and document-grounded chat, end to end: Kong's documented curl calls against Bedrock's
// Rerank (llm_format bedrock: the agent-runtime operation, SigV4-signed for `bedrock`), and the
// OpenAI SDK against Cohere with `documents` (v2 chat, citations on the answer's message). The
// fake providers record what arrives. Where the built-in hosts and paths are chosen (no
// upstream_url) is checked on the drivers directly.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'
import { bedrockDriver } from '../../../plugins/llm/drivers/bedrock.ts'
import { cohereDriver } from '../../../plugins/llm/drivers/cohere.ts'
import type { DriverContext } from '../../../plugins/llm/types.ts'

let gw: TestGateway
let up: FakeUpstream
const AWS_AUTH = { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }

const RERANK = {
  queries: [{ type: 'TEXT', textQuery: { text: 'What is the capital of France?' } }],
  sources: [
    { type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: 'Berlin is the capital of Germany.' } } },
    { type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: 'Paris is the capital of France.' } } },
  ],
  rerankingConfiguration: { type: 'BEDROCK_RERANKING_MODEL', bedrockRerankingConfiguration: {
    numberOfResults: 1, modelConfiguration: { modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0' } } },
}
const RERANK_ANSWER = { results: [{ index: 1, relevanceScore: 0.98 }] }

const CITED = {
  id: 'c-1', finish_reason: 'COMPLETE',
  message: { role: 'assistant', content: [{ type: 'text', text: 'Emperor penguins are the tallest.' }],
    citations: [{ start: 0, end: 16, text: 'Emperor penguins', sources: [{ type: 'document', id: 'doc:0', document: { title: 'Tall penguins', snippet: 'Emperor penguins are the tallest.' } }] }] },
  usage: { billed_units: { input_tokens: 41, output_tokens: 7 } },
}

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function fake(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/rerank') return json(res, RERANK_ANSWER)
  if (req.url === '/cohere/v2/chat') return json(res, CITED)
  json(res, { error: `unexpected ${req.url}` }, 404)
}

const last = (): Received => up.received[up.received.length - 1]!

beforeAll(async () => {
  up = await startUpstream(fake)
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'bedrock', paths: ['/bedrock'] }, { name: 'cohere', paths: ['/cohere'] }] }],
    plugins: [
      { name: 'ai-proxy', route: 'bedrock', config: { route_type: 'llm/v1/chat', llm_format: 'bedrock', auth: AWS_AUTH,
        model: { provider: 'bedrock', name: 'amazon.rerank-v1:0', options: { bedrock: { aws_region: 'us-west-2' }, upstream_url: `${up.url}/rerank` } } } },
      { name: 'ai-proxy', route: 'cohere', config: { route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer cohere-key' },
        model: { provider: 'cohere', name: 'command-a-03-2025', options: { upstream_url: `${up.url}/cohere/v2/chat` } } } },
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

describe('bedrock rerank (llm_format bedrock, the agent runtime)', () => {
  it("Kong's curl: the Rerank body goes as it came, signed for service bedrock; the answer comes back as it was", async () => {
    const res = await request(`${gw.proxy}/bedrock/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(RERANK) })
    expect(res.statusCode).toBe(200)
    expect(await res.body.json()).toEqual(RERANK_ANSWER)
    const got = last()
    expect(got.url).toBe('/rerank')
    expect(JSON.parse(got.body.toString())).toEqual(RERANK)
    expect(String(got.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=/)
  })

  const ctx = (clientPath: string): DriverContext => ({
    route: 'llm/v1/chat', stream: false, clientPath, clientQuery: '', clientMethod: 'POST', llmFormat: 'bedrock',
    model: { provider: 'bedrock', name: 'amazon.rerank-v1:0', options: { bedrock: { aws_region: 'eu-central-1' } } },
  })
  it.each([
    ['/b/rerank', 'bedrock-agent-runtime.eu-central-1.amazonaws.com', '/rerank'],
    ['/b/retrieveAndGenerate', 'bedrock-agent-runtime.eu-central-1.amazonaws.com', '/retrieveAndGenerate'],
    ['/b/retrieveAndGenerateStream', 'bedrock-agent-runtime.eu-central-1.amazonaws.com', '/retrieveAndGenerateStream'],
    ['/b/model/amazon.rerank-v1:0/converse', 'bedrock-runtime.eu-central-1.amazonaws.com', '/model/amazon.rerank-v1%3A0/converse'],
  ])('built-in target of %s: %s%s', (clientPath, host, path) => {
    expect(bedrockDriver.target(ctx(clientPath))).toMatchObject({ scheme: 'https', host, port: 443, path })
  })
})

describe('cohere document-grounded chat (OpenAI SDK)', () => {
  it('documents → v2 chat; the citations come back on the message', async () => {
    const client = new OpenAI({ baseURL: `${gw.proxy}/cohere`, apiKey: 'sk-client', maxRetries: 0 })
    const res = await client.chat.completions.create({
      model: 'command-a-03-2025',
      messages: [{ role: 'system', content: 'Answer from the documents.' }, { role: 'user', content: 'Which penguins are the tallest?' }],
      max_tokens: 100,
      // Cohere's own field, as Kong's how-to sends it
      documents: [{ title: 'Tall penguins', snippet: 'Emperor penguins are the tallest.' }, 'Penguins live in the south.', { id: 'd3', data: { text: 'Gentoo penguins are fast.' } }],
    } as never)
    const got = JSON.parse(last().body.toString())
    expect(last().headers.authorization).toBe('Bearer cohere-key')
    expect(got).toEqual({
      model: 'command-a-03-2025', stream: false, max_tokens: 100,
      messages: [{ role: 'system', content: 'Answer from the documents.' }, { role: 'user', content: 'Which penguins are the tallest?' }],
      documents: [{ data: { title: 'Tall penguins', snippet: 'Emperor penguins are the tallest.' } }, 'Penguins live in the south.', { id: 'd3', data: { text: 'Gentoo penguins are fast.' } }],
    })
    const message = res.choices[0]!.message as unknown as Record<string, unknown>
    expect(message.content).toBe('Emperor penguins are the tallest.')
    expect(message.citations).toEqual(CITED.message.citations)
    expect(res.usage).toMatchObject({ prompt_tokens: 41, completion_tokens: 7, total_tokens: 48 })
  })

  it('built-in target: /v2/chat for a chat with documents, /v1/chat without', () => {
    const ctx = (): DriverContext => ({ route: 'llm/v1/chat', stream: false, clientPath: '/c', clientQuery: '', model: { provider: 'cohere', name: 'command-a-03-2025', options: {} } })
    const grounded = ctx()
    cohereDriver.encodeRequest({ messages: [{ role: 'user', content: 'q' }], documents: ['a'] }, Buffer.alloc(0), grounded)
    expect(cohereDriver.target(grounded).path).toBe('/v2/chat')
    const plain = ctx()
    cohereDriver.encodeRequest({ messages: [{ role: 'user', content: 'q' }] }, Buffer.alloc(0), plain)
    expect(cohereDriver.target(plain).path).toBe('/v1/chat')
  })
})
