// Hostile requests on the converting AI route types (video generation, images on gemini and
// bedrock, cohere's grounded chat, gemini's built-in tools), through a real gateway: bad bodies
// get Kong's 400 and send nothing; prototype keys anywhere in `extra_body`, `generationConfig`,
// documents or tool settings pollute nothing and never reach the provider as inherited fields;
// ids and model names that end up in upstream URLs cannot leave their path segment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { EXTRA_BODIES, INJECTED, INJECTED_KEYS } from './prototype-pollution-payloads.ts'
import { geminiDriver } from '../../plugins/llm/drivers/gemini.ts'
import { bedrockDriver } from '../../plugins/llm/drivers/bedrock.ts'
import type { DriverContext, RouteType } from '../../plugins/llm/types.ts'

let gw: TestGateway
let up: FakeUpstream
const AWS_AUTH = { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
const GAUTH = { header_name: 'x-goog-api-key', header_value: 'gemini-key' }
const PNG = 'iVBORw0KGgo='

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const url = req.url ?? ''
    if (url.includes('predictLongRunning')) return res.end('{"name":"models/veo/operations/op1"}')
    if (url.includes('async-invoke')) return res.end('{"invocationArn":"arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc"}')
    if (url.includes('/invoke')) return res.end(`{"images":["${PNG}"]}`)
    if (url.includes('cohere')) return res.end('{"id":"c","message":{"role":"assistant","content":[{"type":"text","text":"ok"}]}}')
    res.end(`{"candidates":[{"content":{"parts":[{"text":"ok"},{"inlineData":{"mimeType":"image/png","data":"${PNG}"}}]}}]}`)
  })
  const plugin = (route: string, route_type: string, model: Record<string, unknown>, auth: Record<string, unknown>) =>
    ({ name: 'ai-proxy', route, config: { route_type, auth, model } })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: ['veo', 'reel', 'gimg', 'gedit', 'bimg', 'bedit', 'cohere', 'gchat', 'nomodel', 'nomodel-img'].map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      plugin('veo', 'video/v1/videos/generations', { provider: 'gemini', name: 'veo-3.0-generate-001', options: { upstream_url: up.url } }, GAUTH),
      plugin('reel', 'video/v1/videos/generations', { provider: 'bedrock', name: 'amazon.nova-reel-v1:0', options: { upstream_url: up.url, bedrock: { aws_region: 'us-east-1', video_output_s3_uri: 's3://b/o' } } }, AWS_AUTH),
      plugin('gimg', 'image/v1/images/generations', { provider: 'gemini', name: 'gemini-2.5-flash-image', options: { upstream_url: `${up.url}/g:generateContent` } }, GAUTH),
      plugin('gedit', 'image/v1/images/edits', { provider: 'gemini', name: 'gemini-2.5-flash-image', options: { upstream_url: `${up.url}/g:generateContent` } }, GAUTH),
      plugin('bimg', 'image/v1/images/generations', { provider: 'bedrock', name: 'amazon.nova-canvas-v1:0', options: { upstream_url: `${up.url}/m/invoke`, bedrock: { aws_region: 'us-east-1' } } }, AWS_AUTH),
      plugin('bedit', 'image/v1/images/edits', { provider: 'bedrock', name: 'amazon.nova-canvas-v1:0', options: { upstream_url: `${up.url}/m/invoke`, bedrock: { aws_region: 'us-east-1' } } }, AWS_AUTH),
      plugin('nomodel', 'video/v1/videos/generations', { provider: 'gemini', options: { upstream_url: up.url } }, GAUTH),
      plugin('nomodel-img', 'image/v1/images/generations', { provider: 'bedrock', options: { upstream_url: up.url, bedrock: { aws_region: 'us-east-1' } } }, AWS_AUTH),
      plugin('cohere', 'llm/v1/chat', { provider: 'cohere', name: 'command-a-03-2025', options: { upstream_url: `${up.url}/cohere/v2/chat` } }, { header_name: 'Authorization', header_value: 'Bearer k' }),
      plugin('gchat', 'llm/v1/chat', { provider: 'gemini', name: 'gemini-2.5-flash', options: { upstream_url: `${up.url}/g:generateContent` } }, GAUTH),
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

