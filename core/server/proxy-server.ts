// The proxy listener on uWS. Copies what it needs out of the uWS request synchronously (it dies
// when the handler returns), registers onAborted first, reads the body, and hands the request to
// the runloop. Bodies up to client_body_buffer_size are buffered so plugins can read them in
// access; larger ones, or chunked ones that grow past it, stream upstream with backpressure
// (res.pause/resume), as Kong spills large bodies instead of holding them. A buffered body grows
// with the bytes that arrive, never from what Content-Length claims. Every uWS callback here is
// guarded: a throw fails its request alone (Kong's 500), since one escaping would end the worker.
import { Readable } from 'node:stream'
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js'
import { uws } from './uws.ts'
import { listen } from './listen.ts'
import { clientIp } from './client-ip.ts'
import { websocketBehavior } from './websocket-proxy.ts'
import { Downstream } from './downstream.ts'
import { RequestContext } from '../runloop/context.ts'
import { handleRequest, requestFailed, respondError, type ConfigState } from '../runloop/pipeline.ts'
import { defaultMessage, renderError } from '../runloop/error-body.ts'
import { KONG_MESSAGES } from '../errors.ts'
import { rootLog } from '../log.ts'
import type { Settings } from '../settings.ts'

/**
 * Closes the listen socket and every open connection (uWS's native App.close, not in its typings),
 * so a worker thread ends with no open handles; Node aborts a thread terminated with open ones.
 */
export function closeApp(app: TemplatedApp, socket: us_listen_socket): void {
  if (hasClose(app)) app.close()
  else uws.us_listen_socket_close(socket)
}

function hasClose(app: object): app is { close: () => void } {
  return typeof Reflect.get(app, 'close') === 'function'
}

/**
 * The prototype of a request's header object: empty, frozen, itself without a prototype, so a
 * client's header name finds nothing inherited (`constructor`, `toString`, a `__proto__` setter),
 * exactly as with Object.create(null). Measured: V8 makes an Object.create(null) object a
 * dictionary from the start, while one with this prototype stays a fast object whose property
 * layout is shared by requests sending the same headers; building and reading it cost 2-4x less.
 */
const NO_INHERITED: object = Object.freeze(Object.create(null))

export interface Listener {
  readonly port: number
  close(): void
}


/**
 * A throw while receiving the request: once the pipeline has the request, it answers and counts
 * it (requestFailed); before that there is only the client to answer.
 */
function receiveFailed(state: ConfigState, ctx: RequestContext, down: Downstream, err: unknown): void {
  if (ctx.config !== null) return requestFailed(state, ctx, down, state.plans.global.collected, err)
  try {
    rootLog.error({ err, request_id: ctx.requestId }, 'request failed')
    const { body, contentType } = renderError(KONG_MESSAGES.unexpected, ctx.requestId, ctx.headers.accept)
    down.send(500, ['Content-Type', contentType], body)
  } catch (e) {
    rootLog.error({ err: e }, 'request failure handling failed')
  }
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
    // answered already (a 400 before the body was read): uWS still delivers the rest, which no one
    // reads, and the response may no longer be touched (pause() would throw)
    if (down.finished || down.aborted) return
    try {
      seen += ab.byteLength
      if (max > 0 && seen > max) { onTooLarge(); stream.destroy(new Error('request body too large')); return }
      if (!stream.push(copy(ab))) { paused = true; res.pause() }
      if (isLast) stream.push(null)
    } catch (e) {
      // the pipeline owns the request now: failing the stream fails the upstream call, which answers;
      // with no reader listening an 'error' event would be an uncaught exception that ends the worker
      stream.destroy(stream.listenerCount('error') > 0 ? (e instanceof Error ? e : new Error(String(e))) : undefined)
    }
  })
  return stream
}

/** uWS reuses the memory behind `ab` once the callback returns: keep a copy (of the first n bytes). */
function copy(ab: ArrayBuffer, n = ab.byteLength): Buffer {
  return Buffer.from(ab.slice(0, n))
}

