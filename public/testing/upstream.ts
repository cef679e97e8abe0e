// A fake upstream on 127.0.0.1:0 (node:http) that records what arrives and answers with the
// handler a test gives it. Part of `tollgate/testing`; the project's own tests use it too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  rawHeaders: string[]
  body: Buffer
}

export interface FakeUpstream {
  url: string
  port: number
  received: Received[]
  connections: number
  server: Server
  close(): Promise<void>
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void

/** Answers 200 with a JSON echo of the request unless a handler is given. */
export async function startUpstream(handler?: Handler, opts: { bufferBody?: boolean } = {}): Promise<FakeUpstream> {
  const received: Received[] = []
  const sockets = new Set<Socket>()
  const up: Partial<FakeUpstream> = { received, connections: 0 }
  const server = createServer((req, res) => {
    if (opts.bufferBody === false) return handler!(req, res, Buffer.alloc(0))
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      received.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body })
      if (handler) return handler(req, res, body)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString() }))
    })
  })
  server.on('connection', (s: Socket) => { up.connections!++; sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return Object.assign(up, {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()) }),
  }) as FakeUpstream
}

/** A port with nothing listening (bound then released). */
export async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}
