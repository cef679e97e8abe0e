// Prototype pollution: client JSON (extra_body, native client formats, request-transformer
// tables, header and query names) must never reach Object.prototype, and config must be read by
// own property, so that even a polluted prototype cannot open key-auth or move an upstream.
// The gateway runs with one worker, i.e. the proxy serves on this very thread: Object.prototype
// checked here is the worker's.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream, type Received } from '../../public/testing/upstream.ts'
import { copyJson, isUnsafeKey, MAX_MERGE_DEPTH, mergeJson } from '../../core/safe-merge.ts'
import { ownConfig } from '../../core/config/own-config.ts'
import { withExtraBody } from '../../plugins/llm/drivers/extra-body.ts'
import { compiledConf } from '../../plugins/llm/pipeline/compile.ts'
import type { LlmConf } from '../../plugins/llm/pipeline/conf.ts'
import '../../plugins/llm/bundled.ts'
import { prepare } from '../../plugins/key-auth/authenticate.ts'
import { EXTRA_BODIES, FORMAT_BODIES, INJECTED_KEYS, POLLUTERS, openAiBodies } from './prototype-pollution-payloads.ts'

type Json = Record<string, any>

const PROTO_KEYS = Reflect.ownKeys(Object.prototype)

/** Object.prototype exactly as it was, and nothing inherited by a fresh object. */
function expectCleanPrototype(): void {
  expect(Reflect.ownKeys(Object.prototype)).toEqual(PROTO_KEYS)
  const fresh: Json = {}
  for (const k of INJECTED_KEYS) expect(fresh[k]).toBeUndefined()
  expect(Object.getPrototypeOf(Object.prototype)).toBeNull()
}

/** Sets keys on Object.prototype for the length of `fn`, then removes them whatever happens. */
async function withPolluted<T>(keys: Record<string, unknown>, fn: () => T | Promise<T>): Promise<T> {
  for (const [k, v] of Object.entries(keys)) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, enumerable: true, writable: true })
  try {
    return await fn()
  } finally {
    for (const k of Object.keys(keys)) delete (Object.prototype as Json)[k]
  }
}

