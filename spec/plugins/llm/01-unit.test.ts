// The AI library's pieces on their own: templates, SSE framing, usage reading, estimates, header
// auth, registries.
import { describe, expect, it } from 'vitest'
import { compileModel, compileTemplate, renderTemplate, type TemplateSource } from '../../../plugins/llm/pipeline/template.ts'
import { OpenAiPassthroughTranscoder } from '../../../plugins/llm/transcoders/openai-passthrough.ts'
import { usageOfOpenAi } from '../../../plugins/llm/pipeline/usage.ts'
import { estimateCompletionTokens, estimatePromptTokens } from '../../../plugins/llm/pipeline/estimate.ts'
import { createHeaderAuth } from '../../../plugins/llm/auth/header.ts'
import { authStrategyFor, getProvider, registerAuthStrategy } from '../../../plugins/llm/registry.ts'
import { parseUpstreamUrl } from '../../../plugins/llm/pipeline/target.ts'
import '../../../plugins/llm/bundled.ts'
import type { ModelConf, OutboundRequest } from '../../../plugins/llm/types.ts'
import { chatStream } from './helpers/fake-openai.ts'
import { sseOf } from './helpers/sse-of.ts'
import { frameAll } from './helpers/sse-frames.ts'

const src = (h: Record<string, string> = {}, caps: Record<string, string> = {}, q: Record<string, string> = {}): TemplateSource => ({
  header: (n) => h[n], uriCapture: (n) => caps[n], queryParam: (n) => q[n],
})

describe('templates', () => {
  it('resolves headers, URI captures and query params, several per string', () => {
    const parts = compileTemplate('https://$(uri_captures.uri_cap_1).example.com/$(headers.x-a)/$(query_params.v)')!
    expect(renderTemplate(parts, src({ 'x-a': 'A' }, { uri_cap_1: 'cap_value_here_1' }, { v: '2' }))).toBe('https://cap_value_here_1.example.com/A/2')
  })

  it("gives Kong's errors as 400s", () => {
    const e = (s: string) => { try { renderTemplate(compileTemplate(s)!, src()); return null } catch (err) { return [(err as any).status, (err as Error).message] } }
    expect(e('$(uri_captures.uri_cap_3)')).toEqual([400, 'uri_captures key uri_cap_3 was not provided'])
    expect(e('$(uri_captures_uri_cap_1)')).toEqual([400, "cannot parse expression for field '$(uri_captures_uri_cap_1)'"])
    expect(e('$(cookies.x)')).toEqual([400, "source 'cookies' is not supported"])
    expect(e('west-europe-$(headers.x-model-name)')).toEqual([400, 'headers key x-model-name was not provided'])
  })

  it('compiles a template-free model to nothing', () => {
    expect(compileModel({ provider: 'openai', name: 'gpt-4o', options: { upstream_url: 'http://x', max_tokens: 5, bedrock: { aws_region: 'us-east-1' } } })).toBeNull()
  })

  it('resolves name and nested options on copies, leaving the config untouched', () => {
    const model: ModelConf = Object.freeze({
      provider: 'azure', name: '$(headers.x-model)',
      options: Object.freeze({ azure_deployment_id: 'dep-$(headers.x-model)', max_tokens: 5, bedrock: Object.freeze({ aws_region: '$(query_params.region)', embeddings_normalize: false }) }),
    }) as ModelConf
    const r = compileModel(model)!(src({ 'x-model': 'gpt-4' }, {}, { region: 'eu-west-1' }))
    expect(r).toEqual({ provider: 'azure', name: 'gpt-4', options: { azure_deployment_id: 'dep-gpt-4', max_tokens: 5, bedrock: { aws_region: 'eu-west-1', embeddings_normalize: false } } })
    expect(model.name).toBe('$(headers.x-model)')
    expect(model.options.bedrock!.aws_region).toBe('$(query_params.region)')
  })
})

describe('SSE framer', () => {
  const captured = Buffer.from(chatStream('gpt-4o-mini', true).replace('The', 'Thé ✓ 😀'))
  const whole = frameAll([captured])

  it('frames a captured OpenAI stream', () => {
    expect(whole.length).toBe(9)
    expect(whole[whole.length - 1]!.data).toBe('[DONE]')
    expect(JSON.parse(whole[1]!.data).choices[0].delta.content).toBe('Thé ✓ 😀')
  })

  it('gives the same events for a cut at every byte offset (inside UTF-8 characters too)', () => {
    for (let i = 0; i <= captured.length; i++) {
      expect(frameAll([captured.subarray(0, i), captured.subarray(i)])).toEqual(whole)
    }
  })

  it('gives the same events fed one byte at a time', () => {
    const bytes: Buffer[] = []
    for (let i = 0; i < captured.length; i++) bytes.push(captured.subarray(i, i + 1))
    expect(frameAll(bytes)).toEqual(whole)
  })

  it('handles CRLF and CR line ends, cut between CR and LF', () => {
    const crlf = Buffer.from(captured.toString().replace(/\n/g, '\r\n'))
    const cr = Buffer.from(captured.toString().replace(/\n/g, '\r'))
    for (let i = 0; i <= crlf.length; i++) expect(frameAll([crlf.subarray(0, i), crlf.subarray(i)])).toEqual(whole)
    expect(frameAll([cr])).toEqual(whole)
  })

  it('reads event names, multi-line data, comments, and an event without its blank line at the end', () => {
    const ev = frameAll([Buffer.from(': ping\nevent: message_start\ndata: {"a":\ndata: 1}\n\nevent: x\ndata:no-space')])
    expect(ev).toEqual([
      { event: 'message_start', data: '{"a":\n1}', id: null },
      { event: 'x', data: 'no-space', id: null },
    ])
  })
})

