// Hostile multipart image edits on the providers that read the form (Gemini, Bedrock), through a
// real gateway and real sockets: forms that cannot be read, have too many parts or images, name
// their parts `__proto__`/`constructor`, or carry files that are not png/jpeg/webp get Kong's
// 400 and send nothing upstream; unknown parts (however named, however long the name) are not
// read and pollute nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream
const AWS_AUTH = { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
const GAUTH = { header_name: 'x-goog-api-key', header_value: 'gemini-key' }
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')
const B = 'tollgate-boundary'

interface Part { name: string; filename?: string; type?: string; data: Buffer | string }

function form(parts: Part[], boundary = B): Buffer {
  const chunks: Buffer[] = []
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`
    if (p.filename !== undefined) head += `; filename="${p.filename}"`
    head += '\r\n'
    if (p.type !== undefined) head += `Content-Type: ${p.type}\r\n`
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(p.data), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(chunks)
}

const image = (data: Buffer = PNG, type = 'image/png', name = 'image'): Part => ({ name, filename: 'a.png', type, data })
const prompt: Part = { name: 'prompt', data: 'Make it blue' }
const CT = `multipart/form-data; boundary=${B}`

async function send(path: string, body: Buffer | string, contentType = CT) {
  const res = await request(`${gw.proxy}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body })
  return { status: res.statusCode, body: await res.body.json() as Record<string, any> }
}

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    if ((req.url ?? '').includes('/invoke')) return res.end(`{"images":["${PNG.toString('base64')}"]}`)
    res.end(`{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"${PNG.toString('base64')}"}}]}}]}`)
  })
  const plugin = (route: string, model: Record<string, unknown>, auth: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ({ name: 'ai-proxy', route, config: { route_type: 'image/v1/images/edits', auth, model, ...extra } })
  const gemini = { provider: 'gemini', name: 'gemini-2.5-flash-image', options: { upstream_url: `${up.url}/g:generateContent` } }
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: ['gedit', 'bedit', 'gsmall'].map((r) => ({ name: r, paths: [`/${r}`] })) }],
    plugins: [
      plugin('gedit', gemini, GAUTH),
      plugin('bedit', { provider: 'bedrock', name: 'amazon.nova-canvas-v1:0', options: { upstream_url: `${up.url}/m/invoke`, bedrock: { aws_region: 'us-east-1' } } }, AWS_AUTH),
      plugin('gsmall', gemini, GAUTH, { max_request_body_size: 512 }),
    ],
  }
  gw = await startGateway(JSON.stringify(config))
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const FORM = 'invalid multipart image edit: '
const T = (p: string) => `error transforming to ${p}://image/v1/images/edits: `
const NO_IMAGE = `${FORM}an edit needs an 'image' file`
const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', '__proto__[]', 'constructor[prototype]', 'hasOwnProperty', 'toString']