describe('core/safe-merge: mergeJson and copyJson', () => {
  afterEach(expectCleanPrototype)

  const levels = [0, 1, 2, Infinity]
  const cases = Object.entries(POLLUTERS).flatMap(([name, text]) => levels.map((l) => [name, l, text] as const))

  it.each(cases)('%s merged at levels=%s: no prototype key, nothing inherited', (_name, l, text) => {
    const base: Json = { a: { keep: 1 }, model: 'm' }
    const extra = JSON.parse(text) as Json
    const out = mergeJson(base, extra, l)
    expect(Object.getPrototypeOf(out)).toBeNull()
    for (const k of Object.keys(out)) expect(isUnsafeKey(k)).toBe(false)
    expect(out.a).toEqual({ keep: 1 })
    expect(base).toEqual({ a: { keep: 1 }, model: 'm' }) // inputs are not changed
  })

  it.each(Object.entries(EXTRA_BODIES))('extra_body %s through withExtraBody, deep', (name, text) => {
    const body: Json = { model: 'configured', stream: false, generationConfig: { temperature: 1, x: {} }, a: { b: { c: {} } } }
    const out = withExtraBody(body, JSON.parse(text), Infinity)
    expect(out.model).toBe('configured')
    expect(out.stream).toBe(false)
    // the objects the merge wrote into are null-prototype ones, and no object got a prototype key
    const o = out as Json
    expect(Object.getPrototypeOf(o)).toBeNull()
    if (name.startsWith('generationConfig')) expect(Object.getPrototypeOf(o.generationConfig)).toBeNull()
    if (name === 'deep') expect(Object.getPrototypeOf(o.a.b.c)).toBeNull()
    for (const x of [o, o.generationConfig, o.generationConfig.x, o.a, o.a.b, o.a.b.c]) expect(Object.keys(x).filter(isUnsafeKey)).toEqual([])
  })

  it('objects merge key by key only as many levels as asked', () => {
    const base = { a: { b: { c: 1 } }, k: 1 }
    const extra = { a: { b: { d: 2 } }, n: 2 }
    expect(mergeJson(base, extra, 0)).toEqual({ a: { b: { d: 2 } }, k: 1, n: 2 })
    expect(mergeJson(base, extra, 1)).toEqual({ a: { b: { d: 2 } }, k: 1, n: 2 })
    expect(mergeJson(base, extra, 2)).toEqual({ a: { b: { c: 1, d: 2 } }, k: 1, n: 2 })
    expect(mergeJson(base, [1, 2], 2)).toBe(base)
    expect(mergeJson(base, null, 2)).toBe(base)
    expect(mergeJson(base, 'x', 2)).toBe(base)
  })

  it('a merge of two very deep objects stops recursing at MAX_MERGE_DEPTH (no stack overflow)', () => {
    const deep = (n: number) => JSON.parse('{"a":'.repeat(n) + '{}' + '}'.repeat(n)) as Json
    const out = mergeJson(deep(20_000), deep(20_000), Infinity)
    let d = 0
    for (let o: Json = out; Object.getPrototypeOf(o) === null; o = o.a as Json) d++
    expect(d).toBe(MAX_MERGE_DEPTH + 1)
  })

  it('copyJson keeps own keys only, without unsafe ones', () => {
    const src = JSON.parse('{"a":1,"__proto__":{"x":1},"constructor":2,"prototype":3,"toString":4}') as Json
    const out = copyJson(src)
    expect(Object.getPrototypeOf(out)).toBeNull()
    expect(Object.keys(out)).toEqual(['a', 'toString'])
  })
})

describe('config is read by own property', () => {
  afterEach(expectCleanPrototype)

  it('ownConfig copies a config into null-prototype objects, arrays kept', () => {
    const c = ownConfig({ a: { b: [{ c: 1 }] }, s: 'x' })
    expect(Object.getPrototypeOf(c)).toBeNull()
    expect(Object.getPrototypeOf(c.a)).toBeNull()
    expect(Array.isArray(c.a.b)).toBe(true)
    expect(Object.getPrototypeOf(c.a.b[0])).toBeNull()
    expect(c).toEqual({ a: { b: [{ c: 1 }] }, s: 'x' })
  })

  const pollutedOptions = [
    { upstream_url: 'http://127.0.0.1:9/evil' },
    { upstream_url: 'http://127.0.0.1:9/evil', upstream_path: '/evil' },
    { azure_instance: 'evil', upstream_url: 'https://evil.example/v1' },
  ]
  it.each(pollutedOptions)('ai-proxy: an inherited %o is not an option', async (polluted) => {
    const conf = { route_type: 'llm/v1/chat', model: { provider: 'openai', name: 'gpt-4o-mini', options: {} }, auth: {} } as unknown as LlmConf
    await withPolluted(polluted, () => {
      const c = compiledConf(conf)
      expect(c.upstreamUrl).toBeNull()
      for (const k of Object.keys(polluted)) expect((c.model.options as Json)[k]).toBeUndefined()
    })
  })

  it.each(['evil', 'alice'])('key-auth: an inherited anonymous (%s) is not configured', async (anonymous) => {
    await withPolluted({ anonymous }, () => {
      expect(prepare({ key_names: ['apikey'] } as never).anonymous).toBeUndefined()
      expect(prepare({ key_names: ['apikey'], anonymous: 'own' } as never).anonymous).toBe('own')
    })
  })
})

// --- through a real gateway ------------------------------------------------------------------

