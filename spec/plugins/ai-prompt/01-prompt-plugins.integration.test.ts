// ai-prompt-template → ai-prompt-decorator → ai-prompt-guard → ai-proxy on one shared parsed request,
// end to end through real sockets, for every llm_format: the decorator's messages reach the
// provider in the client's own format (native passthrough) or converted (OpenAI provider), the guard
// checks the decorated messages, a body nobody changed goes upstream byte for byte, the template's
// rendered body is what the others parse. A fake upstream records what arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../../public/testing/upstream.ts'
import { CHAT_ANSWER } from '../llm/helpers/fake-openai.ts'

let gw: TestGateway
let up: FakeUpstream

type Json = Record<string, unknown>
const PIRATE = 'You are a pirate.'
const BRIEF = 'Answer in one line.'
const BEDROCK_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0'
const BEDROCK_PATH = '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse'
const AWS = { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }

interface Format {
  id: 'openai' | 'anthropic' | 'gemini' | 'bedrock' | 'cohere' | 'huggingface'
  model: string
  /** the client's path after the route prefix */
  path: string
  body(text: string): Json
  /** what the native provider must receive for body(text) decorated */
  decorated(text: string): Json
  /** the native provider's config */
  native(): Json
}

// Kong's rule: llm_format gemini and bedrock only with their own provider (nothing to convert)
const convertible = (f: Format): boolean => f.id !== 'gemini' && f.id !== 'bedrock'

const FORMATS: Format[] = [
  {
    id: 'openai', model: 'gpt-4o', path: '/v1/chat/completions',
    body: (t) => ({ model: 'gpt-4o', temperature: 0.5, messages: [{ role: 'user', content: t }] }),
    decorated: (t) => ({ model: 'gpt-4o', temperature: 0.5, messages: [{ role: 'system', content: PIRATE }, { role: 'user', content: t }, { role: 'user', content: BRIEF }] }),
    native: () => ({ auth: { header_name: 'Authorization', header_value: 'Bearer sk-test' }, model: { provider: 'openai', name: 'gpt-4o', options: { upstream_url: `${up.url}/native/openai/v1/chat/completions` } } }),
  },
  {
    id: 'anthropic', model: 'claude-x', path: '/v1/messages',
    body: (t) => ({ model: 'claude-x', max_tokens: 64, messages: [{ role: 'user', content: t }] }),
    decorated: (t) => ({ model: 'claude-x', max_tokens: 64, system: [{ type: 'text', text: PIRATE }], messages: [{ role: 'user', content: t }, { role: 'user', content: BRIEF }] }),
    native: () => ({ auth: { header_name: 'x-api-key', header_value: 'ak' }, model: { provider: 'anthropic', name: 'claude-x', options: { anthropic_version: '2023-06-01', max_tokens: 64, upstream_url: `${up.url}/native/anthropic/v1/messages` } } }),
  },
  {
    id: 'gemini', model: 'gemini-2.0-flash', path: '/v1beta/models/gemini-2.0-flash:generateContent',
    body: (t) => ({ contents: [{ role: 'user', parts: [{ text: t }] }], generationConfig: { temperature: 0.1 } }),
    decorated: (t) => ({
      contents: [{ role: 'user', parts: [{ text: t }] }, { role: 'user', parts: [{ text: BRIEF }] }],
      generationConfig: { temperature: 0.1 }, systemInstruction: { parts: [{ text: PIRATE }] },
    }),
    native: () => ({ auth: { header_name: 'x-goog-api-key', header_value: 'gk' }, model: { provider: 'gemini', name: 'gemini-2.0-flash', options: { upstream_url: `${up.url}/native/gemini/v1beta/models/gemini-2.0-flash:generateContent` } } }),
  },
  {
    id: 'bedrock', model: BEDROCK_MODEL, path: BEDROCK_PATH,
    body: (t) => ({ messages: [{ role: 'user', content: [{ text: t }] }], inferenceConfig: { maxTokens: 64 } }),
    decorated: (t) => ({
      messages: [{ role: 'user', content: [{ text: t }] }, { role: 'user', content: [{ text: BRIEF }] }],
      inferenceConfig: { maxTokens: 64 }, system: [{ text: PIRATE }],
    }),
    native: () => ({ auth: AWS, model: { provider: 'bedrock', name: BEDROCK_MODEL, options: { bedrock: { aws_region: 'us-east-1' }, upstream_url: `${up.url}/native/bedrock${BEDROCK_PATH}` } } }),
  },
  {
    id: 'cohere', model: 'command-r', path: '/v2/chat',
    body: (t) => ({ model: 'command-r', messages: [{ role: 'user', content: t }] }),
    decorated: (t) => ({ model: 'command-r', messages: [{ role: 'system', content: PIRATE }, { role: 'user', content: t }, { role: 'user', content: BRIEF }] }),
    native: () => ({ auth: { header_name: 'Authorization', header_value: 'Bearer ck' }, model: { provider: 'cohere', name: 'command-r', options: { upstream_url: `${up.url}/native/cohere/v2/chat` } } }),
  },
  {
    id: 'huggingface', model: 'tgi', path: '/generate',
    body: (t) => ({ inputs: t, parameters: { max_new_tokens: 5 } }),
    decorated: (t) => ({ inputs: `${PIRATE}\n\n${t}\n\n${BRIEF}`, parameters: { max_new_tokens: 5 } }),
    native: () => ({ auth: { header_name: 'Authorization', header_value: 'Bearer hk' }, model: { provider: 'huggingface', name: 'tgi', options: { upstream_url: `${up.url}/native/huggingface/generate` } } }),
  },
]