// [what, route, body, content type, error message]
const HOSTILE: Array<[string, string, Buffer | string, string, string]> = [
  ['boundary in the header differs from the body\'s', '/gedit', form([prompt, image()], 'other-boundary'), CT, `${FORM}the body is not a readable multipart/form-data form`],
  ['no boundary parameter', '/gedit', form([prompt, image()]), 'multipart/form-data', `${FORM}the body is not a readable multipart/form-data form`],
  ['empty boundary', '/bedit', form([prompt, image()]), 'multipart/form-data; boundary=', `${FORM}the body is not a readable multipart/form-data form`],
  ['truncated: no closing boundary', '/gedit', form([prompt, image()]).subarray(0, -8), CT, `${FORM}the body is not a readable multipart/form-data form`],
  ['a JSON body labelled multipart', '/gedit', '{"prompt":"x","image":"data:image/png;base64,AAAA"}', CT, `${FORM}the body is not a readable multipart/form-data form`],
  ['an empty body', '/bedit', '', CT, `${FORM}the body is not a readable multipart/form-data form`],
  ['no image part', '/gedit', form([prompt]), CT, NO_IMAGE],
  ['no image part (bedrock)', '/bedit', form([prompt, { name: 'n', data: '1' }]), CT, NO_IMAGE],
  ['100 parts', '/gedit', form([prompt, image(), ...Array.from({ length: 98 }, (_, i) => ({ name: `f${i}`, data: 'x' }))]), CT, `${FORM}more than 32 parts`],
  ['100 images', '/bedit', form([prompt, ...Array.from({ length: 100 }, () => image())]), CT, `${FORM}at most 16 input images`],
  ['17 images', '/gedit', form([prompt, ...Array.from({ length: 17 }, () => image(PNG, 'image/png', 'image[]'))]), CT, `${FORM}at most 16 input images`],
  ['a huge field name carrying the image', '/gedit', form([prompt, image(PNG, 'image/png', 'i'.repeat(64 * 1024))]), CT, NO_IMAGE],
  ...PROTO_NAMES.map((n): [string, string, Buffer, string, string] => [`the image under '${n}'`, '/gedit', form([prompt, image(PNG, 'image/png', n)]), CT, NO_IMAGE]),
  ['image/gif', '/gedit', form([prompt, image(GIF, 'image/gif')]), CT, `${FORM}'image' must be image/png, image/jpeg or image/webp`],
  ['image/svg+xml', '/bedit', form([prompt, image(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml')]), CT, `${FORM}'image' must be image/png, image/jpeg or image/webp`],
  ['text/plain', '/gedit', form([prompt, image(Buffer.from('hello'), 'text/plain')]), CT, `${FORM}'image' must be image/png, image/jpeg or image/webp`],
  ['application/octet-stream', '/gedit', form([prompt, image(PNG, 'application/octet-stream')]), CT, `${FORM}'image' must be image/png, image/jpeg or image/webp`],
  ['a file without a content type', '/bedit', form([prompt, { name: 'image', filename: 'a.png', data: PNG }]), CT, `${FORM}'image' must be image/png, image/jpeg or image/webp`],
  ['GIF bytes labelled image/png', '/gedit', form([prompt, image(GIF, 'image/png')]), CT, `${FORM}'image' is not a image/png file`],
  ['PNG bytes labelled image/jpeg', '/bedit', form([prompt, image(PNG, 'image/jpeg')]), CT, `${FORM}'image' is not a image/jpeg file`],
  ['PNG bytes labelled image/webp', '/gedit', form([prompt, image(PNG, 'image/webp')]), CT, `${FORM}'image' is not a image/webp file`],
  ['an empty file', '/gedit', form([prompt, image(Buffer.alloc(0))]), CT, `${FORM}'image' is empty`],
  ['an empty file (bedrock)', '/bedit', form([prompt, image(Buffer.alloc(0))]), CT, `${FORM}'image' is empty`],
  ['the image as a text field', '/gedit', form([prompt, { name: 'image', data: PNG.toString('base64') }]), CT, `${FORM}'image' must be a file`],
  ['a wrong-type mask', '/bedit', form([prompt, image(), image(GIF, 'image/gif', 'mask')]), CT, `${FORM}'mask' must be image/png, image/jpeg or image/webp`],
  ['the prompt as a file', '/gedit', form([{ name: 'prompt', filename: 'p.txt', type: 'text/plain', data: 'x' }, image()]), CT, `${FORM}'prompt' must be a text field`],
  ['no prompt', '/gedit', form([image()]), CT, "request body doesn't contain valid prompts"],
  ['n is not a number', '/bedit', form([prompt, image(), { name: 'n', data: '1e3' }]), CT, `${T('bedrock')}'n' must be a whole number from 1 to 10`],
  ['n is too many', '/gedit', form([prompt, image(), { name: 'n', data: '999' }]), CT, `${T('gemini')}'n' must be a whole number from 1 to 10`],
  ['size is not WxH', '/gedit', form([prompt, image(), { name: 'size', data: '1024x1024; DROP' }]), CT, `${T('gemini')}'size' must be WIDTHxHEIGHT or auto`],
  ['stream=true', '/bedit', form([prompt, image(), { name: 'stream', data: 'true' }]), CT, `${T('bedrock')}image generation does not stream here`],
  ['another model than the configured one', '/gedit', form([prompt, image(), { name: 'model', data: 'gemini-evil' }]), CT, 'cannot use own model - must be: gemini-2.5-flash-image'],
  ['a form over max_request_body_size', '/gsmall', form([prompt, image(Buffer.concat([PNG, Buffer.alloc(1024)]))]), CT, `${FORM}the form is larger than max_request_body_size (512 bytes)`],
]

describe('hostile multipart image edits', () => {
  it.each(HOSTILE)('%s: Kong\'s 400, nothing sent', async (_what, path, body, ct, message) => {
    const before = up.received.length
    const res = await send(path, body, ct)
    expect(res).toEqual({ status: 400, body: { error: { message } } })
    expect(up.received.length).toBe(before)
  })

  it('prototype-named and huge-named text parts beside a good form are not read: nothing polluted, the edit goes through', async () => {
    const junk = [...PROTO_NAMES.map((name) => ({ name, data: '{"polluted":true}' })), { name: 'x'.repeat(100_000), data: 'y' }]
    const res = await send('/gedit', form([...junk, prompt, image()]))
    expect(res.status).toBe(200)
    const sent = JSON.parse(up.received[up.received.length - 1]!.body.toString())
    expect(sent.contents).toEqual([{ role: 'user', parts: [{ text: 'Make it blue' }, { inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } }] }])
    expect(JSON.stringify(sent)).not.toContain('polluted')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('the worker still answers a good form after the table', async () => {
    const res = await send('/bedit', form([prompt, image()]))
    expect(res.status).toBe(200)
    expect(res.body.data[0].b64_json).toBe(PNG.toString('base64'))
  })
})