/** One route per provider driver (every row of plugins/llm/drivers/index.ts). */
const DRIVERS: { name: string; provider: string; options?: Json; auth?: Json }[] = [
  { name: 'openai', provider: 'openai' },
  { name: 'azure', provider: 'azure', options: { azure_instance: 'i', azure_api_version: '2024-02-01', azure_deployment_id: 'd' } },
  { name: 'cerebras', provider: 'cerebras' },
  { name: 'xai', provider: 'xai' },
  { name: 'deepseek', provider: 'deepseek' },
  { name: 'dashscope', provider: 'dashscope' },
  { name: 'databricks', provider: 'databricks' },
  { name: 'vllm', provider: 'vllm' },
  { name: 'mistral', provider: 'mistral', options: { mistral_format: 'openai' } },
  { name: 'mistral-ollama', provider: 'mistral', options: { mistral_format: 'ollama' } },
  { name: 'llama2-raw', provider: 'llama2', options: { llama2_format: 'raw' } },
  { name: 'llama2-ollama', provider: 'llama2', options: { llama2_format: 'ollama' } },
  { name: 'llama2-openai', provider: 'llama2', options: { llama2_format: 'openai' } },
  { name: 'ollama', provider: 'ollama' },
  { name: 'cohere', provider: 'cohere' },
  { name: 'huggingface', provider: 'huggingface' },
  { name: 'anthropic', provider: 'anthropic', options: { anthropic_version: '2023-06-01' } },
  { name: 'bedrock', provider: 'bedrock', options: { bedrock: { aws_region: 'us-east-1' } }, auth: { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'secret' } },
  { name: 'gemini', provider: 'gemini', auth: { param_name: 'key', param_value: 'gw-key', param_location: 'query' } },
]
const MODEL = 'm'
const GW_AUTH = { header_name: 'x-gw-key', header_value: 'gw-secret' }

/** One route per client format (plugins/llm/formats/index.ts): converted to openai, and native where allowed. */
const FORMATS: { name: string; format: string; provider: string; path: string; options?: Json; auth?: Json }[] = [
  { name: 'fmt-anthropic-openai', format: 'anthropic', provider: 'openai', path: '/v1/messages' },
  { name: 'fmt-anthropic-native', format: 'anthropic', provider: 'anthropic', path: '/v1/messages', options: { anthropic_version: '2023-06-01' } },
  { name: 'fmt-cohere-openai', format: 'cohere', provider: 'openai', path: '/v2/chat' },
  { name: 'fmt-cohere-native', format: 'cohere', provider: 'cohere', path: '/v2/chat' },
  { name: 'fmt-huggingface-openai', format: 'huggingface', provider: 'openai', path: '/generate' },
  { name: 'fmt-huggingface-native', format: 'huggingface', provider: 'huggingface', path: '/generate' },
  { name: 'fmt-gemini-native', format: 'gemini', provider: 'gemini', path: `/v1beta/models/${MODEL}:generateContent`, auth: { param_name: 'key', param_value: 'gw-key', param_location: 'query' } },
  { name: 'fmt-bedrock-native', format: 'bedrock', provider: 'bedrock', path: `/model/${MODEL}/converse`, options: { bedrock: { aws_region: 'us-east-1' } }, auth: { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'secret' } },
]

let up: FakeUpstream
let gw: TestGateway

function aiPlugin(route: string, provider: string, opts: { options?: Json; auth?: Json; llm_format?: string } = {}): Json {
  return {
    name: 'ai-proxy', route,
    config: {
      route_type: 'llm/v1/chat', llm_format: opts.llm_format ?? 'openai', auth: opts.auth ?? GW_AUTH,
      model: { provider, name: MODEL, options: { upstream_url: `${up.url}/up/${route}`, ...opts.options } },
    },
  }
}