const DECORATOR = { prompts: { prepend: [{ role: 'system', content: PIRATE }], append: [{ role: 'user', content: BRIEF }] } }
// passes only a prompt that speaks of pirates: the client's own messages never do, the decorator's system message does
const GUARD = { deny_patterns: ['leicester', 'edam'], allow_patterns: ['pirate'], match_all_roles: true }
const TEMPLATE = {
  templates: [
    { name: 'cheese', template: '{"model":"gpt-4o","messages":[{"role":"user","content":"Tell me about {{thing}}."}]}' },
    { name: 'two', template: '{"model":"gpt-4o","messages":[{"role":"user","content":"{{a}} and {{b}} and {{a}}"}]}' },
  ],
  allow_untemplated_requests: false,
}
const OPENAI_KEY = { header_name: 'Authorization', header_value: 'Bearer sk-test' }

async function post(path: string, body: Json | string): Promise<{ status: number; json: Json }> {
  const res = await request(`${gw.proxy}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await res.body.text()
  return { status: res.statusCode, json: text ? JSON.parse(text) as Json : {} }
}

const last = (): Received => up.received[up.received.length - 1]!
const lastJson = (): Json => JSON.parse(last().body.toString()) as Json

beforeAll(async () => {
  up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(CHAT_ANSWER))
  })
  const routes: Json[] = []
  const plugins: Json[] = []
  const ai = (route: string, conf: Json, llmFormat: string) => plugins.push({ name: 'ai-proxy', route, config: { route_type: 'llm/v1/chat', llm_format: llmFormat, ...conf } })
  for (const f of FORMATS) {
    const fmt = { llm_format: f.id }
    // a: decorator + guard, native provider; c: the same, converted for an OpenAI provider; g: guard alone
    for (const kind of ['a', 'c', 'g']) routes.push({ name: `${f.id}-${kind}`, paths: [`/${f.id}-${kind}`] })
    plugins.push({ name: 'ai-prompt-decorator', route: `${f.id}-a`, config: { ...DECORATOR, ...fmt } })
    plugins.push({ name: 'ai-prompt-guard', route: `${f.id}-a`, config: { ...GUARD, ...fmt } })
    ai(`${f.id}-a`, f.native(), f.id)
    if (convertible(f)) {
      plugins.push({ name: 'ai-prompt-guard', route: `${f.id}-c`, config: { ...GUARD, ...fmt } })
      plugins.push({ name: 'ai-prompt-decorator', route: `${f.id}-c`, config: { ...DECORATOR, ...fmt } })
      ai(`${f.id}-c`, { auth: OPENAI_KEY, model: { provider: 'openai', name: f.model, options: { upstream_url: `${up.url}/converted/${f.id}` } } }, f.id)
    }
    plugins.push({ name: 'ai-prompt-guard', route: `${f.id}-g`, config: { ...GUARD, ...fmt } })
    ai(`${f.id}-g`, f.native(), f.id)
  }
  const openai = { auth: OPENAI_KEY, model: { provider: 'openai', name: 'gpt-4o', options: { upstream_url: `${up.url}/openai/v1/chat/completions` } } }
  routes.push({ name: 'tpl', paths: ['/tpl'] }, { name: 'tpl-open', paths: ['/tpl-open'] }, { name: 'adv', paths: ['/adv'] }, { name: 'deco-only', paths: ['/deco-only'] })
  plugins.push(
    // listed out of priority order on purpose: the priorities decide
    { name: 'ai-prompt-guard', route: 'tpl', config: GUARD },
    { name: 'ai-prompt-decorator', route: 'tpl', config: DECORATOR },
    { name: 'ai-prompt-template', route: 'tpl', config: TEMPLATE },
    { name: 'ai-proxy', route: 'tpl', config: { route_type: 'llm/v1/chat', ...openai } },
    { name: 'ai-prompt-template', route: 'tpl-open', config: { ...TEMPLATE, allow_untemplated_requests: true } },
    { name: 'ai-proxy', route: 'tpl-open', config: { route_type: 'llm/v1/chat', ...openai } },
    { name: 'ai-prompt-decorator', route: 'adv', config: DECORATOR },
    { name: 'ai-prompt-guard', route: 'adv', config: GUARD },
    { name: 'ai-proxy-advanced', route: 'adv', config: { targets: [{ route_type: 'llm/v1/chat', ...openai }] } },
    { name: 'ai-prompt-decorator', route: 'deco-only', config: DECORATOR },
  )
  const config = { _format_version: '3.0', services: [{ name: 'llm', url: `${up.url}/plain`, routes }], plugins }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

describe.each(FORMATS)('llm_format $id', (f) => {
  it('decorator then guard, native provider: the decorated body arrives in the client\'s own format', async () => {
    const r = await post(`/${f.id}-a${f.path}`, f.body('Tell me about cheddar'))
    expect(r.status).toBe(200)
    expect(last().url.startsWith(`/native/${f.id}/`)).toBe(true)
    expect(lastJson()).toEqual(f.decorated('Tell me about cheddar'))
  })

  it('the guard checks the decorated messages: a denied word in the client\'s turn is refused, upstream not called', async () => {
    const before = up.received.length
    const r = await post(`/${f.id}-a${f.path}`, f.body('I like leicester'))
    expect(r).toEqual({ status: 400, json: { error: { message: 'bad request' } } })
    expect(up.received.length).toBe(before)
  })

  it.runIf(convertible(f))('converted for an OpenAI provider: the decorated request is what ai-proxy converts', async () => {
    const r = await post(`/${f.id}-c${f.path}`, f.body('Tell me about cheddar'))
    expect(r.status).toBe(200)
    expect(last().url).toBe(`/converted/${f.id}`)
    const sent = lastJson().messages as { role: string; content: unknown }[]
    const texts = JSON.stringify(sent)
    expect(texts.indexOf(PIRATE)).toBeGreaterThanOrEqual(0)
    expect(texts.indexOf(PIRATE)).toBeLessThan(texts.indexOf('Tell me about cheddar'))
    expect(texts.indexOf('Tell me about cheddar')).toBeLessThan(texts.indexOf(BRIEF))
    if (f.id !== 'huggingface') expect(sent[0]!.role).toBe('system') // TGI's `inputs` is one text: no roles to keep
  })

  it('the guard alone: the undecorated prompt lacks the allowed word (400), an allowed one goes upstream byte for byte', async () => {
    const before = up.received.length
    expect(await post(`/${f.id}-g${f.path}`, f.body('Tell me about cheddar'))).toEqual({ status: 400, json: { error: { message: 'bad request' } } })
    expect(up.received.length).toBe(before)
    // odd spacing: a re-encoded body would lose it
    const raw = JSON.stringify(f.body('a pirate asks about cheddar'), null, 1)
    const r = await post(`/${f.id}-g${f.path}`, raw)
    expect(r.status).toBe(200)
    expect(last().body.toString()).toBe(raw)
  })
})

describe('template → decorator → guard → ai-proxy', () => {
  it('the rendered template is decorated, checked and sent', async () => {
    const r = await post('/tpl', { messages: '{template://cheese}', properties: { thing: 'cheddar for a pirate' } })
    expect(r.status).toBe(200)
    expect(lastJson()).toEqual({ model: 'gpt-4o', messages: [{ role: 'system', content: PIRATE }, { role: 'user', content: 'Tell me about cheddar for a pirate.' }, { role: 'user', content: BRIEF }] })
  })

  it('the guard sees the rendered text: a denied property value is refused', async () => {
    const before = up.received.length
    expect(await post('/tpl', { messages: '{template://cheese}', properties: { thing: 'edam' } })).toEqual({ status: 400, json: { error: { message: 'bad request' } } })
    expect(up.received.length).toBe(before)
  })

  it('ai-proxy-advanced sends the decorated body too', async () => {
    expect((await post('/adv', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200)
    expect(lastJson().messages).toEqual([{ role: 'system', content: PIRATE }, { role: 'user', content: 'hi' }, { role: 'user', content: BRIEF }])
  })

  it('the decorator without ai-proxy rewrites the body the service gets', async () => {
    expect((await post('/deco-only', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200)
    expect(last().url).toBe('/plain')
    expect(lastJson().messages).toEqual([{ role: 'system', content: PIRATE }, { role: 'user', content: 'hi' }, { role: 'user', content: BRIEF }])
  })

  it('an untemplated request passes untouched where allowed', async () => {
    const raw = '{"model":"gpt-4o",  "messages":[{"role":"user","content":"plain"}]}'
    expect((await post('/tpl-open', raw)).status).toBe(200)
    expect(last().body.toString()).toBe(raw)
  })
})

describe("Kong's messages", () => {
  const E = (message: string) => ({ status: 400, json: { error: { message } } })
  it.each([
    ['not JSON', 'nope', E('this LLM route only supports application/json requests')],
    ['a JSON array', '[1]', E('this LLM route only supports application/json requests')],
    ['both', { messages: '{template://cheese}', prompt: 'x' }, E("cannot run 'messages' and 'prompt' templates at the same time")],
    ['neither', { model: 'gpt-4o' }, E("only 'llm/v1/chat' and 'llm/v1/completions' formats are supported for templating")],
    ['untemplated', { messages: [{ role: 'user', content: 'x' }] }, E('this LLM route only supports templated requests')],
    ['unknown template', { messages: '{template://brie}' }, E('could not find template name [brie]')],
    ['properties not an object', { messages: '{template://cheese}', properties: 'x' }, E('properties must be an object')],
    ['properties an array', { messages: '{template://cheese}', properties: ['x'] }, E('properties must be an object')],
    ['a number', { messages: '{template://cheese}', properties: { thing: 1 } }, E('property values must be a string, got number')],
    ['a boolean', { messages: '{template://cheese}', properties: { thing: true } }, E('property values must be a string, got boolean')],
    ['an object', { messages: '{template://cheese}', properties: { thing: {} } }, E('property values must be a string, got table')],
    ['null', { messages: '{template://cheese}', properties: { thing: null } }, E('property values must be a string, got userdata')],
    ['missing', { messages: '{template://two}', properties: {} }, E('missing template parameters: [a], [b]')],
    ['missing one', { messages: '{template://two}', properties: { b: 'x' } }, E('missing template parameters: [a]')],
  ] as const)('ai-prompt-template: %s', async (_n, body, expected) => {
    expect(await post('/tpl', body as Json | string)).toEqual(expected)
  })

  it.each([
    ['not JSON', 'nope'],
    ['no messages', { model: 'gpt-4o', prompt: 'hi' }],
    ['empty messages', { model: 'gpt-4o', messages: [] }],
    ['messages not an array', { model: 'gpt-4o', messages: 'hi' }],
  ] as const)('ai-prompt-decorator: %s', async (_n, body) => {
    expect(await post('/openai-a/v1/chat/completions', body as Json | string)).toEqual(E('this LLM route only supports llm/chat type requests'))
  })

  it.each([
    ['not JSON', 'nope'],
    ['no role', { messages: [{ content: 'a pirate' }] }],
    ['content parts that are not objects', { messages: [{ role: 'user', content: ['a pirate'] }] }],
    ['a number content', { messages: [{ role: 'user', content: 1 }] }],
    ['neither messages nor prompt', { input: 'a pirate' }],
  ] as const)('ai-prompt-guard: %s → bad request', async (_n, body) => {
    expect(await post('/openai-g/v1/chat/completions', body as Json | string)).toEqual(E('bad request'))
  })
})
