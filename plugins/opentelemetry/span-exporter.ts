// OTLP/HTTP protobuf export, one exporter per plugin config and worker. The request path encodes
// its spans into the batch being filled (bytes, not objects: a queued span gives the GC nothing
// to trace or copy, which at sampling 1.0 was most of the plugin's cost); a full batch
// (batch_span_count) is sealed into one request body and waits in a bounded queue. A timer
// (batch_flush_delay) or a full batch sends them, one request at a time, with connect and
// send/read timeouts (collector-client.ts: the gateway's own HTTP/1.1 client for http://). A
// collector that is down, slow or refusing never holds a request: while a batch is in flight new
// spans queue up to MAX_QUEUED, then are dropped and counted. Failures are logged at most once a
// minute per exporter.
import { pluginLog } from '../../core/log.ts'
import { VERSION } from '../../core/version.ts'
import type { LeanSpan, Scope } from './lean-span.ts'
import { encodeHeader, encodeSpan, finishBatchView, newWriterBuffer, OtlpWriter, reusableWriterBuffer, startBatch, type OtlpHeader } from './otlp-encode.ts'
import type { OtelConf } from './schema.ts'
import { closeCollectorPools, collectorClient, collectorNeedsUndici, type CollectorClient } from './collector-client.ts'
import { undiciLoadError } from '../../core/proxy/load-undici.ts'

/** spans waiting per exporter (Kong's queue max_entries default) */
export const MAX_QUEUED = 10000
const LOG_EVERY_MS = 60_000
const SCOPE: Scope = { name: 'kong-internal', version: VERSION }

/** This worker's export counters (tests, and a metrics plugin could read them). */
export const exportStats = { exported: 0, dropped: 0 }

const log = pluginLog('opentelemetry')

export interface ExporterOptions {
  endpoint: string
  headers: Record<string, string>
  resourceAttributes: Record<string, string>
  nodeId: string
  batchSpanCount: number
  /** ms */
  flushDelay: number
  connectTimeout: number
  sendTimeout: number
  readTimeout: number
  /** spans kept while a batch is in flight; beyond, new spans are dropped */
  maxQueued?: number
}

export function exporterOptions(conf: OtelConf, nodeId: string): ExporterOptions {
  return {
    endpoint: conf.traces_endpoint!,
    headers: { ...conf.headers },
    resourceAttributes: { ...conf.resource_attributes },
    nodeId,
    batchSpanCount: conf.batch_span_count,
    flushDelay: conf.batch_flush_delay * 1000,
    connectTimeout: conf.connect_timeout,
    sendTimeout: conf.send_timeout,
    readTimeout: conf.read_timeout,
  }
}

/** A sealed batch: one request body, the writer buffer it is a view into, and the spans it holds. */
interface Batch { body: Buffer; buf: Buffer; spans: number }

/** The headers of every post to the collector: the config's, the body's type, the URL's credentials. */
function postHeaders(url: URL, confHeaders: Readonly<Record<string, string>> | null | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...confHeaders, 'content-type': 'application/x-protobuf' }
  if (url.username || url.password) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
  return headers
}

/**
 * Why an exporter for `endpoint` could not be made (undici, which its client may need, fails to
 * load), or null. For the plugin's `check`: undici is loaded when a config first needs it, and the
 * exporter is made at configure, where a failure would only be logged.
 */
export function exporterLoadError(endpoint: string, confHeaders: Readonly<Record<string, string>> | null | undefined): string | null {
  let url: URL
  try { url = new URL(endpoint) } catch { return null } // the schema refuses a bad URL
  return collectorNeedsUndici(url, postHeaders(url, confHeaders)) ? undiciLoadError('package') : null
}

/** writer buffers whose batch was sent, kept for the next batches (one in flight, one filling) */
const MAX_SPARE = 2

export class SpanExporter {
  /** sealed batches waiting to be sent, oldest first */
  private ready: Batch[] = []
  /** spans waiting: in `ready` and in the batch being filled */
  private waiting = 0
  /** spans encoded into `writer` since its batch started */
  private filling = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  private sending = false
  private lastLog = -Infinity
  /** where the span being written began (spanFailed takes it back) */
  private spanAt = 0
  /**
   * a sendNext waits for the check phase: one Immediate for all the requests logged meanwhile. The
   * exporter is usually a batch behind, so every request logged between an answer from the
   * collector and the next post found a batch ready and scheduled its own (~0.6 per request at c=50).
   */
  private immediate = false
  /** bound once: no closure per request or batch */
  private readonly sendNextCb = (): void => { this.immediate = false; this.sendNext() }
  private readonly flushCb = (): void => { this.timer = null; this.sendNext() }
  private readonly client: CollectorClient
  /** the batch in flight (its spans are counted when it is answered) */
  private inFlight: Batch | null = null
  /** writer buffers of sent batches, reused: a batch is not copied out of the writer */
  private readonly spare: Buffer[] = []
  /** bound once: no closure per batch */
  private readonly sentCb = (err: (Error & { code?: string }) | null, status: number): void => { this.sent(err, status) }
  /** the resource and scope, encoded once */
  private readonly header: OtlpHeader
  /** the batch being filled; sealing copies its bytes out, and it starts the next batch */
  private readonly writer = new OtlpWriter()
  /** shown in logs: no credentials, no query */
  private readonly shown: string