beforeAll(async () => {
  // AI routes get a non-200 answer, which every driver passes through as it is (no answer shapes needed)
  up = await startUpstream((req, res) => {
    const ai = req.url!.startsWith('/up/')
    res.writeHead(ai ? 418 : 200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ upstream: true }))
  })
  const aiRoutes = [...DRIVERS.map((d) => d.name), ...FORMATS.map((f) => f.name), 'control-ai', 'ct', 'files']
  const config = {
    _format_version: '3.0',
    consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'alice-key' }] }, { username: 'evil' }],
    services: [
      { name: 'llm', url: 'http://127.0.0.1:9', routes: aiRoutes.map((r) => ({ name: r, paths: [`/${r}`] })) },
      {
        name: 'plain', url: `${up.url}/plain`,
        routes: [{ name: 'control', paths: ['/control'] }, { name: 'keyed', paths: ['/keyed'] }, { name: 'rt', paths: ['/rt'] }, { name: 'rt-form', paths: ['/rt-form'] }],
      },
    ],
    plugins: [
      ...DRIVERS.map((d) => aiPlugin(d.name, d.provider, d)),
      ...FORMATS.map((f) => aiPlugin(f.name, f.provider, { ...f, llm_format: f.format })),
      aiPlugin('control-ai', 'openai'),
      aiPlugin('ct', 'openai'),
      { ...aiPlugin('files', 'openai'), config: { ...aiPlugin('files', 'openai').config, route_type: 'llm/v1/files' } },
      { name: 'key-auth', route: 'keyed', config: { key_names: ['apikey'] } },
      {
        name: 'request-transformer', route: 'rt',
        config: {
          rename: { body: ['a:$(headers.x-target)'], headers: ['x-src:$(headers.x-target)'], querystring: ['q:$(headers.x-target)'] },
          add: { body: ['added:$(query_params.__proto__)'], headers: ['x-added:$(query_params.constructor)'], querystring: ['z:1'] },
          append: { body: ['constructor:x', 'toString:y'], headers: ['x-app:$(headers.constructor)'] },
        },
      },
      { name: 'request-transformer', route: 'rt-form', config: { http_method: 'GET' } },
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

async function send(path: string, body: string | Buffer | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }, method: 'POST' | 'GET' = 'POST') {
  const res = await request(`${gw.proxy}${path}`, { method, body, headers })
  const text = await res.body.text()
  return { status: res.statusCode, text, json: () => JSON.parse(text) as Json }
}

/** The last request the fake upstream received on a path prefix, and how many it has received there. */
function lastAt(prefix: string): Received | undefined {
  return up.received.filter((r) => r.url.startsWith(prefix)).at(-1)
}
/** A header as it arrived on the wire (not through an object that could inherit one). */
function sentHeader(got: Received, name: string): string | undefined {
  for (let i = 0; i < got.rawHeaders.length; i += 2) if (got.rawHeaders[i]!.toLowerCase() === name) return got.rawHeaders[i + 1]
  return undefined
}
const countAt = (prefix: string) => up.received.filter((r) => r.url.startsWith(prefix)).length

/** What a route's upstream sees: target, headers (minus the per-connection ones), body. */
async function snapshot(path: string, body?: string): Promise<Json> {
  const r = await send(path, body ?? `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}]}`)
  const got = up.received.at(-1)!
  const headers = { ...got.headers }
  delete headers['content-length']
  delete headers['x-kong-request-id'] // one per request
  return { status: r.status, url: got.url, headers, body: got.body.toString() }
}