async function call(method: string, path: string, body?: string) {
  const res = await request(`${gw.proxy}${path}`, { method, headers: { 'content-type': 'application/json' }, body })
  return { status: res.statusCode, body: await res.body.text() }
}

/** The body and the objects the drivers merge `extra_body`, `generationConfig` or tool settings into. */
const LEVELS: Record<string, string[][]> = {
  '/veo': [['parameters']],
  '/reel': [['modelInput', 'videoGenerationConfig']],
  '/gimg': [['generationConfig']],
  '/gedit': [['generationConfig']],
  '/bimg': [['imageGenerationConfig'], ['textToImageParams']],
  '/cohere': [],
  '/gchat': [],
}

function mergeLevels(path: string, sent: Record<string, unknown>): Record<string, unknown>[] {
  const out = [sent]
  const at = (o: unknown, ...keys: string[]): void => {
    let v = o
    for (const k of keys) v = v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined
    if (v !== null && typeof v === 'object') out.push(v as Record<string, unknown>)
  }
  for (const keys of LEVELS[path]!) at(sent, ...keys)
  for (const d of Array.isArray(sent.documents) ? sent.documents : []) { out.push(d); at(d, 'data') }
  for (const t of Array.isArray(sent.tools) ? sent.tools : []) { out.push(t); for (const k of Object.keys(t)) at(t, k) }
  return out
}

function expectClean(): void {
  const fresh = {} as Record<string, unknown>
  for (const k of INJECTED_KEYS) expect(fresh[k]).toBeUndefined()
}

const huge = 'x'.repeat(40_000)
const T = (p: string, r: string) => `error transforming to ${p}://${r}: `
const NO_PROMPT = "request body doesn't contain valid prompts"
const V = 'video/v1/videos/generations'
const G = 'image/v1/images/generations'
const E = 'image/v1/images/edits'