  constructor(private readonly o: ExporterOptions) {
    const url = new URL(o.endpoint)
    this.shown = `${url.origin}${url.pathname}`
    this.client = collectorClient(url, postHeaders(url, o.headers), o)
    this.header = encodeHeader({ 'service.name': 'kong', 'service.version': VERSION, 'service.instance.id': o.nodeId, ...o.resourceAttributes }, SCOPE)
    startBatch(this.writer, this.header)
  }

  /** Spans waiting (not counting a batch in flight). */
  get queued(): number { return this.waiting }

  /** Queues one request's spans (encoded now); never blocks, never throws. */
  add(spans: readonly LeanSpan[]): void {
    for (let i = 0; i < spans.length; i++) this.put(spans[i]!)
    this.schedule()
  }

  private put(span: LeanSpan): void {
    const w = this.spanWriter()
    if (w === null) return
    try {
      encodeSpan(w, span)
    } catch (e) {
      this.spanFailed(e)
      return
    }
    this.spanDone()
  }

  /**
   * The writer a span is encoded into, in place (the request path writes its spans straight from
   * its timings, no span objects in between); null when the queue is full: that span is dropped
   * and counted. Then spanDone() or, if the encoding threw, spanFailed().
   */
  spanWriter(): OtlpWriter | null {
    if (this.waiting >= (this.o.maxQueued ?? MAX_QUEUED)) {
      this.drop(1, 'queue full')
      return null
    }
    this.spanAt = this.writer.pos
    return this.writer
  }

  /** The span begun after spanWriter() is complete: counted, and a full batch is sealed. */
  spanDone(): void {
    this.waiting++
    if (++this.filling >= this.o.batchSpanCount) this.seal()
  }

  /** The span begun after spanWriter() threw half-written: its bytes are taken back, it is dropped. */
  spanFailed(err: unknown): void {
    this.writer.pos = this.spanAt
    this.drop(1, 'could not encode', err)
  }

  /** After a request's spans: a full batch or no flush delay sends now, else the flush timer runs. */
  schedule(): void {
    if (this.sending) return
    if (this.ready.length > 0 || this.o.flushDelay === 0) {
      this.clearTimer()
      this.sendSoon()
    } else if (this.timer === null && this.waiting > 0) {
      this.timer = setTimeout(this.flushCb, this.o.flushDelay)
      this.timer.unref()
    }
  }

  /** sendNext at the next check phase, unless one is already waiting for it. */
  private sendSoon(): void {
    if (this.immediate) return
    this.immediate = true
    setImmediate(this.sendNextCb)
  }

  /** The batch being filled becomes a request body in `ready`; the writer starts the next one. */
  private seal(): void {
    if (this.filling === 0) return
    const w = this.writer
    const buf = w.buf
    this.ready.push({ body: finishBatchView(w, this.header), buf, spans: this.filling })
    w.buf = this.spare.pop() ?? newWriterBuffer()
    this.filling = 0
    startBatch(w, this.header)
  }

  private clearTimer(): void {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null }
  }

  private drop(n: number, why: string, err?: unknown): void {
    exportStats.dropped += n
    const now = performance.now()
    if (now - this.lastLog < LOG_EVERY_MS) return
    this.lastLog = now
    log.warn({ err: err === undefined ? undefined : { message: (err as Error).message, code: (err as { code?: string }).code }, dropped_total: exportStats.dropped },
      `dropped ${n} spans for ${this.shown}: ${why}`)
  }

  private sendNext(): void {
    if (this.sending) return
    if (this.ready.length === 0) this.seal()
    const batch = this.ready.shift()
    if (batch === undefined) return
    this.waiting -= batch.spans
    this.sending = true
    this.inFlight = batch
    this.client.post(batch.body, this.sentCb)
  }

  private sent(err: (Error & { code?: string }) | null, status: number): void {
    const batch = this.inFlight!
    this.inFlight = null
    const spans = batch.spans
    // accepted: the collector read the body, its buffer can carry another batch (after an error
    // or a refusal a write may still hold it: left to the GC; the bytes only ever go to this
    // exporter's collector anyway)
    if (err === null && status < 300 && this.spare.length < MAX_SPARE && reusableWriterBuffer(batch.buf)) this.spare.push(batch.buf)
    if (err !== null) this.drop(spans, 'export failed', err)
    else if (status >= 300) this.drop(spans, `collector answered ${status}`)
    else exportStats.exported += spans
    this.sending = false
    if (this.ready.length > 0) this.sendSoon()
    else if (this.waiting > 0 && this.timer === null) {
      this.timer = setTimeout(this.flushCb, this.o.flushDelay)
      this.timer.unref()
    }
  }

  /** Sends what is queued now (tests, shutdown). */
  flush(): void {
    this.clearTimer()
    this.sendNext()
  }
}

/** Closes the collector connections (tests, shutdown). */
export const closeOtelPools = closeCollectorPools