describe('pollution payloads through a real gateway', () => {
  let controlBefore: Json
  let controlAiBefore: Json
  beforeAll(async () => {
    controlBefore = await snapshot('/control')
    controlAiBefore = await snapshot('/control-ai')
    expect(controlAiBefore.headers['x-gw-key']).toBe('gw-secret')
    expect(controlAiBefore.url).toBe('/up/control-ai')
  })
  afterEach(expectCleanPrototype)

  const driverCases = DRIVERS.flatMap((d) => Object.entries(openAiBodies(MODEL)).map(([name, body]) => [d.name, name, body] as const))
  it.each(driverCases)('driver %s, openai body with payload in %s', async (route, _name, body) => {
    const r = await send(`/${route}`, body)
    expect(r.status).not.toBe(500)
    const got = lastAt(`/up/${route}`)
    if (r.status === 418) expect(sentHeader(got!, 'x-injected')).toBeUndefined()
  })

  const formatCases = FORMATS.flatMap((f) => Object.entries(FORMAT_BODIES[f.format]!).map(([name, body]) => [f.name, name, f.path, body] as const))
  it.each(formatCases)('client format route %s, native body %s', async (route, _name, path, body) => {
    const r = await send(`/${route}${path}`, body)
    expect(r.status).not.toBe(500)
  })

  // no `__proto__` header row: uWS answers no request with `_` in a header name (its parser refuses
  // them), so such a header never reaches the gateway's code
  const headerPayloads: Record<string, string>[] = [
    { 'constructor': 'y', 'prototype': 'z' },
    { 'hasOwnProperty': 'h', 'toString': 't', 'valueOf': 'v' },
    { 'x-target': '__proto__' },
    { 'x-target': 'constructor' },
  ]
  it.each(headerPayloads)('header names %o: plain headers, upstream sees them as sent', async (h) => {
    const r = await send('/control', '{}', { 'content-type': 'application/json', ...h })
    expect(r.status).toBe(200)
    const got = up.received.at(-1)!
    for (const [k, v] of Object.entries(h)) expect(got.headers[k.toLowerCase()]).toBe(v)
    expect(sentHeader(got, 'x-injected')).toBeUndefined()
  })

  const rtBodies = [
    `{"a":${POLLUTERS.proto},"__proto__":{"polluted":"yes"}}`,
    `{"a":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}`,
    `{"q":1}`,
  ]
  const rtCases = rtBodies.flatMap((b) => ['__proto__', 'constructor', 'prototype', 'b'].map((t) => [t, b] as const))
  it.each(rtCases)('request-transformer with x-target %s and body %s', async (target, body) => {
    const r = await send(`/rt?__proto__=p&constructor=c&q=1&__proto__[polluted]=yes`, body, { 'content-type': 'application/json', 'x-target': target })
    expect(r.status).toBe(200)
    const got = up.received.at(-1)!
    const sent = JSON.parse(got.body.toString()) as Json
    // client names never become keys; the operator's own `constructor` and `toString` are plain fields
    expect(Object.keys(sent).filter(isUnsafeKey)).toEqual(['constructor'])
    expect(sent.constructor).toEqual(['x'])
    expect(sent.toString).toEqual(['y'])
    if (target === 'b') expect(sent.b).toEqual(JSON.parse(body).a) // the rename itself still works
    expect(sentHeader(got, 'x-injected')).toBeUndefined()
  })

  it.each(['__proto__[polluted]=yes&__proto__=x', 'constructor[prototype][polluted]=yes&constructor=y', '__proto__=1&__proto__=2&a=b'])(
    'request-transformer: form body %s moved to the query of a GET', async (form) => {
      const r = await send('/rt-form?__proto__=q', form, { 'content-type': 'application/x-www-form-urlencoded' })
      expect(r.status).toBe(200)
      expect(up.received.at(-1)!.method).toBe('GET')
    })

  it('afterwards an unrelated route behaves exactly as before: same upstream, same headers, same body', async () => {
    expect(await snapshot('/control')).toEqual(controlBefore)
    expect(await snapshot('/control-ai')).toEqual(controlAiBefore)
  })

  it('afterwards key-auth still refuses a request without a key', async () => {
    expect((await send('/keyed', '{}')).status).toBe(401)
    expect((await send('/keyed', '{}', { apikey: 'alice-key' })).status).toBe(200)
  })
})

