// Credentials never reach a log record: for each place a secret can sit (client headers, the
// query, the body, a credential a plugin adds upstream, an upstream Set-Cookie, an error) and each
// log sink (file-log, http-log), the secret string appears nowhere in the emitted record, while
// the ordinary headers and arguments are still logged.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { closedPort, startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { closeLogFiles } from '../../plugins/file-log/writer.ts'
import { closeHttpLogPools, sendBatch } from '../../plugins/http-log/sender.ts'
import { createLogger, scrubSecrets } from '../../core/log.ts'
import { redactQuery } from '../../core/runloop/redaction.ts'
import type { HttpLogConf } from '../../plugins/http-log/schema.ts'

const SECRET = 'S3CRET-a9f04c71e2'
const CHAT = { id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }
const GEMINI = { candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 } }
const CHAT_BODY = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })

const dir = mkdtempSync(join(tmpdir(), 'log-redaction-'))
const logFile = join(dir, 'access.log')
let up: FakeUpstream
let collector: FakeUpstream
let gw: TestGateway

type Rec = { request: { headers: Record<string, string>; querystring: Record<string, unknown>; url: string }; upstream_uri: string; response: { status: number } }

interface Case {
  name: string
  /** plugins on this case's route */
  plugins?: Record<string, unknown>[]
  path?: string
  method?: string
  headers?: Record<string, string>
  body?: string
  /** the service this route proxies to (default: the fake upstream) */
  dead?: boolean
  status: number
  /** extra check on the record beyond "secret nowhere, ordinary values kept" */
  also?: (r: Rec) => void
}

const keyAuth = (config: Record<string, unknown> = {}) => ({ name: 'key-auth', config })
const aiProxy = (auth: Record<string, unknown>, model: Record<string, unknown> = { provider: 'openai', name: 'gpt-4o', options: { upstream_url: 'UP/v1/chat/completions' } }) =>
  ({ name: 'ai-proxy', config: { route_type: 'llm/v1/chat', auth, model } })
const json = { 'content-type': 'application/json' }

