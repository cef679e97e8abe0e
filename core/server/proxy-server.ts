// The proxy listener on uWS. Copies what it needs out of the uWS request synchronously (it dies
// when the handler returns), registers onAborted first, reads the body, and hands the request to
// the runloop. Bodies up to client_body_buffer_size are buffered so plugins can read them in
// access; larger ones, or chunked ones that grow past it, stream upstream with backpressure
// (res.pause/resume), as Kong spills large bodies instead of holding them.
import { Readable } from 'node:stream'
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js'
import { uws } from './uws.ts'
import { Downstream } from './downstream.ts'
import { RequestContext } from '../runloop/context.ts'
import { handleRequest, respondError, type ConfigState } from '../runloop/pipeline.ts'
import { KONG_MESSAGES } from '../errors.ts'
import type { Settings } from '../settings.ts'

/**
 * Closes the listen socket and every open connection (uWS's native App.close, not in its typings),
 * so a worker thread ends with no open handles; Node aborts a thread terminated with open ones.
 */
export function closeApp(app: TemplatedApp, socket: us_listen_socket): void {
  const close = (app as unknown as { close?: () => void }).close
  if (typeof close === 'function') close.call(app)
  else uws.us_listen_socket_close(socket)
}

export interface Listener {
  readonly port: number
  close(): void
}

function clientIp(res: HttpResponse): string {
  const ip = Buffer.from(res.getRemoteAddressAsText()).toString('latin1')
  return ip.startsWith('0000:0000:0000:0000:0000:ffff:') ? ip.slice(30) : ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

/** Readable fed by uWS onData; pauses the client socket while the upstream is slow. */
function bodyStream(res: HttpResponse, down: Downstream, first: Buffer[], max: number, seen: number, onTooLarge: () => void): Readable {
  let paused = false
  const stream = new Readable({
    read() {
      if (paused && !down.aborted) { paused = false; res.resume() }
    },
  })
  for (const c of first) stream.push(c)
  res.onData((ab, isLast) => {
    seen += ab.byteLength
    if (max > 0 && seen > max) { onTooLarge(); stream.destroy(new Error('request body too large')); return }
    if (!stream.push(Buffer.from(new Uint8Array(ab.slice(0))))) { paused = true; res.pause() }
    if (isLast) stream.push(null)
  })
  return stream
}

export function listenProxy(getState: () => ConfigState, settings: Settings): Promise<Listener> {
  const app = uws.App()
  const { clientMaxBodySize: max, clientBodyBufferSize: bufferSize } = settings
  let port = settings.proxyListen.port

  app.any('/*', (res: HttpResponse, req: HttpRequest) => {
    const start = performance.now()
    const down = new Downstream(res) // registers onAborted before anything else can yield
    const headers: Record<string, string> = Object.create(null) // client names: no inherited `constructor`, no `__proto__` setter
    req.forEach((k, v) => {
      const prev = headers[k]
      headers[k] = prev === undefined ? v : `${prev}, ${v}`
    })
    const ctx = new RequestContext(req.getCaseSensitiveMethod(), req.getUrl(), req.getQuery() ?? '', headers, clientIp(res), port, start)
    const state = getState()
    const tooLarge = () => respondError(state, ctx, down, 413, KONG_MESSAGES.payloadTooLarge, state.plans.global.collected)

    const cl = headers['content-length']
    if (cl === undefined && headers['transfer-encoding'] === undefined) return handleRequest(state, ctx, down, null)
    const length = cl === undefined ? -1 : Number(cl)
    if (max > 0 && length > max) return tooLarge()

    if (length >= 0 && length <= bufferSize) {
      // one copy into a buffer sized from Content-Length
      const body = Buffer.allocUnsafe(length)
      let offset = 0
      if (length === 0) { ctx.body = body; return handleRequest(state, ctx, down, null) }
      res.onData((ab, isLast) => {
        const n = Math.min(ab.byteLength, length - offset)
        body.set(new Uint8Array(ab, 0, n), offset)
        offset += n
        if (isLast) { ctx.body = offset === length ? body : body.subarray(0, offset); handleRequest(state, ctx, down, null) }
      })
      return
    }
    if (length > bufferSize) {
      ctx.bodyStreamed = true
      return handleRequest(state, ctx, down, bodyStream(res, down, [], max, 0, tooLarge))
    }
    // chunked: buffer while it fits, switch to streaming when it grows past the buffer size
    const chunks: Buffer[] = []
    let seen = 0
    res.onData((ab, isLast) => {
      if (ctx.bodyStreamed) return
      seen += ab.byteLength
      if (max > 0 && seen > max) { if (!down.finished) tooLarge(); return }
      chunks.push(Buffer.from(new Uint8Array(ab.slice(0))))
      if (isLast) { ctx.body = Buffer.concat(chunks); return handleRequest(state, ctx, down, null) }
      if (seen > bufferSize) {
        ctx.bodyStreamed = true
        handleRequest(state, ctx, down, bodyStream(res, down, chunks, max, seen, tooLarge))
      }
    })
  })

  return new Promise((resolve, reject) => {
    app.listen(settings.proxyListen.host, settings.proxyListen.port, (socket: us_listen_socket | false) => {
      if (!socket) return reject(new Error(`could not listen on ${settings.proxyListen.host}:${settings.proxyListen.port}`))
      port = uws.us_socket_local_port(socket as never)
      resolve({ port, close: () => closeApp(app, socket) })
    })
  })
}
