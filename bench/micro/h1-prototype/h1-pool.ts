/**
 * PROTOTYPE, for bench/micro/upstream-client-ab.ts only: nothing in the gateway imports it.
 *
 * A minimal keep-alive HTTP/1.1 client pool over net.Socket, with the dispatch-handler shape of undici's classic
 * callbacks (onConnect/onHeaders/onData/onComplete/onError), so the same handler can be driven by either client.
 * Responses are parsed by Node's own llhttp binding (`_http_common`'s HTTPParser, the parser node:http uses;
 * public module path, no internals warning): native C, no copy of each chunk into a wasm heap as undici does.
 *
 * What it does per request: header-name/value validation (token / no CR, LF, NUL, as undici's Request does),
 * one request-head string, cork + write head + body, Content-Length or chunked or close-delimited bodies (the
 * parser), keep-alive reuse unless the response says `connection: close` (then the socket is closed), a
 * pool-wide coarse timer for headers/body timeouts (250 ms resolution, as undici's fast timers), backpressure
 * (onData false pauses the socket, resume() restarts it), errors from connect, reset, early close, parse errors.
 *
 * What it does NOT do that undici does (see bench/README.md for the cost estimate): pipelining, request bodies
 * that are streams/iterables, `expect: 100-continue`, upgrade/CONNECT, HEAD keep-alive quirks beyond skipping
 * the body, `keep-alive: timeout=N` hints, idle-socket liveness checks before reuse, TLS, diagnostics_channel
 * events, the request/response size caps (maxHeaderSize is Node's default 16 KB), retry of a request written
 * to a socket the server had just closed, interceptors.
 */
import { connect, type Socket } from 'node:net'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void
  execute(b: Buffer): number | Error
  finish(): number | Error | undefined
  close(): void
  [k: number]: unknown
}
const { HTTPParser } = require('_http_common') as { HTTPParser: { new(): NativeParser; RESPONSE: number; kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number } }

export interface H1Handler {
  onConnect(abort: (err?: Error) => void): void
  /** headers: flat [name, value, ...] strings as Node's parser gives them (undici gives Buffers) */
  onHeaders(status: number, headers: string[], resume: () => void): boolean
  onData(chunk: Buffer): boolean
  onComplete(): void
  onError(err: Error & { code?: string }): void
}

export interface H1Request {
  method: string
  path: string
  /** flat [name, value, ...], `host` included (the gateway always passes it) */
  headers: string[]
  body: Buffer | string | null
  headersTimeout: number
  bodyTimeout: number
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const BAD_VALUE = /[\r\n\0]/
const TICK_MS = 250

class ClientError extends Error {
  constructor(message: string, readonly code: string) { super(message) }
}

class Conn {
  readonly socket: Socket
  readonly parser: NativeParser
  handler: H1Handler | null = null
  method = ''
  headersDone = false
  keepAlive = true
  paused = false
  /** pool tick of the last byte, and the timeout in force (0 = none) */
  lastTick = 0
  timeoutMs = 0
  connected = false
  /** a response was read on this socket before: the next request waits one loop turn (see send) */
  used = false
  /** the request being sent and whether its bytes went out (an unwritten one moves to another socket) */
  req: H1Request | null = null
  written = false
  private head = ''
  bodyTimeoutMs = 0
  private pending: string[] | null = null

  constructor(readonly pool: H1Pool) {
    this.socket = connect({ host: pool.host, port: pool.port, noDelay: true })
    this.parser = new HTTPParser()
    this.parser.initialize(HTTPParser.RESPONSE, {}, 0, 0)
    this.parser[HTTPParser.kOnHeaders] = (h: string[]) => { (this.pending ??= []).push(...h) }
    this.parser[HTTPParser.kOnHeadersComplete] = (_maj: number, _min: number, headers: string[] | undefined, _m: unknown, _u: unknown, status: number, _msg: string, _up: boolean, keepAlive: boolean): number => {
      if (this.pending !== null) { headers = headers ? this.pending.concat(headers) : this.pending; this.pending = null }
      const h = this.handler
      if (h === null) return 1
      if (status < 200) return 0 // 1xx: the final head follows
      this.keepAlive = keepAlive
      this.headersDone = true
      this.timeoutMs = this.bodyTimeoutMs
      h.onHeaders(status, headers ?? [], this.resume)
      return this.method === 'HEAD' ? 1 : 0
    }
    this.parser[HTTPParser.kOnBody] = (b: Buffer) => {
      const h = this.handler
      if (h !== null && h.onData(b) === false && !this.paused) { this.paused = true; this.socket.pause() }
    }
    this.parser[HTTPParser.kOnMessageComplete] = () => this.complete()
    this.socket.on('connect', () => { this.connected = true })
    this.socket.on('data', (d: Buffer) => {
      // bytes on an idle socket, or before our request went out, answer nothing we sent: the socket is unusable
      if (this.handler === null || !this.written) { this.socket.destroy(); return }
      this.lastTick = this.pool.tick
      const r = this.parser.execute(d)
      if (r instanceof Error) this.fail(new ClientError(`Response does not match the HTTP/1.1 protocol (${(r as Error & { reason?: string }).reason ?? r.message})`, 'HPE_INVALID'))
    })
    this.socket.on('end', () => {
      // a close-delimited body ends here; anything else in flight is cut short
      if (this.handler !== null && this.headersDone) { this.parser.finish() }
      if (this.handler !== null) this.fail(new ClientError('other side closed', 'UND_ERR_SOCKET'))
    })
    this.socket.on('error', (e: Error & { code?: string }) => this.fail(e))
    this.socket.on('close', () => {
      if (this.handler !== null) this.fail(new ClientError('other side closed', 'UND_ERR_SOCKET'))
      this.pool.remove(this)
      this.parser.close()
    })
  }