const cases: Case[] = [
  { name: 'authorization header', headers: { authorization: `Bearer ${SECRET}` }, status: 200 },
  { name: 'basic authorization', headers: { authorization: `Basic ${SECRET}` }, status: 200 },
  { name: 'proxy-authorization header', headers: { 'proxy-authorization': `Basic ${SECRET}` }, status: 200 },
  { name: 'cookie header', headers: { cookie: `session=${SECRET}; theme=dark` }, status: 200 },
  { name: 'api-key header', headers: { 'api-key': SECRET }, status: 200 },
  { name: 'x-api-key header', headers: { 'x-api-key': SECRET }, status: 200 },
  { name: 'x-goog-api-key header', headers: { 'x-goog-api-key': SECRET }, status: 200 },
  { name: 'upstream set-cookie', path: '/setcookie', status: 200, also: (r) => expect(JSON.stringify(r.response)).toContain('REDACTED') },
  { name: 'key-auth key in header', plugins: [keyAuth()], headers: { apikey: SECRET }, status: 200, also: (r) => expect(r.request.headers.apikey).toBe('REDACTED') },
  { name: 'key-auth key in query', plugins: [keyAuth()], path: `/q?apikey=${SECRET}&visible=keep`, status: 200,
    also: (r) => { expect(r.request.querystring.apikey).toBe('REDACTED'); expect(r.upstream_uri).toContain('apikey=REDACTED') } },
  { name: 'key-auth key in query, name upper-case and percent-encoded', plugins: [keyAuth()], path: `/q?APIKEY=${SECRET}&api%6Bey=${SECRET}&visible=keep`, status: 200 },
  { name: 'key-auth repeated key in query', plugins: [keyAuth()], path: `/q?apikey=${SECRET}&apikey=${SECRET}x&visible=keep`, status: 401 },
  { name: 'key-auth hide_credentials, header: not logged at all (as sent upstream)', plugins: [keyAuth({ hide_credentials: true })], headers: { apikey: SECRET }, status: 200,
    also: (r) => { expect(r.request.headers).not.toHaveProperty('apikey'); expect(r.request.headers['x-consumer-username']).toBe('alice') } },
  { name: 'key-auth hide_credentials, query', plugins: [keyAuth({ hide_credentials: true })], path: `/q?apikey=${SECRET}&visible=keep`, status: 200,
    also: (r) => expect(r.upstream_uri).not.toContain('apikey') },
  { name: 'key-auth custom key_names header', plugins: [keyAuth({ key_names: ['X-Tenant-Key'] })], headers: { 'x-tenant-key': SECRET }, status: 200 },
  { name: 'key-auth custom key_names query', plugins: [keyAuth({ key_names: ['tenant_key'] })], path: `/q?tenant_key=${SECRET}&visible=keep`, status: 200 },
  { name: 'key-auth wrong key (still a secret) in header', plugins: [keyAuth()], headers: { apikey: `${SECRET}-wrong` }, status: 401 },
  { name: 'key-auth key in body', plugins: [keyAuth({ key_in_body: true, key_in_header: false, key_in_query: false })], method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `apikey=${SECRET}`, status: 200 },
  { name: 'key-auth key in malformed JSON body', plugins: [keyAuth({ key_in_body: true })], method: 'POST', headers: json, body: `{"apikey": "${SECRET}"`, status: 401 },
  { name: 'another route\'s key name, on a route without key-auth', path: `/q?tenant_key=${SECRET}&visible=keep`, headers: { 'x-tenant-key': SECRET }, status: 200 },
  { name: 'key in query, upstream down (502)', plugins: [keyAuth()], path: `/q?apikey=${SECRET}&visible=keep`, dead: true, status: 502 },
  { name: 'ai-proxy header credential added upstream', plugins: [aiProxy({ header_name: 'X-LLM-Key', header_value: SECRET })], method: 'POST', headers: json, body: CHAT_BODY, status: 200,
    also: (r) => expect(r.request.headers['x-llm-key']).toBe('REDACTED') },
  { name: 'ai-proxy bearer credential added upstream', plugins: [aiProxy({ header_name: 'Authorization', header_value: `Bearer ${SECRET}` })], method: 'POST', headers: json, body: CHAT_BODY, status: 200 },
  { name: 'ai-proxy query credential (param_location query)', plugins: [aiProxy({ param_name: 'key', param_value: SECRET, param_location: 'query' })], method: 'POST', headers: json, body: CHAT_BODY, status: 200,
    also: (r) => expect(r.upstream_uri).toContain('key=REDACTED') },
  { name: 'ai-proxy Gemini key= in upstream_uri', plugins: [aiProxy({ param_name: 'key', param_value: SECRET, param_location: 'query' }, { provider: 'gemini', name: 'gemini-2.0-flash', options: { upstream_url: 'UP/v1beta/models/gemini-2.0-flash:generateContent' } })], method: 'POST', headers: json, body: CHAT_BODY.replace('gpt-4o', 'gemini-2.0-flash'), status: 200,
    also: (r) => expect(r.upstream_uri).toMatch(/generateContent\?key=REDACTED$/) },
  { name: 'ai-proxy client override of the key in the query', plugins: [aiProxy({ param_name: 'key', param_value: 'gateway-key-xyz', param_location: 'query', allow_override: true })], path: `/q?key=${SECRET}&visible=keep`, method: 'POST', headers: json, body: CHAT_BODY, status: 200 },
  { name: 'ai-proxy body credential', plugins: [aiProxy({ param_name: 'api_key', param_value: SECRET, param_location: 'body' })], method: 'POST', headers: json, body: CHAT_BODY, status: 200 },
  { name: 'ai-proxy-advanced target credentials', plugins: [{ name: 'ai-proxy-advanced', config: { targets: [
    { route_type: 'llm/v1/chat', auth: { header_name: 'x-target-key', header_value: SECRET }, model: { provider: 'openai', name: 'gpt-4o', options: { upstream_url: 'UP/v1/chat/completions' } } },
  ] } }], method: 'POST', headers: json, body: CHAT_BODY, status: 200 },
]

