// Gemini's files.create converts the client's JSONL line by line before uploading it with the
// gateway's key: hostile uploads (too many lines, bodies past the buffer, broken or hostile
// multipart forms, prototype keys in lines, ids made to walk paths) are refused with a 400 before
// anything is sent, and pollute nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { MAX_BATCH_LINES } from '../../plugins/llm/drivers/gemini/files.ts'
import { INJECTED_KEYS, POLLUTERS } from './prototype-pollution-payloads.ts'

let gw: TestGateway
let up: FakeUpstream
const BUFFER = 4 * 1024 * 1024

beforeAll(async () => {
  up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ file: { name: 'files/in42', sizeBytes: '1' } }))
  })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'files', paths: ['/files-route'] }] }],
    plugins: [{ name: 'ai-proxy', route: 'files', config: { route_type: 'llm/v1/files', auth: { header_name: 'x-goog-api-key', header_value: 'k' },
      model: { provider: 'gemini', name: 'gemini-2.5-flash', options: { upstream_url: up.url } } } }],
  }
  gw = await startGateway(JSON.stringify(config), { settings: { clientBodyBufferSize: BUFFER } })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const B = 'XyZboundary'
function form(jsonl: string | Buffer, purpose = 'batch', boundary = B): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n`),
    Buffer.isBuffer(jsonl) ? jsonl : Buffer.from(jsonl),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
}

async function upload(body: Buffer | string, contentType = `multipart/form-data; boundary=${B}`, path = '/files-route/files') {
  const before = up.received.length
  const res = await request(`${gw.proxy}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body })
  return { status: res.statusCode, json: await res.body.json() as Record<string, any>, sent: up.received.length - before }
}

const line = (i: number) => JSON.stringify({ custom_id: `r${i}`, body: { messages: [{ role: 'user', content: 'x' }] } })

describe('oversized and malformed uploads', () => {
  it(`more than ${MAX_BATCH_LINES} lines is a 400, nothing sent`, async () => {
    const jsonl = Array.from({ length: MAX_BATCH_LINES + 1 }, (_, i) => line(i)).join('\n')
    const r = await upload(form(jsonl))
    expect(r.status).toBe(400)
    expect(r.json.error.message).toBe(`error transforming to gemini://llm/v1/files: a batch file takes at most ${MAX_BATCH_LINES} requests`)
    expect(r.sent).toBe(0)
  })

  it('an upload past client_body_buffer_size is a 400, nothing sent', async () => {
    const r = await upload(form(Buffer.alloc(BUFFER + 1024, 0x20)))
    expect(r.status).toBe(400)
    expect(r.json.error.message).toBe('error transforming to gemini://llm/v1/files: the upload is larger than the gateway buffers (client_body_buffer_size)')
    expect(r.sent).toBe(0)
  })

  it.each([
    ['no boundary', form(line(1)), 'multipart/form-data'],
    ['wrong boundary', form(line(1)), 'multipart/form-data; boundary=other'],
    ['unterminated', form(line(1)).subarray(0, 150), `multipart/form-data; boundary=${B}`],
    ['no closing delimiter', form(line(1)).subarray(0, form(line(1)).length - 8), `multipart/form-data; boundary=${B}`],
    ['purpose fine-tune', form(line(1), 'fine-tune'), `multipart/form-data; boundary=${B}`],
    ['no file part', Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--${B}--\r\n`), `multipart/form-data; boundary=${B}`],
    ['a JSON body', JSON.stringify({ purpose: 'batch', file: line(1) }), 'application/json'],
    ['no content type', line(1), ''],
    ['an empty file', form(''), `multipart/form-data; boundary=${B}`],
    ['only blank lines', form('\n\n \n'), `multipart/form-data; boundary=${B}`],
    ['many parts', Buffer.from(`${`--${B}\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n`.repeat(40)}--${B}--\r\n`), `multipart/form-data; boundary=${B}`],
    ['a line that is an array', form('[1,2]'), `multipart/form-data; boundary=${B}`],
    ['body a string', form(JSON.stringify({ custom_id: 'a', body: 'x' })), `multipart/form-data; boundary=${B}`],
    ['messages an object', form(JSON.stringify({ custom_id: 'a', body: { messages: { role: 'user' } } })), `multipart/form-data; boundary=${B}`],
    ['a null message', form(JSON.stringify({ custom_id: 'a', body: { messages: [null] } })), `multipart/form-data; boundary=${B}`],
    ['a null content part', form(JSON.stringify({ custom_id: 'a', body: { messages: [{ role: 'user', content: [null] }] } })), `multipart/form-data; boundary=${B}`],
    ['a null tool call', form(JSON.stringify({ custom_id: 'a', body: { messages: [{ role: 'assistant', tool_calls: [null] }] } })), `multipart/form-data; boundary=${B}`],
    ['a tool message without content', form(JSON.stringify({ custom_id: 'a', body: { messages: [{ role: 'tool' }] } })), `multipart/form-data; boundary=${B}`],
  ])('%s is a 400, nothing sent', async (_name, body, contentType) => {
    const r = await upload(body, contentType)
    expect(r.status).toBe(400)
    expect(r.sent).toBe(0)
  })
})

describe('prototype keys in batch lines', () => {
  const polluted = () => INJECTED_KEYS.filter((k) => k in ({} as Record<string, unknown>))
  for (const [name, p] of Object.entries(POLLUTERS)) {
    it.each([
      ['the line', `{"custom_id":"a","body":{"messages":[{"role":"user","content":"x"}]},${p.slice(1, -1)}}`],
      ['the body', `{"custom_id":"a","body":{"messages":[{"role":"user","content":"x"}],${p.slice(1, -1)}}}`],
      ['a message', `{"custom_id":"a","body":{"messages":[{"role":"user","content":"x",${p.slice(1, -1)}}]}}`],
      ['extra_body', `{"custom_id":"a","body":{"messages":[{"role":"user","content":"x"}],"extra_body":${p}}}`],
    ])(`${name} in %s: nothing polluted, nothing injected upstream`, async (_where, l) => {
      const r = await upload(form(l))
      expect([200, 400]).toContain(r.status)
      expect(polluted()).toEqual([])
      if (r.sent === 1) expect(up.received[up.received.length - 1]!.body.toString()).not.toMatch(/x-injected|evil\/|"polluted"/)
    })
  }
})

describe('file ids never reach an upstream path', () => {
  it.each(['..%2F..%2Fv1beta%2Fbatches', 'in42%3Adownload', 'in42%3Falt%3Dmedia', 'in42%0d%0aX:1', 'in42.jsonl', 'in42/x', `${'a'.repeat(300)}`, 'in42/content/x', '%252e%252e'])(
    'GET and DELETE /files/%s are refused, nothing sent', async (id) => {
      const before = up.received.length
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await request(`${gw.proxy}/files-route/files/${id}`, { method })
        await res.body.dump()
        expect([400, 404, 405]).toContain(res.statusCode)
      }
      expect(up.received.length).toBe(before)
    })

  it('a well-formed id reaches the Files API (the table above is not refusing everything)', async () => {
    const res = await request(`${gw.proxy}/files-route/files/in42`)
    await res.body.dump()
    expect(res.statusCode).toBe(200)
    expect(up.received[up.received.length - 1]!.url).toBe('/v1beta/files/in42')
  })
})
