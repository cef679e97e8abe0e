// The plumbing every fake identity provider shares: an HTTP or HTTPS server on 127.0.0.1:0 whose
// handler gets the whole body, JSON answers, and a way to hold a request forever (an IdP that
// hangs) that close() still ends.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'

export interface FakeServer {
  url: string
  port: number
  close(): Promise<void>
}

export type FakeHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => unknown

export async function listen(handler: FakeHandler, tls?: { cert: string; key: string }): Promise<FakeServer> {
  const sockets = new Set<Socket>()
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      Promise.resolve(handler(req, res, Buffer.concat(chunks))).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(e))
      })
    })
  }
  const server: Server = tls ? createHttps({ cert: tls.cert, key: tls.key }, onRequest) : createHttp(onRequest)
  server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()) }),
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** A hostile identity provider's answer, sent as is (garbage JSON, a huge body, wrong types). */
export interface RawAnswer { readonly status?: number; readonly body: string | Buffer; readonly contentType?: string }

/** What a fake does with the next token request: answer, fail with a status, answer raw bytes, or never answer. */
export type IdpMode = 'ok' | 'hang' | number | RawAnswer

/**
 * Answers a token request the fake must not serve normally (hang, outage status, raw bytes) and
 * says so; false for 'ok'. `outage` is the body of a status answer.
 */
export function misbehave(res: ServerResponse, mode: IdpMode, outage: unknown, headers: Record<string, string> = {}): boolean {
  if (mode === 'ok') return false
  if (mode === 'hang') return true
  if (typeof mode === 'number') { json(res, mode, outage, headers); return true }
  res.writeHead(mode.status ?? 200, { 'content-type': mode.contentType ?? 'application/json', ...headers })
  res.end(mode.body)
  return true
}