const caseId = (i: number) => `case-${i}`

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    const url = req.url ?? ''
    res.setHeader('content-type', 'application/json')
    if (url.includes('setcookie')) res.setHeader('set-cookie', [`sid=${SECRET}; HttpOnly`, 'theme=dark'])
    res.end(JSON.stringify(url.includes('generateContent') ? GEMINI : url.includes('/chat/completions') ? CHAT : { ok: true }))
  })
  collector = await startUpstream((_req, res) => res.end('ok'))
  const dead = await closedPort()
  const UP = up.url
  const config = {
    _format_version: '3.0',
    consumers: [{ username: 'alice', keyauth_credentials: [{ key: SECRET }] }],
    services: cases.map((c, i) => ({
      name: `s${i}`,
      url: c.dead ? `http://127.0.0.1:${dead}` : UP,
      routes: [{ name: `r${i}`, paths: [`/${caseId(i)}`] }],
      plugins: (c.plugins ?? []).map((p) => JSON.parse(JSON.stringify(p).replaceAll('"UP/', `"${UP}/`))),
    })),
    plugins: [
      { name: 'file-log', config: { path: logFile } },
      { name: 'http-log', config: { http_endpoint: `${collector.url}/logs`, queue: { max_coalescing_delay: 0 } } },
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})
afterAll(async () => { await gw.close(); await closeLogFiles(); await closeHttpLogPools(); await up.close(); await collector.close() })

const sinks: Record<string, () => string[]> = {
  'file-log': () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : []),
  'http-log': () => collector.received.map((r) => r.body.toString()),
}

async function recordOf(sink: string, id: string): Promise<string> {
  let found: string | undefined
  await vi.waitFor(() => {
    found = sinks[sink]!().find((line) => (JSON.parse(line) as Rec).request.headers['x-case'] === id)
    expect(found).toBeDefined()
  })
  return found!
}

describe('log records carry no credential', () => {
  beforeAll(async () => {
    for (const [i, c] of cases.entries()) {
      const [path, query] = (c.path ?? '/').split('?')
      const res = await request(`${gw.proxy}/${caseId(i)}${path === '/' ? '' : path}${query ? `?${query}` : ''}`, {
        method: (c.method ?? 'GET') as 'GET', headers: { 'x-case': caseId(i), 'x-visible': 'keep-me', ...c.headers }, body: c.body,
      })
      await res.body.dump()
      expect({ name: c.name, status: res.statusCode }).toEqual({ name: c.name, status: c.status })
    }
  })

  for (const sink of Object.keys(sinks)) {
    it.each(cases.map((c, i) => [c.name, i, c] as const))(`${sink}: %s`, async (_name, i, c) => {
      const line = await recordOf(sink, caseId(i))
      expect(line).not.toContain(SECRET)
      expect(line).not.toContain(encodeURIComponent(SECRET))
      const r = JSON.parse(line) as Rec
      expect(r.request.headers['x-visible']).toBe('keep-me')
      expect(r.response.status).toBe(c.status)
      if (c.path?.includes('visible=keep')) {
        expect(r.request.querystring.visible).toBe('keep')
        expect(r.request.url).toContain('visible=keep')
      }
      c.also?.(r)
    })
  }
})

