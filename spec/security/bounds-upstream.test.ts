// What an upstream sends cannot grow a worker's memory without bound nor cost quadratic time:
// framers cap a frame at MAX_FRAME_BYTES and join a split frame once; inflated and buffered answers
// stop at 32 MiB with Kong's 502; a stream whose frame passes the cap ends with Kong's SSE error.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { gzipSync, brotliCompressSync, deflateSync } from 'node:zlib'
import { request } from 'undici'
import { Type } from 'typebox'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { definePlugin } from '../../core/plugins/contract.ts'
import { SseFramer } from '../../plugins/llm/transcoders/sse.ts'
import { createNdjsonFramer } from '../../plugins/llm/transcoders/ndjson.ts'
import { JsonArrayFramer } from '../../plugins/llm/transcoders/json-array.ts'
import { FrameTooLarge, MAX_FRAME_BYTES } from '../../plugins/llm/transcoders/frame-limit.ts'
import { inflateBody, MAX_RESPONSE_BYTES } from '../../plugins/llm/pipeline/inflate.ts'
import { statusOf } from '../../plugins/llm/errors.ts'
import type { Framer } from '../../plugins/llm/types.ts'

const TEN_MB = 10 * 1024 * 1024

/** Bytes Buffer.concat and Buffer.from produce while `run` runs: the copying work done. */
function bytesCopied(run: () => void): number {
  let copied = 0
  const concat = Buffer.concat.bind(Buffer)
  const from = Buffer.from.bind(Buffer) as (...a: unknown[]) => Buffer
  const c = vi.spyOn(Buffer, 'concat').mockImplementation((list, len) => { const b = concat(list, len); copied += b.length; return b })
  const f = vi.spyOn(Buffer, 'from').mockImplementation(((...a: unknown[]) => { const b = from(...a); copied += b.length; return b }) as typeof Buffer.from)
  try { run() } finally { c.mockRestore(); f.mockRestore() }
  return copied
}

type AnyFramer = Framer<unknown> & { readonly retained: number }
const FRAMERS: [string, () => AnyFramer, Buffer][] = [
  ['sse', () => new SseFramer() as AnyFramer, Buffer.from('data: ')],
  ['ndjson', () => createNdjsonFramer() as AnyFramer, Buffer.from('{"text":"')],
  ['json-array', () => new JsonArrayFramer() as AnyFramer, Buffer.from('[{"text":"')],
]

describe('a 10 MB frame without its end, in chunks of any size', () => {
  for (const [name, make, head] of FRAMERS) {
    it.each([1, 2])(`${name}: a 512 KiB frame in %d-byte chunks is copied about once`, (size) => {
      const framer = make()
      const out: unknown[] = []
      const chunk = Buffer.alloc(size, 0x61)
      const copied = bytesCopied(() => {
        framer.push(head, out)
        for (let fed = 0; fed < 512 * 1024; fed += size) framer.push(chunk, out)
      })
      expect(copied).toBeLessThanOrEqual(2 * 512 * 1024 + 64)
      expect(framer.retained).toBeGreaterThanOrEqual(512 * 1024)
    })

    it.each([61, 4096, 65536])(`${name}: %d-byte chunks are copied about once each, retention stays under the cap, then FrameTooLarge`, (size) => {
      const framer = make()
      const out: unknown[] = []
      const chunk = Buffer.alloc(size, 0x61)
      let fed = 0
      let error: unknown = null
      let maxRetained = 0
      const copied = bytesCopied(() => {
        framer.push(head, out)
        try {
          while (fed < TEN_MB) {
            framer.push(chunk, out)
            fed += size
            if (framer.retained > maxRetained) maxRetained = framer.retained
          }
        } catch (e) { error = e }
      })
      expect(error).toBeInstanceOf(FrameTooLarge)
      expect(out).toEqual([])
      expect(maxRetained).toBeLessThanOrEqual(MAX_FRAME_BYTES)
      // linear: every byte fed is copied a bounded number of times (re-concatenating the growing
      // line per chunk would copy ~fed²/2size bytes: terabytes for 1-byte chunks)
      expect(copied).toBeLessThanOrEqual(2 * (fed + size) + 64)
      expect(fed).toBeLessThanOrEqual(MAX_FRAME_BYTES + size)
    })
  }

  it('a long line under the cap still arrives whole, split anywhere', () => {
    const framer = new SseFramer()
    const out: { data: string }[] = []
    const text = `data: ${'x'.repeat(100_000)}\n\n`
    for (let i = 0; i < text.length; i += 333) framer.push(Buffer.from(text.slice(i, i + 333)), out as never)
    expect(out.map((e) => e.data.length)).toEqual([100_000])
    expect(framer.retained).toBe(0)
  })

  it('an SSE event of many data lines without a blank line is capped too', () => {
    const framer = new SseFramer()
    const line = Buffer.from(`data: ${'y'.repeat(1000)}\n`)
    expect(() => { for (let i = 0; i < TEN_MB / line.length; i++) framer.push(line, []) }).toThrow(FrameTooLarge)
  })
})

