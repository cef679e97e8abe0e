// The client side of one exchange on uWS: holds the response head until the first body bytes
// so head and body leave in one cork (one send()), uses tryEnd when the length is known and
// write() (chunked) when not, and reports backpressure so the upstream can be paused.
// Never touches `res` after an abort or after the response is complete: uWS throws then.
import type { HttpResponse } from 'uWebSockets.js'
import { STATUS_CODES } from 'node:http'
import type { FlatHeaders } from '../runloop/context.ts'

const STATUS_LINES: string[] = []
for (let code = 100; code < 600; code++) STATUS_LINES[code] = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`

export class Downstream {
  aborted = false
  /** the whole response has been handed to uWS */
  finished = false
  headSent = false
  /** bytes of body written */
  written = 0
  /** called once when the client goes away before the end */
  onAbort: (() => void) | null = null
  /** called when a write that reported backpressure has drained */
  onDrain: (() => void) | null = null

  private status = 200
  private headers: FlatHeaders | null = null
  private total = -1
  private noBody = false
  private tail: Buffer | null = null
  private tailBase = 0

  constructor(readonly res: HttpResponse) {
    res.onAborted(() => {
      this.aborted = true
      this.onAbort?.()
    })
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

  private writeHead(): void {
    const res = this.res
    res.writeStatus(STATUS_LINES[this.status] ?? String(this.status))
    const h = this.headers
    if (h) for (let i = 0; i < h.length; i += 2) res.writeHeader(h[i]!, h[i + 1]!)
    this.headSent = true
  }

  /** Writes one body chunk; false = the client is slow, wait for onDrain before writing more. */
  write(chunk: Buffer): boolean {
    if (this.aborted || this.finished) return true
    let ok = true
    this.res.cork(() => { ok = this.writeCorked(chunk) })
    return ok
  }

  private writeCorked(chunk: Buffer): boolean {
    const res = this.res
    if (!this.headSent) this.writeHead()
    if (this.noBody) return true
    if (this.total >= 0 && this.written + chunk.length > this.total) {
      // a body_filter grew the body but left Content-Length: never write past the announced length
      chunk = chunk.subarray(0, this.total - this.written)
    }
    this.written += chunk.length
    if (this.total >= 0) {
      const base = res.getWriteOffset()
      const [ok, done] = res.tryEnd(chunk, this.total)
      if (done) { this.finished = true; return true }
      if (!ok) {
        this.tail = chunk
        this.tailBase = base
        res.onWritable((offset) => this.drainTail(offset))
        return false
      }
      return true
    }
    if (chunk.length === 0) return true
    if (!res.write(chunk)) {
      res.onWritable(() => { this.onDrain?.(); return true })
      return false
    }
    return true
  }

  private drainTail(offset: number): boolean {
    const tail = this.tail!
    const [ok, done] = this.res.tryEnd(tail.subarray(offset - this.tailBase), this.total)
    if (done) this.finished = true
    if (ok || done) {
      this.tail = null
      this.onDrain?.()
    }
    return ok
  }

  /** Ends the response. With a known length that was not reached, the connection is closed instead. */
  end(): void {
    if (this.aborted || this.finished) return
    this.res.cork(() => {
      if (!this.headSent) this.writeHead()
      this.finished = true
      if (this.noBody) this.res.endWithoutBody(this.total >= 0 ? this.total : undefined)
      else if (this.total <= 0) this.res.end()
      else this.res.close() // fewer bytes than announced: the client must not take it as complete
    })
  }

  /** Head and whole body in one go (exits, errors, buffered responses). */
  send(status: number, headers: FlatHeaders, body: string | Buffer | null): void {
    if (this.aborted || this.finished) return
    this.status = status
    this.headers = headers
    this.res.cork(() => {
      this.writeHead()
      this.finished = true
      const len = body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length
      this.written = len
      if (this.noBody || status === 204 || status === 304) this.res.endWithoutBody(status === 204 ? undefined : len)
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