export function listenProxy(getState: () => ConfigState, settings: Settings): Promise<Listener> {
  const app = uws.App()
  const { clientMaxBodySize: max, clientBodyBufferSize: bufferSize } = settings
  let port = settings.proxyListen.port

  app.any('/*', (res: HttpResponse, req: HttpRequest) => {
    const start = performance.now()
    const down = new Downstream(res) // registers onAborted before anything else can yield
    const state = getState()
    let ctx: RequestContext
    try {
      const headers: Record<string, string> = Object.create(NO_INHERITED) // client names: no inherited `constructor`, no `__proto__` setter
      req.forEach((k, v) => {
        const prev = headers[k]
        headers[k] = prev === undefined ? v : `${prev}, ${v}`
      })
      ctx = new RequestContext(req.getCaseSensitiveMethod(), req.getUrl(), req.getQuery() ?? '', headers, clientIp(res), port, start)
    } catch (e) {
      rootLog.error({ err: e }, 'reading the request failed')
      const { body, contentType } = renderError(KONG_MESSAGES.unexpected, '', undefined)
      try { down.send(500, ['Content-Type', contentType], body) } catch { /* nothing more to do for this request */ }
      return
    }
    try {
      receive(state, ctx, res, down)
    } catch (e) {
      receiveFailed(state, ctx, down, e)
    }
  })

  // WebSocket upgrades (Upgrade: websocket) go through the same runloop, then to the upstream's WebSocket
  app.ws('/*', websocketBehavior(getState, () => port))

  /** Reads the body as the request's framing says, then hands the request to the pipeline. */
  function receive(state: ConfigState, ctx: RequestContext, res: HttpResponse, down: Downstream): void {
    const headers = ctx.headers
    const tooLarge = () => respondError(state, ctx, down, 413, KONG_MESSAGES.payloadTooLarge, state.plans.global.collected)

    const cl = headers['content-length']
    const te = headers['transfer-encoding']
    if (cl === undefined && te === undefined) return handleRequest(state, ctx, down, null)
    // nginx's 501 for any Transfer-Encoding but `chunked`: uWS frames no body for one (`identity`,
    // `gzip`), so waiting for onData would hold the request open forever
    if (te !== undefined && te.trim().toLowerCase() !== 'chunked') return respondError(state, ctx, down, 501, defaultMessage(501), state.plans.global.collected)
    const length = cl === undefined ? -1 : Number(cl)
    if (max > 0 && length > max) return tooLarge()

    if (length >= 0 && length <= bufferSize) {
      // the chunks as they arrive, joined at the end: Content-Length is only a claim, and memory
      // must follow the bytes actually received (a client may announce 8 MB, send 10 and stall)
      if (length === 0) { ctx.body = Buffer.alloc(0); return handleRequest(state, ctx, down, null) }
      const chunks: Buffer[] = []
      let received = 0
      res.onData((ab, isLast) => {
        try {
          if (received < length) {
            const chunk = copy(ab, Math.min(ab.byteLength, length - received))
            chunks.push(chunk)
            received += chunk.length
          }
          if (isLast) { ctx.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received); handleRequest(state, ctx, down, null) }
        } catch (e) {
          receiveFailed(state, ctx, down, e)
        }
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
      try {
        if (ctx.bodyStreamed) return
        seen += ab.byteLength
        if (max > 0 && seen > max) { if (!down.finished) tooLarge(); return }
        chunks.push(copy(ab))
        if (isLast) { ctx.body = Buffer.concat(chunks); return handleRequest(state, ctx, down, null) }
        if (seen > bufferSize) {
          ctx.bodyStreamed = true
          handleRequest(state, ctx, down, bodyStream(res, down, chunks, max, seen, tooLarge))
        }
      } catch (e) {
        receiveFailed(state, ctx, down, e)
      }
    })
  }

  return new Promise((resolve, reject) => {
    // worker threads share the port; a single listener keeps it to itself
    listen(app, settings.proxyListen.host, settings.proxyListen.port, settings.workers > 1, (socket) => {
      if (!socket) return reject(new Error(`could not listen on ${settings.proxyListen.host}:${settings.proxyListen.port}`))
      port = uws.us_socket_local_port(socket as never)
      resolve({ port, close: () => closeApp(app, socket) })
    })
  })
}
