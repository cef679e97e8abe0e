// A keep-alive HTTP/1.1 client pool for one http:// origin, over net.Socket, driving the same
// handler callbacks as undici's Pool#dispatch (onConnect/onHeaders/onData/onComplete/onError).
// Measured against undici in bench/micro (upstream-client-ab.ts, upstream-client-floor-ab.ts):
// half the client CPU per request and no promotion to the old generation, because the response is
// parsed by Node's own llhttp binding (native, no copy of each read into a wasm heap), there is no
// per-request Request object, timer or promise, and a finished exchange keeps nothing reachable.
//
// It does what the gateway needs from undici for buffered bodies, with undici's observable
// behaviour: the same error codes in the same situations (UND_ERR_SOCKET for a cut connection,
// UND_ERR_CONNECT_TIMEOUT, UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT, UND_ERR_HEADERS_OVERFLOW,
// UND_ERR_RES_CONTENT_LENGTH_MISMATCH, HPE_* parse errors, the socket's own ECONNREFUSED /
// ECONNRESET), one request per socket at a time (undici's pipelining 1), no limit on sockets per
// origin (undici's Pool default), keep-alive 60 s or the server's `keep-alive: timeout=N` less 2 s,
// a reused socket written only after one check phase (undici 7, GHSA-35p6-xmwp-9g52: bytes, FIN or
// RST already pending on an idle socket are read first and drop it), bytes nobody asked for drop the
// socket, a socket that errored is never reused. What it does not do stays on undici (see
// h1-request.ts and dispatch() in upstream-call.ts): https, streamed bodies, HEAD, upgrade.
import { connect, type Socket } from 'node:net'
import { createRequire } from 'node:module'
import { maxHeaderSize } from 'node:http'
import type { H1Request } from './h1-request.ts'
import type { FlatHeaders } from '../runloop/context.ts'
import { shareHeaderStrings } from './shared-header-strings.ts'

const require = createRequire(import.meta.url)
interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void
  execute(b: Buffer): number | (Error & { code?: string; reason?: string })
  finish(): number | (Error & { code?: string; reason?: string }) | undefined
  close(): void
  [k: number]: unknown
}
// `_http_common` is the public module path of the parser node:http itself uses (no deprecation)
const { HTTPParser } = require('_http_common') as {
  HTTPParser: { new(): NativeParser; RESPONSE: number; kLenientNone: number; kOnMessageBegin: number; kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number }
}

export interface H1Handler {
  onConnect(abort: (err?: Error) => void): void
  /** headers: flat [name, value, ...] strings as Node's parser gives them */
  onHeaders(status: number, headers: FlatHeaders, resume: () => void): boolean
  onData(chunk: Buffer): boolean
  onComplete(): void
  onError(err: Error & { code?: string }): void
}

export interface H1PoolOptions {
  connectTimeout: number
  /** idle keep-alive sockets are closed after this (undici's keepAliveTimeout / keepAliveMaxTimeout) */
  keepAliveMs?: number
}

/** Coarse clock of the long timeouts: one interval per pool instead of a timer per request. */
export const TICK_MS = 250
/** Timeouts shorter than this get a timer of their own (undici too uses native timers below 1 s). */
const SHORT_MS = 1000
/** undici's keepAliveTimeoutThreshold: a server's keep-alive hint less this */
const KEEP_ALIVE_THRESHOLD_MS = 2000
const KEEP_ALIVE_HINT = /timeout=(\d+)/
/** obs-text in a header value: Node's parser gives it as latin1 characters, uWS would write them as UTF-8 */
const NON_ASCII = /[\x80-\xff]/
/**
 * Every socket of this thread's pools reads into this one buffer (net's `onread`). Without it each
 * read is a 64 KiB malloc shrunk to the bytes read: a stream's small read, kept until the next GC,
 * sits between freed holes the next 64 KiB read cannot reuse; with 1000 open streams the allocator's
 * heap grew 13.5 KiB per stream, 8.4 KiB with this. Reads run one at a time and nothing keeps a view
 * of the buffer past the parser's execute: Node's parser copies body chunks and gives headers as
 * strings (spec/core/proxy/h1-shared-read-buffer.test.ts).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

/** An error shaped as undici's (code and message), so retries and Kong's statuses stay the same. */
export class H1ClientError extends Error {
  constructor(message: string, readonly code: string | undefined, name: string) {
    super(message)
    this.name = name
  }
}