  readonly resume = (): void => {
    if (!this.paused) return
    this.paused = false
    this.lastTick = this.pool.tick
    this.socket.resume()
  }

  readonly abort = (err?: Error): void => { this.fail(err ?? new ClientError('aborted', 'UND_ERR_ABORTED'), true) }

  send(req: H1Request, h: H1Handler): void {
    this.handler = h
    this.method = req.method
    this.headersDone = false
    this.keepAlive = true
    this.lastTick = this.pool.tick
    this.timeoutMs = req.headersTimeout
    this.bodyTimeoutMs = req.bodyTimeout
    h.onConnect(this.abort)
    if (this.handler !== h) return // aborted in onConnect
    let head = `${req.method} ${req.path} HTTP/1.1\r\nconnection: keep-alive\r\n`
    const hs = req.headers
    for (let i = 0; i < hs.length; i += 2) head += `${hs[i]}: ${hs[i + 1]}\r\n`
    const body = req.body
    const len = body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length
    if (body !== null || req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') head += `content-length: ${len}\r\n`
    this.head = head + '\r\n'
    this.req = req
    this.written = false
    // A reused keep-alive socket waits for the check phase before the request is written, as undici 7 does
    // (GHSA-35p6-xmwp-9g52): a FIN, RST or stray bytes already pending on it are read first, so a response
    // the server sent unasked is never taken for this request's. The same setImmediate per request as undici.
    if (this.used) setImmediate(this.flush)
    else this.flush()
  }

  private readonly flush = (): void => {
    const req = this.req
    if (req === null || this.handler === null || this.socket.destroyed) return
    this.written = true
    this.used = true
    const body = req.body
    const s = this.socket
    s.cork()
    s.write(this.head, 'latin1')
    if (body !== null && body.length > 0) s.write(body)
    s.uncork()
    this.head = ''
  }

  private complete(): void {
    const h = this.handler
    if (h === null) return
    this.handler = null
    this.req = null
    this.timeoutMs = 0
    h.onComplete()
    if (this.keepAlive) this.pool.release(this)
    else this.socket.destroy()
  }

  fail(err: Error & { code?: string }, aborted = false): void {
    const h = this.handler, req = this.req
    this.handler = null
    this.req = null
    this.timeoutMs = 0
    if (!this.socket.destroyed) this.socket.destroy()
    if (h === null) return
    // a reused socket found dead before our bytes went out: nothing was sent, another socket takes the request
    if (!aborted && req !== null && this.used && !this.written) this.pool.dispatch(req, h)
    else h.onError(err)
  }
}

/** Validation undici's Request does per header: names are tokens, values carry no CR/LF/NUL. */
function validate(req: H1Request): Error | null {
  const hs = req.headers
  for (let i = 0; i < hs.length; i += 2) {
    if (!TOKEN.test(hs[i]!)) return new ClientError(`invalid ${hs[i]} header`, 'UND_ERR_INVALID_ARG')
    if (BAD_VALUE.test(hs[i + 1]!)) return new ClientError(`invalid ${hs[i]} header`, 'UND_ERR_INVALID_ARG')
  }
  if (!TOKEN.test(req.method) || BAD_VALUE.test(req.path) || req.path.includes(' ')) return new ClientError('invalid request', 'UND_ERR_INVALID_ARG')
  return null
}

export class H1Pool {
  private readonly idle: Conn[] = []
  private readonly all = new Set<Conn>()
  private readonly queue: [H1Request, H1Handler][] = []
  tick = 0
  /** connections opened so far (keep-alive reuse shows as few) */
  opened = 0
  private readonly ticker: NodeJS.Timeout

  constructor(readonly host: string, readonly port: number, private readonly connections: number) {
    // one coarse pool-wide timer instead of a timer per request: a request only stamps the tick it last saw bytes
    this.ticker = setInterval(() => {
      this.tick++
      for (const c of this.all) {
        if (c.handler !== null && c.timeoutMs > 0 && !c.paused && (this.tick - c.lastTick) * TICK_MS >= c.timeoutMs) {
          c.fail(new ClientError(c.headersDone ? 'Body Timeout Error' : 'Headers Timeout Error', c.headersDone ? 'UND_ERR_BODY_TIMEOUT' : 'UND_ERR_HEADERS_TIMEOUT'))
        }
      }
    }, TICK_MS).unref()
  }

  dispatch(req: H1Request, h: H1Handler): void {
    const bad = validate(req)
    if (bad !== null) { h.onError(bad); return }
    const c = this.idle.pop()
    if (c !== undefined) c.send(req, h)
    else if (this.all.size < this.connections) { const n = new Conn(this); this.opened++; this.all.add(n); n.send(req, h) }
    else this.queue.push([req, h])
  }

  release(c: Conn): void {
    const next = this.queue.shift()
    if (next !== undefined) c.send(next[0], next[1])
    else this.idle.push(c)
  }

  remove(c: Conn): void {
    this.all.delete(c)
    const i = this.idle.indexOf(c)
    if (i >= 0) this.idle.splice(i, 1)
    // a queued request gets a fresh connection
    const next = this.queue.shift()
    if (next !== undefined) this.dispatch(next[0], next[1])
  }

  close(): void {
    clearInterval(this.ticker)
    for (const c of this.all) c.socket.destroy()
  }
}
