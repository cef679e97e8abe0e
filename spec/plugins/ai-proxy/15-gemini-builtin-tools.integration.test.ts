// Gemini's built-in tools (googleSearch, codeExecution, urlContext) next to function tools, end
// to end: the OpenAI SDK (OpenAI-shaped tools, either spelling) and the Google GenAI SDK
// (llm_format gemini) talk to the gateway; the fake Gemini records what arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { GoogleGenAI } from '@google/genai'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream

const ANSWER = {
  candidates: [{ content: { role: 'model', parts: [{ text: 'Spain won Euro 2024.' }] }, finishReason: 'STOP',
    groundingMetadata: { webSearchQueries: ['euro 2024 winner'] } }],
  usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 6, totalTokenCount: 11 },
  modelVersion: 'gemini-2.5-flash',
}
const lastBody = () => JSON.parse(up.received[up.received.length - 1]!.body.toString())
const WEATHER = { type: 'function' as const, function: { name: 'weather', description: 'the weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }

beforeAll(async () => {
  up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(ANSWER))
  })
  const auth = { header_name: 'x-goog-api-key', header_value: 'gemini-key' }
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [
      { name: 'chat', paths: ['/chat'] },
      { name: 'native', paths: ['~/native/v1beta/models/(?<model>[^/:]+):(?<operation>[A-Za-z]+)$'] },
    ] }],
    plugins: [
      { name: 'ai-proxy', route: 'chat', config: { route_type: 'llm/v1/chat', auth,
        model: { provider: 'gemini', name: 'gemini-2.5-flash', options: { upstream_url: `${up.url}/v1beta/models/gemini-2.5-flash:generateContent` } } } },
      { name: 'ai-proxy', route: 'native', config: { route_type: 'llm/v1/chat', llm_format: 'gemini', auth,
        model: { provider: 'gemini', name: 'gemini-2.5-flash', options: { upstream_url: `${up.url}/v1beta/models/$(uri_captures.model):$(uri_captures.operation)` } } } },
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

describe('gemini built-in tools from an OpenAI-shaped request', () => {
  const client = () => new OpenAI({ baseURL: `${gw.proxy}/chat`, apiKey: 'sk-client', maxRetries: 0 })

  it.each([
    ['Gemini spelling', [{ googleSearch: {} }, { codeExecution: {} }, { urlContext: {} }]],
    ['snake_case spelling', [{ google_search: {} }, { code_execution: {} }, { url_context: {} }]],
    ['typed spelling', [{ type: 'google_search' }, { type: 'codeExecution' }, { type: 'url_context', url_context: {} }]],
  ])('%s: each built-in tool is its own entry beside the function declarations', async (_name, builtins) => {
    const res = await client().chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Who won Euro 2024?' }],
      tools: [WEATHER, ...builtins] as never,
    })
    expect(res.choices[0]!.message.content).toBe('Spain won Euro 2024.')
    expect(lastBody().tools).toEqual([
      { function_declarations: [WEATHER.function] },
      { googleSearch: {} }, { codeExecution: {} }, { urlContext: {} },
    ])
  })

  it('the built-in tool settings go along; unknown tool kinds are not invented into Gemini tools', async () => {
    await client().chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'news?' }],
      tools: [{ googleSearch: { timeRangeFilter: { startTime: '2024-01-01T00:00:00Z' } } }, { type: 'web_browser' }, { nothing: {} }] as never,
    })
    expect(lastBody().tools).toEqual([{ googleSearch: { timeRangeFilter: { startTime: '2024-01-01T00:00:00Z' } } }])
  })

  it('only built-in tools: no empty declarations entry', async () => {
    await client().chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }], tools: [{ googleSearch: {} }] as never })
    expect(lastBody().tools).toEqual([{ googleSearch: {} }])
  })
})

describe('gemini built-in tools from the Google GenAI SDK (llm_format gemini)', () => {
  it('googleSearch, codeExecution and urlContext reach Gemini next to functionDeclarations', async () => {
    const genai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: `${gw.proxy}/native` } })
    const res = await genai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Who won Euro 2024?',
      config: { tools: [{ googleSearch: {} }, { codeExecution: {} }, { urlContext: {} }, { functionDeclarations: [{ name: 'weather' }] }] },
    })
    expect(res.text).toBe('Spain won Euro 2024.')
    expect(res.candidates?.[0]?.groundingMetadata?.webSearchQueries).toEqual(['euro 2024 winner'])
    expect(lastBody().tools).toEqual([{ googleSearch: {} }, { codeExecution: {} }, { urlContext: {} }, { functionDeclarations: [{ name: 'weather' }] }])
  })
})