describe('bad bodies: Kong\'s 400, nothing sent', () => {
  const cases: [string, string, string][] = [
    ['/veo', '{}', NO_PROMPT],
    ['/veo', '[]', NO_PROMPT],
    ['/veo', 'not json', NO_PROMPT],
    ['/veo', '{"prompt":42}', NO_PROMPT],
    ['/veo', '{"prompt":""}', NO_PROMPT],
    ['/veo', '{"prompt":"x","stream":true}', T('gemini', V) + 'video generation does not stream'],
    ['/veo', '{"prompt":"x","seconds":"abc"}', T('gemini', V) + "'seconds' must be a whole number of seconds"],
    ['/veo', '{"prompt":"x","seconds":-4}', T('gemini', V) + "'seconds' must be a whole number of seconds"],
    ['/veo', '{"prompt":"x","seconds":1e9}', T('gemini', V) + "'seconds' must be a whole number of seconds"],
    ['/veo', '{"prompt":"x","size":"big"}', T('gemini', V) + "'size' must be WIDTHxHEIGHT"],
    ['/veo', `{"prompt":"${huge}"}`, T('gemini', V) + 'prompt is longer than 32768 characters'],
    ['/reel', '{"prompt":{"__proto__":{}}}', NO_PROMPT],
    ['/nomodel', '{"prompt":"x"}', 'model parameter not found in request, nor in gateway configuration'],
    ['/nomodel-img', '{"prompt":"x"}', 'model parameter not found in request, nor in gateway configuration'],
    ['/reel', '{"prompt":"x","size":"1280x720; rm"}', T('bedrock', V) + "'size' must be WIDTHxHEIGHT"],
    ['/gimg', '{}', NO_PROMPT],
    ['/gimg', '{"prompt":"x","n":1000}', T('gemini', G) + "'n' must be a whole number from 1 to 10"],
    ['/gimg', '{"prompt":"x","n":"2"}', T('gemini', G) + "'n' must be a whole number from 1 to 10"],
    ['/gimg', '{"prompt":"x","size":"1x"}', T('gemini', G) + "'size' must be WIDTHxHEIGHT or auto"],
    ['/gimg', '{"prompt":"x","generationConfig":"str"}', T('gemini', G) + "'generationConfig' must be an object"],
    ['/gimg', `{"prompt":"x","generationConfig":{"a":"${huge}"}}`, T('gemini', G) + "'generationConfig' is larger than 16384 bytes"],
    ['/gedit', '{"prompt":"x"}', T('gemini', E) + "an edit needs an input image ('image' or 'images')"],
    ['/gedit', '{"prompt":"x","image":"http://169.254.169.254/latest/meta-data"}', T('gemini', E) + 'each input image must be a base64 data URL (data:image/png;base64,...)'],
    ['/gedit', '{"prompt":"x","image":"file:///etc/passwd"}', T('gemini', E) + 'each input image must be a base64 data URL (data:image/png;base64,...)'],
    ['/gedit', `{"prompt":"x","images":[${Array(17).fill(`"data:image/png;base64,${PNG}"`).join(',')}]}`, T('gemini', E) + 'at most 16 input images'],
    ['/bedit', '{"prompt":"x","image":{"image_url":{"url":"gs://b/o.png"}}}', T('bedrock', E) + 'each input image must be a base64 data URL (data:image/png;base64,...)'],
    ['/bimg', '{"prompt":"x","stream":true}', T('bedrock', G) + 'image generation does not stream here'],
    ['/cohere', '{"messages":[{"role":"user","content":"q"}],"documents":[42]}', T('cohere', 'llm/v1/chat') + 'each document must be a string or an object'],
    ['/cohere', `{"messages":[{"role":"user","content":"q"}],"documents":[${Array(1001).fill('"d"').join(',')}]}`, T('cohere', 'llm/v1/chat') + 'at most 1000 documents'],
  ]
  it.each(cases.map(([path, body, message]) => [`${path} ${body.length > 80 ? `${body.slice(0, 60)}… (${body.length} bytes)` : body}`, path, body, message]))('%s', async (_name, path, body, message) => {
    const before = up.received.length
    const res = await call('POST', path, body)
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toEqual({ error: { message } })
    expect(up.received.length).toBe(before)
  })
})

describe('prototype keys pollute nothing and are not sent as inherited fields', () => {
  const bodies: [string, string][] = []
  for (const [name, extra] of Object.entries(EXTRA_BODIES)) {
    bodies.push([`/veo extra_body.${name}`, `{"prompt":"x","extra_body":${extra}}`])
    bodies.push([`/reel extra_body.${name}`, `{"prompt":"x","extra_body":${extra}}`])
    bodies.push([`/gimg extra_body.${name}`, `{"prompt":"x","extra_body":${extra}}`])
    bodies.push([`/bimg extra_body.${name}`, `{"prompt":"x","extra_body":${extra}}`])
    bodies.push([`/gimg generationConfig.${name}`, `{"prompt":"x","generationConfig":${extra}}`])
  }
  bodies.push(['/cohere documents', `{"messages":[{"role":"user","content":"q"}],"documents":[{"__proto__":${INJECTED}},{"data":{"__proto__":${INJECTED}},"id":"d"}]}`])
  bodies.push(['/gchat built-in tools', `{"messages":[{"role":"user","content":"q"}],"tools":[{"googleSearch":{"__proto__":${INJECTED}}},{"type":"url_context","url_context":{"constructor":{"prototype":${INJECTED}}}},{"__proto__":{"codeExecution":{}}}]}`])
  bodies.push(['/gedit images', `{"prompt":"x","images":[{"image_url":{"__proto__":{"url":"data:image/png;base64,${PNG}"}}}]}`])

  it.each(bodies)('%s', async (label, body) => {
    const before = up.received.length
    const res = await call('POST', label.split(' ')[0]!, body)
    expectClean()
    expect([200, 400]).toContain(res.status)
    if (res.status === 200) {
      expect(up.received.length).toBe(before + 1)
      // what arrived, parsed again: at the levels the drivers merge client JSON into, no prototype
      // key and nothing lifted out of one (a value deeper down goes as the client wrote it)
      const sent = JSON.parse(up.received[up.received.length - 1]!.body.toString()) as Record<string, unknown>
      for (const level of mergeLevels(label.split(' ')[0]!, sent)) {
        for (const k of [...INJECTED_KEYS, '__proto__', 'constructor', 'prototype']) expect(Object.hasOwn(level, k)).toBe(false)
      }
    } else {
      expect(up.received.length).toBe(before)
    }
  })
})