const socketError = (message: string) => new H1ClientError(message, 'UND_ERR_SOCKET', 'SocketError')

const lengthMismatch = () => new H1ClientError('Response body object length is not equal to content-length header', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ResponseContentLengthMismatchError')
/** content-length values in a head that failed to parse (what undici has collected when llhttp stops) */
const LENGTH_LINE = /\r\ncontent-length:[ \t]*([^\r\n]*)(?=\r\n)/gi

/**
 * A parse error as undici reports it: a body length mismatch when the head had a content-length
 * (its concatenated values, parsed as parseInt does) the bytes read do not match, else undici's
 * HTTPParserError. `clRaw`: the content-length values seen, '' when none.
 */
function parseError(e: Error & { code?: string; reason?: string }, clRaw: string, bytesRead: number): H1ClientError {
  if (e.code === 'HPE_HEADER_OVERFLOW') return new H1ClientError('Headers Overflow Error', 'UND_ERR_HEADERS_OVERFLOW', 'HeadersOverflowError')
  if (clRaw !== '' && bytesRead !== parseInt(clRaw, 10)) return lengthMismatch()
  // undici 7's HTTPParserError carries no code (it looks its name up in a table keyed the other way)
  return new H1ClientError(`Response does not match the HTTP/1.1 protocol (${e.reason ?? e.message})`, undefined, 'HTTPParserError')
}

/** The content-length lines `d` completed before the parser failed in a head (undici sees a value at its end). */
function lengthsIn(d: Buffer, e: Error & { bytesParsed?: number }): string {
  const text = d.toString('latin1', 0, Math.min(d.length, e.bytesParsed ?? d.length))
  let out = ''
  for (const m of text.matchAll(LENGTH_LINE)) out += m[1]!.trimEnd()
  return out
}

class Conn {
  readonly socket: Socket
  private readonly parser: NativeParser
  handler: H1Handler | null = null
  private req: H1Request | null = null
  /** the request's bytes went out (before that, a dead socket hands the request to another) */
  private written = false
  /** a response was read on this socket: the next request waits one check phase */
  private used = false
  headersDone = false
  private keepAlive = true
  /** the answer's content-length values, concatenated as undici does ('' = none) */
  private clRaw = ''
  private bytesRead = 0
  paused = false
  private connected = false
  private connectTimer: NodeJS.Timeout | null = null
  /** pool tick of the last progress, and the timeout in force (0 = none) */
  lastTick = 0
  timeoutMs = 0
  private bodyTimeoutMs = 0
  private shortTimer: NodeJS.Timeout | null = null
  /** idle since this pool tick, and for how long it may stay idle */
  idleTick = 0
  keepAliveMs: number
  private pending: string[] | null = null
  dead = false

  constructor(private readonly pool: H1Pool) {
    this.keepAliveMs = pool.keepAliveMs
    this.socket = connect({ host: pool.host, port: pool.port, noDelay: true, onread: { buffer: READ_BUFFER, callback: this.read } })
    this.socket.setKeepAlive(true, 60_000) // as undici: TCP keep-alive probes on long exchanges
    const ct = pool.connectTimeout
    if (ct > 0) {
      this.connectTimer = setTimeout(() => {
        this.fail(new H1ClientError(`Connect Timeout Error (attempted address: ${pool.host}:${pool.port}, timeout: ${ct}ms)`, 'UND_ERR_CONNECT_TIMEOUT', 'ConnectTimeoutError'))
      }, ct)
    }
    const p = this.parser = new HTTPParser()
    p.initialize(HTTPParser.RESPONSE, {}, maxHeaderSize, HTTPParser.kLenientNone)
    p[HTTPParser.kOnMessageBegin] = () => {
      // a response nobody asked for (after the last one ended, in the same read): the socket is unusable
      // (or one that arrived before our request was written)
      if (this.handler === null || !this.written || this.headersDone) this.kill()
      return 0
    }
    p[HTTPParser.kOnHeaders] = (h: string[]) => { (this.pending ??= []).push(...h) }
    p[HTTPParser.kOnHeadersComplete] = (_maj: number, _min: number, headers: string[] | undefined, _m: unknown, _u: unknown, status: number, _msg: unknown, upgrade: boolean, keepAlive: boolean): number => {
      if (this.pending !== null) { headers = headers ? this.pending.concat(headers) : this.pending; this.pending = null }
      const h = this.handler
      if (h === null || this.dead) return 1
      // undici never sends `expect` or `upgrade`: a 100 or an upgrade answers nothing it asked
      if (status === 100) { this.fail(socketError('bad response')); return 1 }
      if (upgrade || status === 101) { this.fail(socketError('bad upgrade')); return 1 }
      if (status < 200) return 0 // 102, 103: the final head follows
      const hs: FlatHeaders = headers ?? []
      this.keepAlive = keepAlive
      this.headersDone = true
      this.inspect(hs)
      this.arm(this.bodyTimeoutMs)
      h.onHeaders(status, hs, this.resume)
      return 0
    }
    p[HTTPParser.kOnBody] = (b: Buffer) => {
      const h = this.handler
      if (h === null || this.dead) return
      this.bytesRead += b.length
      if (h.onData(b) === false && !this.paused) { this.paused = true; this.socket.pause() }
    }
    p[HTTPParser.kOnMessageComplete] = () => {
      if (this.headersDone && !this.dead) this.complete() // a 1xx head's end is not the answer's
    }
    const s = this.socket
    s.on('connect', () => {
      this.connected = true
      if (this.connectTimer !== null) { clearTimeout(this.connectTimer); this.connectTimer = null }
      this.flush()
    })
    s.on('end', () => this.ended(null))
    s.on('error', (e: Error & { code?: string }) => {
      // as undici: a reset that ends a close-delimited answer ends it, not fails it
      if (e.code === 'ECONNRESET' && this.headersDone && !this.keepAlive) return this.ended(e)
      this.fail(e)
    })
    s.on('close', () => {
      this.dead = true
      if (this.connectTimer !== null) { clearTimeout(this.connectTimer); this.connectTimer = null }
      this.disarm()
      if (this.handler !== null) this.fail(socketError('closed'))
      this.pool.remove(this)
      this.parser.close()
    })
  }

  /** `n` bytes read into READ_BUFFER (net's onread callback; true: keep reading, the pause is ours). */
  private readonly read = (n: number, buf: Buffer): boolean => {
    // bytes on an idle socket, or before our request went out, answer nothing we sent
    if (this.handler === null || !this.written) { this.kill(); return true }
    if (this.headersDone) this.touch()
    const d = buf.subarray(0, n)
    let r: ReturnType<NativeParser['execute']>
    try { r = this.parser.execute(d) } catch (e) { this.fail(e as Error); return true } // a handler threw past its own catch
    if (r instanceof Error) this.fail(parseError(r, this.headersDone ? this.clRaw : lengthsIn(d, r), this.bytesRead))
    return true
  }

  /**
   * Reads what undici reads of a response head: content-length, and the server's keep-alive hint.
   * A value with bytes past ASCII becomes a Buffer of those bytes, as undici gives every value: a
   * string would reach the client re-encoded as UTF-8 (names are tokens, ASCII only).
   */
  private inspect(hs: FlatHeaders): void {
    this.clRaw = ''
    this.bytesRead = 0
    for (let i = 0; i < hs.length; i += 2) {
      const n = hs[i] as string
      const v = hs[i + 1] as string
      if (NON_ASCII.test(v)) hs[i + 1] = Buffer.from(v, 'latin1')
      if (n.length === 14 && n.toLowerCase() === 'content-length') this.clRaw += v
      else if (n.length === 10 && n.toLowerCase() === 'keep-alive') {
        const m = KEEP_ALIVE_HINT.exec(v)
        if (m !== null) {
          const ms = Math.min(Number(m[1]) * 1000 - KEEP_ALIVE_THRESHOLD_MS, this.pool.keepAliveMs)
          if (ms <= 0) this.keepAlive = false
          else this.keepAliveMs = ms
        }
      }
    }
    // An answer without a length is streamed (SSE) and may stay open long: its head is kept that
    // long, so it takes the shared copies of the strings that repeat (~1.2 KB less per open OpenAI
    // stream). ~1 us per head: not spent on answers of known length, which end soon.
    if (this.clRaw === '') for (let i = 0; i < hs.length; i += 2) shareHeaderStrings(hs, i)
  }

  /** The server closed its side (FIN) or reset after a close-delimited answer. */
  private ended(reset: Error | null): void {
    const h = this.handler
    if (h === null || !this.written) { this.kill(); return }
    if (this.headersDone && !this.keepAlive) {
      // the answer may end with the connection (undici's parser.finish())
      let r: ReturnType<NativeParser['finish']>
      try { r = this.parser.finish() } catch (e) { this.fail(e as Error); return }
      if (this.handler !== h) { this.kill(); return } // completed
      if (this.clRaw !== '' && this.bytesRead !== parseInt(this.clRaw, 10)) this.fail(lengthMismatch())
      else if (r instanceof Error) this.fail(parseError(r, this.clRaw, this.bytesRead))
      else this.fail(reset ?? socketError('other side closed'))
      return
    }
    this.fail(socketError('other side closed'))
  }

  readonly resume = (): void => {
    if (!this.paused) return
    this.paused = false
    this.touch()
    this.socket.resume()
  }

  readonly abort = (err?: Error): void => {
    if (this.handler === null) return
    this.fail(err ?? new H1ClientError('Request aborted', 'UND_ERR_ABORTED', 'RequestAbortedError'), true)
  }

  send(req: H1Request, h: H1Handler): void {
    if (this.used) this.socket.ref() // idle sockets do not keep the thread alive (as undici's)
    this.handler = h
    this.req = req
    this.written = false
    this.headersDone = false
    this.clRaw = ''
    this.bytesRead = 0
    this.keepAlive = !req.closeAfter
    this.keepAliveMs = this.pool.keepAliveMs
    this.bodyTimeoutMs = req.bodyTimeout
    this.paused = false
    h.onConnect(this.abort)
    if (this.handler !== h) return // aborted in onConnect
    if (!this.connected) return // written on connect
    // A reused keep-alive socket waits for the check phase before the request is written, as
    // undici 7 does: a FIN, RST or stray bytes already pending on it are read first (and drop it,
    // the request then goes to another socket), so an answer the server sent unasked is never
    // taken for this request's.
    if (this.used) setImmediate(this.flush)
    else this.flush()
  }

  private readonly flush = (): void => {
    const req = this.req
    if (req === null || this.handler === null || this.dead || this.written) return
    this.written = true
    this.used = true
    const s = this.socket
    s.cork()
    s.write(req.head, 'latin1')
    if (req.body !== null) s.write(req.body)
    s.uncork()
    this.arm(req.headersTimeout)
    // once written the request is only the socket's to flush (a failure now goes to the handler, no
    // other socket takes it): an answer that streams for long does not keep its head and body alive
    this.req = null
  }

  /** Starts the headers or body timeout (0: none). */
  private arm(ms: number): void {
    this.disarm()
    this.timeoutMs = ms
    this.lastTick = this.pool.tick
    if (ms > 0 && ms < SHORT_MS) this.shortTimer = setTimeout(this.timedOut, ms)
  }

  private disarm(): void {
    if (this.shortTimer !== null) { clearTimeout(this.shortTimer); this.shortTimer = null }
  }

  /** Progress on the body: the body timeout starts again. */
  private touch(): void {
    this.lastTick = this.pool.tick
    const ms = this.timeoutMs
    if (ms > 0 && ms < SHORT_MS) {
      if (this.shortTimer !== null) this.shortTimer.refresh()
      else this.shortTimer = setTimeout(this.timedOut, ms) // it ran out while paused
    }
  }

  readonly timedOut = (): void => {
    this.shortTimer = null
    if (this.handler === null || this.paused) return // a paused body does not time out (undici)
    this.fail(this.headersDone
      ? new H1ClientError('Body Timeout Error', 'UND_ERR_BODY_TIMEOUT', 'BodyTimeoutError')
      : new H1ClientError('Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT', 'HeadersTimeoutError'))
  }

  /** The pool's tick: a long timeout that ran out fails its request. */
  tick(now: number): void {
    if (this.handler === null) {
      if ((now - this.idleTick) * TICK_MS >= this.keepAliveMs) this.kill()
      return
    }
    if (this.timeoutMs >= SHORT_MS && !this.paused && (now - this.lastTick) * TICK_MS >= this.timeoutMs) this.timedOut()
  }

  private complete(): void {
    const h = this.handler
    if (h === null) return
    this.handler = null
    this.req = null
    this.headersDone = false
    this.timeoutMs = 0
    this.disarm()
    // paused by this answer's last chunk (its end came in the same read): an idle socket reads again, so
    // a FIN or stray bytes are seen, and the next request's answer is not left unread
    if (this.paused) { this.paused = false; this.socket.resume() }
    // the pool takes the socket back before onComplete: a request dispatched from the handler may reuse it.
    // Not when the answer came before the request was all written: the server may not read the rest, which
    // it would then take for the start of the next request.
    if (this.keepAlive && !this.pool.closed && this.socket.writableLength === 0) {
      this.idleTick = this.pool.tick
      this.socket.unref()
      this.pool.release(this)
    } else this.kill()
    h.onComplete()
  }

  /** Fails the request on this socket, if any, and drops the socket. */
  fail(err: Error & { code?: string }, final = false): void {
    const h = this.handler, req = this.req, written = this.written
    this.handler = null
    this.req = null
    this.timeoutMs = 0
    this.disarm()
    this.kill()
    if (h === null) return
    // a reused socket found dead before our bytes went out: nothing was sent, another socket takes it
    if (!final && req !== null && this.used && !written) this.pool.send(req, h)
    else h.onError(err)
  }

  /** Drops the socket at once: never reused, out of the pool now (its close event comes later). */
  kill(): void {
    if (!this.dead) {
      this.dead = true
      this.pool.remove(this)
    }
    if (!this.socket.destroyed) this.socket.destroy()
  }
}

export class H1Pool {
  private readonly idle: Conn[] = []
  private readonly all = new Set<Conn>()
  readonly keepAliveMs: number
  readonly connectTimeout: number
  tick = 0
  closed = false
  /** sockets opened so far (keep-alive reuse shows as few; tests and bench/micro read it) */
  opened = 0
  private ticker: NodeJS.Timeout | null = null
  private drained: (() => void) | null = null
  private closing: Promise<void> | null = null

  constructor(readonly host: string, readonly port: number, opts: H1PoolOptions) {
    this.connectTimeout = opts.connectTimeout
    this.keepAliveMs = opts.keepAliveMs ?? 60_000
  }

  /** Sockets open (busy and idle). */
  get size(): number {
    return this.all.size
  }

  dispatch(req: H1Request, h: H1Handler): void {
    if (this.closed) {
      h.onError(new H1ClientError('The client is destroyed', 'UND_ERR_DESTROYED', 'ClientDestroyedError'))
      return
    }
    this.send(req, h)
  }

  /** A request on an idle socket or a new one (also after close(), for a request already taken). */
  send(req: H1Request, h: H1Handler): void {
    let c = this.idle.pop()
    while (c !== undefined && c.dead) c = this.idle.pop()
    if (c === undefined) {
      c = new Conn(this)
      this.opened++
      this.all.add(c)
      if (this.ticker === null) {
        // one coarse interval while the pool has sockets, instead of a timer per request
        this.ticker = setInterval(() => {
          const now = ++this.tick
          for (const x of this.all) x.tick(now)
        }, TICK_MS).unref()
      }
    }
    c.send(req, h)
  }

  release(c: Conn): void {
    this.idle.push(c)
  }

  remove(c: Conn): void {
    this.all.delete(c)
    const i = this.idle.indexOf(c)
    if (i >= 0) this.idle.splice(i, 1)
    if (this.all.size === 0) {
      if (this.ticker !== null) { clearInterval(this.ticker); this.ticker = null }
      const d = this.drained
      this.drained = null
      d?.()
    }
  }

  /** Graceful: no new requests, idle sockets closed, busy ones closed when their answer ends. */
  close(): Promise<void> {
    this.closed = true
    for (const c of [...this.idle]) c.kill()
    if (this.closing === null) this.closing = this.all.size === 0 ? Promise.resolve() : new Promise((r) => { this.drained = r })
    return this.closing
  }

  /** Every socket closed now; requests on them fail. */
  destroy(): Promise<void> {
    this.closed = true
    const done = this.close()
    for (const c of [...this.all]) c.fail(socketError('closed'), true)
    return done
  }
}