describe('compressed answers inflate to at most MAX_RESPONSE_BYTES', () => {
  const zeros = Buffer.alloc(MAX_RESPONSE_BYTES + 1024 * 1024)
  it.each([
    ['gzip', gzipSync(zeros)],
    ['br', brotliCompressSync(zeros)],
    ['deflate', deflateSync(zeros)],
  ] as const)('%s bomb → Kong 502', (encoding, bomb) => {
    expect(bomb.length).toBeLessThan(200_000)
    let err: unknown
    try { inflateBody(bomb, encoding) } catch (e) { err = e }
    expect(statusOf(err)).toEqual({ status: 502, message: 'An invalid response was received from the upstream server' })
  })
  it('an answer under the cap inflates', () => {
    expect(inflateBody(gzipSync('{"a":1}'), 'gzip').toString()).toBe('{"a":1}')
  })
})

describe('through the gateway', () => {
  let gw: TestGateway
  let up: FakeUpstream
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024))
  const buffering = definePlugin({
    name: 'buffering-test', version: '1.0.0', priority: 1, schema: Type.Object({}),
    response() { /* its presence buffers the answer */ },
  })
  beforeAll(async () => {
    up = await startUpstream((req, res) => {
      if (req.url!.startsWith('/sse')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: ')
        const piece = Buffer.alloc(65536, 0x61)
        let sent = 0
        const more = (): void => {
          while (sent < TEN_MB) {
            sent += piece.length
            if (!res.write(piece)) return void res.once('drain', more)
          }
          res.end()
        }
        return more()
      }
      if (req.url!.startsWith('/bomb')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
        return res.end(bomb)
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(Buffer.alloc(40 * 1024 * 1024, 0x62))
    })
    const ai = (route: string, provider: string, path: string) => ({
      name: 'ai-proxy', route,
      config: {
        route_type: 'llm/v1/chat', auth: { header_name: 'x-api-key', header_value: 'k' },
        model: { provider, name: 'm', options: { upstream_url: `${up.url}${path}`, anthropic_version: '2023-06-01' } },
      },
    })
    gw = await startGateway(JSON.stringify({
      _format_version: '3.0',
      services: [
        { name: 'llm', url: 'http://127.0.0.1:9', routes: ['sse-openai', 'sse-anthropic', 'bomb'].map((r) => ({ name: r, paths: [`/${r}`] })) },
        { name: 'big', url: `${up.url}/big`, routes: [{ name: 'big', paths: ['/big'] }] },
      ],
      plugins: [
        ai('sse-openai', 'openai', '/sse'), ai('sse-anthropic', 'anthropic', '/sse'), ai('bomb', 'anthropic', '/bomb'),
        { name: 'buffering-test', route: 'big' },
      ],
    }), { plugins: [buffering] })
  })
  afterAll(async () => {
    await gw?.close()
    await up?.close()
  })

  const chat = (stream: boolean) => JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream })

  it.each(['sse-openai', 'sse-anthropic'])('%s: a 10 MB SSE line ends the stream with an error event, not 10 MB', async (route) => {
    const res = await request(`${gw.proxy}/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat(true) })
    const body = Buffer.from(await res.body.arrayBuffer())
    expect(res.statusCode).toBe(200)
    expect(body.length).toBeLessThan(MAX_FRAME_BYTES + 65536 * 2)
    expect(body.toString('latin1').endsWith(`\n\ndata: {"error":true,"message":"upstream server-sent events line exceeds ${MAX_FRAME_BYTES} bytes"}\n\n`)).toBe(true)
    expect(body.toString('latin1').trimEnd().split('\n').at(-1)).toBe(`data: {"error":true,"message":"upstream server-sent events line exceeds ${MAX_FRAME_BYTES} bytes"}`)
  })

  it('a gzip bomb answer to a converted request → 502, not a 64 MiB inflate', async () => {
    const res = await request(`${gw.proxy}/bomb`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat(false) })
    expect(res.statusCode).toBe(502)
    expect(await res.body.json()).toEqual({ error: { message: 'An invalid response was received from the upstream server' } })
  })

  it('a buffered answer over 32 MiB → 502', async () => {
    const res = await request(`${gw.proxy}/big`)
    expect(res.statusCode).toBe(502)
    expect(await res.body.json()).toMatchObject({ message: 'An invalid response was received from the upstream server' })
  })
})
