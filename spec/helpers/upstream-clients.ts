// Both upstream clients behind one call shape, so a test can run the same exchange through
// undici's Pool (the gateway's options) and the H1 client and compare what the handler saw.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { Pool } from 'undici'
import { H1Pool } from '../../core/proxy/h1-pool.ts'
import { h1Request } from '../../core/proxy/h1-request.ts'

export interface Outcome {
  status: number
  body: string
  /** the error code the handler got, null when the answer completed */
  error: string | null
  /** onData returned false once and resume() was called later */
  paused: boolean
}

export interface CallOptions {
  method?: string
  headers?: string[]
  body?: Buffer | string | null
  headersTimeout?: number
  bodyTimeout?: number
  /** onData answers false on the first chunk, resume() comes on the next macrotask */
  pauseFirst?: boolean
  /** the first body chunk calls the abort onConnect was given, as the gateway does when its client leaves */
  abortOnData?: boolean
}

export interface Client {
  name: 'undici' | 'h1'
  call(path: string, opts?: CallOptions): Promise<Outcome>
  close(): Promise<void>
}

export function undiciClient(port: number, connectTimeout = 10_000): Client {
  const pool = new Pool(`http://127.0.0.1:${port}`, { pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000, connect: { timeout: connectTimeout } })
  return {
    name: 'undici',
    call: (path, o = {}) => exchange((h) => pool.dispatch({
      method: (o.method ?? 'GET') as 'GET', path, headers: ['host', '127.0.0.1', ...(o.headers ?? [])], body: o.body ?? null,
      headersTimeout: o.headersTimeout ?? 10_000, bodyTimeout: o.bodyTimeout ?? 10_000,
    }, h as never), o),
    close: async () => { await pool.destroy() },
  }
}

export function h1Client(port: number, connectTimeout = 10_000, pool = new H1Pool('127.0.0.1', port, { connectTimeout })): Client & { pool: H1Pool } {
  return {
    name: 'h1',
    pool,
    call: (path, o = {}) => exchange((h) => {
      const req = h1Request(o.method ?? 'GET', path, ['host', '127.0.0.1', ...(o.headers ?? [])], o.body ?? null, o.headersTimeout ?? 10_000, o.bodyTimeout ?? 10_000)
      if (req === null) throw new Error('not an H1 request')
      pool.dispatch(req, h)
    }, o),
    close: () => pool.destroy(),
  }
}

interface Handler {
  onConnect(abort: (err?: Error) => void): void
  onHeaders(status: number, raw: unknown[], resume: () => void): boolean
  onData(chunk: Buffer): boolean
  onComplete(): void
  onError(err: Error & { code?: string }): void
}

function exchange(send: (h: Handler) => void, o: CallOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { status: 0, body: '', error: null, paused: false }
    let resume: (() => void) | null = null
    let abort: ((err?: Error) => void) | null = null
    send({
      onConnect(a) { abort = a },
      onHeaders(status, _raw, r) { out.status = status; resume = r; return true },
      onData(chunk) {
        out.body += chunk.toString('latin1')
        if (o.abortOnData) { abort!(new Error('client aborted')); return true }
        if (o.pauseFirst && !out.paused) { out.paused = true; setImmediate(() => resume!()); return false }
        return true
      },
      onComplete() { resolve(out) },
      onError(err) { out.error = err.code ?? err.message; resolve(out) },
    })
  })
}

export interface RawServer {
  port: number
  server: Server
  /** connections accepted so far */
  connections: number
  close(): Promise<void>
}

/** A raw TCP upstream on 127.0.0.1 answering each request's bytes as `answer` says (hostile framings). */
export async function rawUpstream(answer: (s: Socket, request: string) => void): Promise<RawServer> {
  const sockets = new Set<Socket>()
  const r: Partial<RawServer> = { connections: 0 }
  const server = createServer((s) => {
    r.connections!++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    let buf = ''
    s.on('data', (d) => {
      buf += d.toString('latin1')
      // one answer per complete request head (test requests carry no body unless content-length says so)
      for (;;) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.slice(0, end)
        const m = /content-length: (\d+)/i.exec(head)
        const total = end + 4 + (m ? Number(m[1]) : 0)
        if (buf.length < total) return
        const req = buf.slice(0, total)
        buf = buf.slice(total)
        answer(s, req)
      }
    })
  })
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  return Object.assign(r, {
    port: (server.address() as AddressInfo).port,
    server,
    close: () => new Promise<void>((res) => { for (const s of sockets) s.destroy(); server.close(() => res()) }),
  }) as RawServer
}

/** The path of a raw request ("GET /x HTTP/1.1 ..."). */
export const pathOf = (request: string): string => request.split(' ')[1] ?? ''