describe('pollution of Object.prototype in-process cannot configure a route', () => {
  afterEach(expectCleanPrototype)

  it.each(['evil', 'alice'])('key-auth: an inherited anonymous=%s does not open the route', async (anonymous) => {
    await withPolluted({ anonymous }, async () => {
      const r = await send('/keyed', '{}')
      expect(r.status).toBe(401)
      expect(r.json().message).toBe('No API key found in request')
    })
  })

  it.each([{ upstream_url: 'http://127.0.0.1:9/evil' }, { upstream_path: '/evil' }, { 'x-injected': 'yes' }])('ai-proxy: an inherited %o moves nothing', async (polluted) => {
    await withPolluted(polluted, async () => {
      const r = await send('/control-ai', `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}]}`)
      expect(r.status).toBe(418)
      const got = up.received.at(-1)!
      expect(got.url).toBe('/up/control-ai')
      expect(got.headers['x-gw-key']).toBe('gw-secret')
      expect(sentHeader(got, 'x-injected')).toBeUndefined()
    })
  })
})

describe('the configured model and stream win over extra_body', () => {
  const cases = DRIVERS.flatMap((d) => [
    [d.name, '{"model":"evil-model"}'],
    [d.name, '{"model":"evil-model","stream":true}'],
    [d.name, '{"stream":true}'],
  ] as const)
  it.each(cases)('%s with extra_body %s', async (route, extra) => {
    const r = await send(`/${route}`, `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"extra_body":${extra}}`)
    expect(r.status).toBe(418) // not streamed: the gateway's own decision
    const body = JSON.parse(lastAt(`/up/${route}`)!.body.toString()) as Json
    if ('model' in body) expect(body.model).toBe(MODEL)
    expect(body.stream === true).toBe(false)
    expect(JSON.stringify({ ...body, extra_body: undefined })).not.toContain('evil-model')
  })
})

describe('the content type cannot skip ai-proxy checks', () => {
  const CONTENT_TYPES: (string | undefined)[] = [
    'multipart/form-data; boundary=x', 'MULTIPART/FORM-DATA; boundary=x', 'Multipart/Form-Data', 'text/plain', undefined,
    'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/x-www-form-urlencoded', 'application/octet-stream',
  ]
  const BAD: [string, string, string][] = [
    ['own model', `{"model":"gpt-evil","messages":[{"role":"user","content":"hi"}]}`, 'cannot use own model - must be: m'],
    ['no prompt', `{"model":"${MODEL}"}`, "request body doesn't contain valid prompts"],
    ['not JSON', `--x\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-evil\r\n--x--\r\n`, "request body doesn't contain valid prompts"],
    ['completions body on a chat route', `{"model":"${MODEL}","prompt":"hi"}`, '[llm/v1/completions] message format is not compatible with [llm/v1/chat] route type'],
  ]
  const cases = CONTENT_TYPES.flatMap((ct) => BAD.map(([name, body, message]) => [String(ct), name, body, message, ct] as const))
  it.each(cases)('Content-Type %s, %s: 400, nothing upstream', async (_label, _name, body, message, ct) => {
    const before = countAt('/up/ct')
    const r = await send('/ct', body, ct === undefined ? {} : { 'content-type': ct })
    expect(r.status).toBe(400)
    expect(r.json()).toEqual({ error: { message } })
    expect(countAt('/up/ct')).toBe(before)
  })

  it.each(CONTENT_TYPES.map((ct) => [String(ct), ct] as const))('Content-Type %s with a valid body: checked, then proxied', async (_label, ct) => {
    const r = await send('/ct', `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}]}`, ct === undefined ? {} : { 'content-type': ct })
    expect(r.status).toBe(418)
    expect(JSON.parse(lastAt('/up/ct')!.body.toString()).model).toBe(MODEL)
  })

  it('a multipart upload on llm/v1/files is still proxied unparsed', async () => {
    const body = '--x\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--x--\r\n'
    const r = await send('/files', body, { 'content-type': 'multipart/form-data; boundary=x' })
    expect(r.status).toBe(418)
    expect(lastAt('/up/files')!.body.toString()).toBe(body)
  })
})
