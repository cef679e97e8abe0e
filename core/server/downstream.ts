// The client side of one exchange on uWS. Writes are queued and flushed once per event-loop turn
// (setImmediate), all exchanges together, each in one cork: head and body of a JSON answer leave
// in one send(), and a burst of SSE events read from the upstream in one turn leaves in one
// send() instead of one per event (measured: half the CPU per burst stream).
// Known lengths go through tryEnd, unknown ones through write() (chunked). Backpressure is
// reported to the caller (write() returns false) and lifted through onDrain, so a slow client
// pauses the upstream instead of making the gateway buffer the body.
// Never touches `res` after an abort or after the response is complete: uWS throws then.
import type { HttpResponse } from 'uWebSockets.js'
import { STATUS_CODES } from 'node:http'
import type { FlatHeaders } from '../runloop/context.ts'
import { rootLog } from '../log.ts'

const STATUS_LINES: string[] = []
for (let code = 100; code < 600; code++) STATUS_LINES[code] = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`

// One flush per event-loop turn for every exchange that has something queued.
let pending: Downstream[] = []
let scheduled = false

function flushAll(): void {
  scheduled = false
  const list = pending
  pending = []
  // one exchange's failure must not skip the others' flushes, nor escape into the event loop
  for (const d of list) {
    try { d.flush() } catch (e) { d.broke(e) }
  }
}

/**
 * The exchange whose queue the cork callback drains: one module-level callback instead of a new
 * closure per flush (an SSE stream flushes once per event that arrives on its own).
 */
let corked: Downstream | null = null
function drainCorked(): void {
  corked!.drainInCork()
}

/** Who is told about the client side: an object, so a request allocates no callbacks for it. */
export interface DownstreamListener {
  /** the client went away before the end (called once) */
  aborted(): void
  /** a write that reported backpressure has drained: send more */
  drained(): void
}

export class Downstream {
  aborted = false
  /** the whole response has been handed to uWS */
  finished = false
  headSent = false
  /** bytes of body handed to write() / send() */
  written = 0
  /** told when the client goes away before the end, and when backpressure lifts */
  listener: DownstreamListener | null = null

  private status = 200
  private headers: FlatHeaders | null = null
  private total = -1
  private noBody = false
  /** bytes given to uWS so far */
  private sent = 0
  private queue: Buffer[] = []
  private queued = false
  private ending = false
  /** uWS reported backpressure: wait for onWritable */
  private blocked = false
  /** the part of a tryEnd chunk uWS did not take yet, and the write offset it started at */
  private tail: Buffer | null = null
  private tailBase = 0

  constructor(readonly res: HttpResponse) {
    res.onAborted(() => {
      this.aborted = true
      try { this.listener?.aborted() } catch (e) { rootLog.error({ err: e }, 'abort handling failed') }
    })
  }

  /**
   * Writing to the client threw (a uWS state we did not expect): drop the connection and treat
   * the exchange as aborted by the client, so the upstream is cancelled and the request ends.
   */
  broke(err: unknown): void {
    rootLog.error({ err }, 'writing the response failed')
    if (this.aborted) return
    this.aborted = true
    try { if (!this.finished) this.res.close() } catch { /* the socket is gone already */ }
    this.finished = true
    try { this.listener?.aborted() } catch (e) { rootLog.error({ err: e }, 'abort handling failed') }
  }

  /**
   * Sets the response head, written with the first body bytes. `total` is the body length when
   * known (content-length kept end to end), -1 for chunked. `noBody` for HEAD, 204 and 304.
   */
  head(status: number, headers: FlatHeaders, total: number, noBody = false): void {
    this.status = status
    this.headers = headers
    this.total = total
    this.noBody = noBody
  }

  /** Queues one body chunk; false = the client is slow, wait for onDrain before writing more. */
  write(chunk: Buffer): boolean {
    if (this.aborted || this.finished) return true
    this.written += chunk.length
    this.queue.push(chunk)
    this.schedule()
    return !this.blocked
  }

  /** Ends the response once the queue is out. With a known length not reached, the connection is closed instead. */
  end(): void {
    if (this.aborted || this.finished) return
    this.ending = true
    this.schedule()
  }

  private schedule(): void {
    if (this.queued || this.blocked) return
    this.queued = true
    pending.push(this)
    if (!scheduled) {
      scheduled = true
      setImmediate(flushAll)
    }
  }

  /** Called once per turn by the shared flush. */
  flush(): void {
    this.queued = false
    if (this.aborted || this.finished) return
    const outer = corked
    corked = this
    try { this.res.cork(drainCorked) } finally { corked = outer }
  }

  /** The cork callback's work (drainCorked): not for other callers. */
  drainInCork(): void {
    this.drainQueue()
  }

  /** Writes what is queued (inside a cork or a uWS callback) until done or blocked. */
  private drainQueue(): void {
    if (!this.headSent) this.writeHead()
    while (this.queue.length > 0 && !this.blocked && !this.finished) this.writeChunk(this.queue.shift()!)
    if (this.ending && !this.blocked && !this.finished) this.finishResponse()
  }

  private writeHead(): void {
    const res = this.res
    res.writeStatus(STATUS_LINES[this.status] ?? String(this.status))
    const h = this.headers
    if (h) for (let i = 0; i < h.length; i += 2) res.writeHeader(h[i]!, h[i + 1]!)
    this.headSent = true
  }

  private writeChunk(chunk: Buffer): void {
    if (this.noBody) return
    const res = this.res
    if (this.total >= 0) {
      // a body_filter grew the body but left Content-Length: never write past the announced length
      if (this.sent + chunk.length > this.total) chunk = chunk.subarray(0, this.total - this.sent)
      this.sent += chunk.length
      const base = res.getWriteOffset()
      const [ok, done] = res.tryEnd(chunk, this.total)
      if (done) { this.finished = true; return }
      if (!ok) {
        this.tail = chunk
        this.tailBase = base
        this.blocked = true
        res.onWritable((offset) => this.guardedWritable(offset))
      }
      return
    }
    if (chunk.length === 0) return
    this.sent += chunk.length
    if (!res.write(chunk)) {
      this.blocked = true
      res.onWritable((offset) => this.guardedWritable(offset))
    }
  }

  /** uWS calls onWritable from its loop: a throw there would end the worker. */
  private guardedWritable(offset: number): boolean {
    try { return this.writable(offset) } catch (e) { this.broke(e); return true }
  }

  /** uWS onWritable: send the rest of the tail, then what queued meanwhile, then resume the upstream. */
  private writable(offset: number): boolean {
    if (this.tail !== null) {
      const [ok, done] = this.res.tryEnd(this.tail.subarray(offset - this.tailBase), this.total)
      if (done) this.finished = true
      else if (!ok) return false
      this.tail = null
    }
    this.blocked = false
    if (!this.finished) this.drainQueue()
    if (!this.blocked) this.listener?.drained()
    return true
  }

  private finishResponse(): void {
    const res = this.res
    this.finished = true
    if (this.noBody) endNoBody(res, this.total >= 0 ? this.total : undefined)
    else if (this.total <= 0) res.end()
    else res.close() // fewer bytes than announced: the client must not take it as complete
  }

  /** Head and whole body at once (exits, errors, buffered responses). */
  send(status: number, headers: FlatHeaders, body: string | Buffer | null): void {
    if (this.aborted || this.finished) return
    this.status = status
    this.headers = headers
    this.res.cork(() => {
      this.writeHead()
      this.finished = true
      const len = body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length
      this.written = len
      if (this.noBody || status === 204 || status === 304) endNoBody(this.res, status === 204 ? undefined : len)
      else this.res.end(body ?? '')
    })
  }

  /** Drops the connection (an upstream failure after the head was sent). */
  close(): void {
    if (this.aborted || this.finished) return
    this.finished = true
    this.res.close()
  }

  markNoBody(): void {
    this.noBody = true
  }
}

/**
 * Ends a response that has no body. uWS writes no Content-Length only when endWithoutBody gets no
 * argument at all: an explicit `undefined` is sent as `Content-Length: 9223372036854775808`, which
 * clients reject on a 204 or a HEAD answer.
 */
function endNoBody(res: HttpResponse, length: number | undefined): void {
  if (length === undefined) res.endWithoutBody()
  else res.endWithoutBody(length)
}