describe('secrets in logged error messages', () => {
  it.each([
    ['GET https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key=SECRETVALUE failed', 'SECRETVALUE'],
    ['connect to http://user:SECRETVALUE@logs.example.com/x refused', 'SECRETVALUE'],
    ['token request to https://SECRETVALUE@host/x', 'SECRETVALUE'],
    ['upstream said Authorization: Bearer SECRETVALUE is bad', 'SECRETVALUE'],
    ['header authorization=Basic SECRETVALUE', 'SECRETVALUE'],
    ['{"x-api-key":"SECRETVALUE"}', 'SECRETVALUE'],
    ['api-key: SECRETVALUE', 'SECRETVALUE'],
    ['x-goog-api-key=SECRETVALUE', 'SECRETVALUE'],
    ['cookie: sid=SECRETVALUE', 'SECRETVALUE'],
    ['/path?a=1&apikey=SECRETVALUE&b=2', 'SECRETVALUE'],
    ['/path?access_token=SECRETVALUE', 'SECRETVALUE'],
    ['?X-Amz-Signature=SECRETVALUE&X-Amz-Security-Token=OTHERSECRET', 'SECRETVALUE'],
    ['?X-Amz-Signature=abc&X-Amz-Security-Token=OTHERSECRET', 'OTHERSECRET'],
    ['?client_secret=SECRETVALUE', 'SECRETVALUE'],
  ])('scrubSecrets(%j) hides the secret', (text, secret) => {
    const out = scrubSecrets(text)
    expect(out).not.toContain(secret)
    expect(out).toContain('REDACTED')
  })

  it('the logger scrubs messages, string arguments and errors, in child loggers too', () => {
    const lines: string[] = []
    const log = createLogger('info', { write: (l: string) => { lines.push(l) } })
    const child = log.child({ plugin: 'x' })
    child.error({ err: new Error(`fetch https://api.example/v1?key=${SECRET} failed`) }, 'upstream failed')
    child.warn({ err: { message: `Authorization: Bearer ${SECRET}`, code: 'E' } }, 'plain error object')
    log.info(`calling http://u:${SECRET}@host/x`)
    child.error({ error: new Error(`x-api-key=${SECRET}`) }, 'error key too')
    log.info({ headers: { authorization: SECRET, cookie: SECRET, 'x-goog-api-key': SECRET } }, 'headers object')
    expect(lines).toHaveLength(5)
    for (const l of lines) expect(l).not.toContain(SECRET)
    expect(lines.join('')).toContain('upstream failed')
  })

  // client libraries put their connection options on error objects (ioredis: the Redis password)
  it.each([
    ['err.password', { err: { message: 'NOAUTH', password: SECRET } }],
    ['err.options.password', { err: { message: 'connect ECONNREFUSED', options: { host: 'r', password: SECRET } } }],
    ['a config record', { conf: { redis: { host: 'r', password: SECRET } } }],
  ])('a password field is redacted wherever an object carries it (%s)', (_name, fields) => {
    const lines: string[] = []
    createLogger('debug', { write: (l: string) => { lines.push(l) } }).child({ plugin: 'x' }).debug(fields, 'redis connection error')
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain(SECRET)
    expect(lines[0]).toContain('redis connection error')
  })

  it('leaves ordinary text alone', () => {
    for (const text of ['upstream request failed', 'connect ECONNREFUSED 127.0.0.1:9', 'GET /v1/chat?model=gpt-4o&stream=true', 'Key realm="kong"', "plugin 'key-auth' failed in access"]) {
      expect(scrubSecrets(text)).toBe(text)
    }
  })

  it('http-log: a failing endpoint\'s error names it without its user info', async () => {
    const failing = await startUpstream((_req, res) => { res.statusCode = 500; res.end('x'.repeat(10_000)) })
    try {
      const conf = { http_endpoint: `http://logger:${SECRET}@127.0.0.1:${failing.port}/logs?token=${SECRET}`, method: 'POST', content_type: 'application/json', timeout: 1000, keepalive: 1000, queue: { max_batch_size: 1 } } as unknown as HttpLogConf
      const err = await sendBatch(conf, ['{}']).then(() => null, (e: Error) => e)
      expect(err).toBeInstanceOf(Error)
      expect(err!.message).toContain(`127.0.0.1:${failing.port}/logs`)
      expect(err!.message).not.toContain(SECRET)
      expect(err!.message.length).toBeLessThan(1000)
    } finally { await failing.close() }
  })
})

describe('redactQuery', () => {
  const names = new Set(['key', 'apikey'])
  it.each([
    ['key=s', 'key=REDACTED'],
    ['a=1&key=s&b=2', 'a=1&key=REDACTED&b=2'],
    ['KEY=s', 'KEY=REDACTED'],
    ['k%65y=s', 'k%65y=REDACTED'],
    ['api+key=s&apikey=t&apikey=u', 'api+key=s&apikey=REDACTED&apikey=REDACTED'],
    ['key', 'key'],
    ['keys=s&monkey=s', 'keys=s&monkey=s'],
    ['%E0%A4%A=x&key=s', '%E0%A4%A=x&key=REDACTED'],
    ['', ''],
  ])('%j → %j', (raw, out) => expect(redactQuery(raw, names)).toBe(out))
})