describe('ids in status calls cannot leave their path segment', () => {
  const cases: [string, string, number][] = [
    ['GET', '/veo/videos/..%2F..%2Fv1beta%2Ffiles', 404],
    ['GET', '/veo/videos/op1%2F..%2Fx', 404],
    ['GET', '/veo/videos/%2e%2e/x', 405], // normalized to /veo/x: a GET that is no status call
    ['GET', '/veo/videos/op:1', 404],
    ['GET', '/veo/videos/op%3Fkey%3Dx', 404],
    ['GET', '/veo/videos/op%00', 404],
    ['GET', `/veo/videos/${'a'.repeat(600)}`, 404],
    ['DELETE', '/veo/videos/op1', 405],
    ['GET', '/nomodel/videos/op1', 400],
    ['PUT', '/veo', 405],
    ['GET', '/reel/videos/notanarn', 404],
    ['GET', '/reel/videos/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aasync-invoke%2F..%2F..%2Fmodel', 404],
    ['GET', '/reel/videos/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aasync-invoke%2Fabc%2Fx', 404],
    ['GET', '/reel/videos/arn:aws:s3:us-east-1:123456789012:async-invoke/abc', 404],
  ]
  it.each(cases.map(([method, path, status]) => [`${method} ${path.length > 80 ? `${path.slice(0, 60)}…` : path} → ${status}`, method, path, status] as const))('%s, nothing sent', async (_name, method, path, status) => {
    const before = up.received.length
    const res = await call(method, path)
    expect(res.status).toBe(status)
    expect(up.received.length).toBe(before)
  })
})

describe('configured model names stay one path segment', () => {
  const ctx = (provider: string, route: RouteType, name: string, clientMethod = 'POST', clientPath = '/r'): DriverContext => ({
    route, stream: false, clientPath, clientQuery: '', clientMethod,
    model: { provider, name, options: { bedrock: { aws_region: 'us-east-1' } } },
  })
  it.each(['../../v1beta/files', 'a/b', 'x?key=y', 'x#y', '..', 'm:generateContent/../x'])('%s', (name) => {
    // images (the converted-body check runs first: encode, then target)
    const g = ctx('gemini', G, name)
    geminiDriver.encodeRequest({ prompt: 'x' }, Buffer.alloc(0), g)
    const gp = geminiDriver.target(g).path
    expect(gp.startsWith('/v1beta/models/')).toBe(true)
    expect(gp.slice('/v1beta/models/'.length).split('/')).toHaveLength(1)
    expect(gp).not.toMatch(/[?#]/)
    const b = ctx('bedrock', G, name)
    bedrockDriver.encodeRequest({ prompt: 'x' }, Buffer.alloc(0), b)
    const bp = bedrockDriver.target(b).path
    expect(bp.split('/')).toEqual(['', 'model', expect.any(String), 'invoke'])
    expect(bp).not.toMatch(/[?#]|\.\.\//)
    // video
    const v = ctx('gemini', V, name)
    geminiDriver.encodeRequest({ prompt: 'x' }, Buffer.alloc(0), v)
    expect(geminiDriver.target(v).path.slice('/v1beta/models/'.length).split('/')).toHaveLength(1)
  })
})