describe('OpenAI passthrough transcoder', () => {
  it('sends chunks unchanged and reads text, finish reason and usage on the side', () => {
    const t = sseOf(new OpenAiPassthroughTranscoder())
    const s = Buffer.from(chatStream('m', true))
    const a = s.subarray(0, 100)
    expect(t.push(a)).toBe(a)
    t.push(s.subarray(100))
    expect(t.end().length).toBe(0)
    expect(t.text).toBe('The answer is 2.')
    expect(t.finishReason).toBe('stop')
    expect(t.usage).toEqual({ prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 })
  })

  it('adds [DONE] when the upstream ended without it', () => {
    const t = sseOf(new OpenAiPassthroughTranscoder())
    t.push(Buffer.from('data: {"choices":[{"delta":{"content":"x"}}]}\n\n'))
    expect(t.end().toString()).toBe('data: [DONE]\n\n')
  })
})

describe('usage and estimates', () => {
  it('reads usage from the end and model from the start', () => {
    const body = JSON.stringify({ id: 'x', model: 'gpt-4o', choices: [{ message: { content: 'a "usage": {"x": 1} b' } }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 } } })
    expect(usageOfOpenAi(body)).toEqual({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }, model: 'gpt-4o' })
    expect(usageOfOpenAi('{"model":"m"}')).toEqual({ usage: null, model: 'm' })
    expect(usageOfOpenAi('not json')).toEqual({ usage: null, model: null })
  })

  it("estimates like Kong: words × factor, and text length / 4", () => {
    expect(estimatePromptTokens({ messages: [{ role: 'user', content: 'What is 1 + 1?' }, { role: 'user', content: [{ type: 'text', text: 'two words' }, { type: 'image_url', image_url: { url: 'x' } }] }] }, 1.8)).toBe(13)
    expect(estimatePromptTokens({ prompt: 'one two three' }, 1)).toBe(3)
    expect(estimateCompletionTokens('  The answer is 2.  ')).toBe(4)
  })
})

describe('header / parameter auth', () => {
  const out = (query: string | null = null, body: string | null = null): OutboundRequest => ({
    method: 'POST', target: { scheme: 'https', host: 'h', port: 443, path: '/', query }, headers: new Map(), body,
  })
  const client = (headers: Record<string, string> = {}) => ({ header: (n: string) => headers[n], query: () => undefined })

  it('sets the header unless the client sent one and allow_override is on', () => {
    const h = createHeaderAuth({ header_name: 'Authorization', header_value: 'Bearer k' })
    const r = out(); h.apply(r, client({ authorization: 'Bearer c' }))
    expect(r.headers.get('authorization')).toBe('Bearer k')
    const o = createHeaderAuth({ header_name: 'Authorization', header_value: 'Bearer k', allow_override: true })
    const r2 = out(); o.apply(r2, client({ authorization: 'Bearer c' }))
    expect(r2.headers.has('authorization')).toBe(false)
  })

  it('replaces a query parameter, or keeps the client one with allow_override', () => {
    const q = createHeaderAuth({ param_name: 'key', param_value: 'a b', param_location: 'query' })
    const r = out('key=c&x=1'); q.apply(r, client())
    expect(r.target.query).toBe('x=1&key=a%20b')
    const o = createHeaderAuth({ param_name: 'key', param_value: 'v', param_location: 'query', allow_override: true })
    const r2 = out('key=c'); o.apply(r2, client())
    expect(r2.target.query).toBe('key=c')
  })

  it('sets a JSON body parameter', () => {
    const b = createHeaderAuth({ param_name: 'api_key', param_value: 'v', param_location: 'body' })
    const r = out(null, '{"a":1}'); b.apply(r, client())
    expect(JSON.parse(r.body as string)).toEqual({ a: 1, api_key: 'v' })
  })
})

describe('registries', () => {
  it('has the bundled OpenAI-family drivers', () => {
    for (const id of ['openai', 'azure', 'cerebras', 'xai', 'deepseek', 'dashscope', 'databricks', 'vllm', 'mistral']) {
      expect(getProvider(id)?.id).toBe(id)
    }
  })

  it('tries auth strategies in registration order, header auth last', () => {
    const model: ModelConf = { provider: 'test-provider', options: {} }
    expect(authStrategyFor({}, model).id).toBe('header')
    const create = () => ({ apply() {} })
    const mine = (m: ModelConf) => m.provider === 'test-provider'
    registerAuthStrategy({ id: 'test-specific', matches: (a, m) => mine(m) && a.header_name === 'x-special', create })
    registerAuthStrategy({ id: 'test-general', matches: (a, m) => mine(m) && a.header_name !== undefined, create })
    expect(authStrategyFor({ header_name: 'x-special' }, model).id).toBe('test-specific')
    expect(authStrategyFor({ header_name: 'x-other' }, model).id).toBe('test-general')
    expect(authStrategyFor({}, model).id).toBe('header')
  })

  it('parses upstream_url with default ports', () => {
    expect(parseUpstreamUrl('http://127.0.0.1/v1/chat')).toEqual({ scheme: 'http', host: '127.0.0.1', port: 80, path: '/v1/chat', query: null })
    expect(parseUpstreamUrl('https://x.test:8443/p?a=1')).toEqual({ scheme: 'https', host: 'x.test', port: 8443, path: '/p', query: 'a=1' })
  })
})
