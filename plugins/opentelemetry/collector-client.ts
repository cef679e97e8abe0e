// How the exporter's batches reach the collector: one POST per batch, its answer's status or an
// error told to a callback (no promise, no AbortSignal per batch). An http:// collector is sent to
// through the gateway's own HTTP/1.1 client (core/proxy/h1-pool.ts), which costs about half of
// undici's CPU per batch (bench/micro/obs-cost-ab.ts); https://, the headers undici treats
// specially (h1-request.ts answers null for them) and TOLLGATE_UPSTREAM_CLIENT=undici go through
// an undici Pool as before. Pools are per collector origin and connect timeout, for the thread,
// apart from the upstream pools (a config reload prunes those; an exporter keeps its own).
import type { Pool } from 'undici'
import { loadUndici } from '../../core/proxy/load-undici.ts'
import { H1Pool, type H1Handler } from '../../core/proxy/h1-pool.ts'
import { h1Request } from '../../core/proxy/h1-request.ts'
import { H1_CLIENT } from '../../core/proxy/upstream-client.ts'
import type { FlatHeaders } from '../../core/runloop/context.ts'

/** err null: the collector answered `status` */
export type PostDone = (err: (Error & { code?: string }) | null, status: number) => void

export interface CollectorTimeouts {
  connectTimeout: number
  /** ms to write the batch: counted with readTimeout until the answer's head */
  sendTimeout: number
  readTimeout: number
}

export interface CollectorClient {
  post(body: Buffer, done: PostDone): void
}

const undiciPools = new Map<string, Pool>()
const h1Pools = new Map<string, H1Pool>()

/** The H1 client's flat head for posts to `url`, or null when undici must send them. */
function h1Head(url: URL, headers: Readonly<Record<string, string>>): string[] | null {
  if (url.protocol !== 'http:' || !H1_CLIENT) return null
  const flat = ['host', url.host]
  for (const k of Object.keys(headers)) flat.push(k, headers[k]!)
  // the same request every batch but for its body: checked once here (null: undici must send it)
  return h1Request('POST', `${url.pathname || '/'}${url.search}`, flat, null, 1, 1) === null ? null : flat
}

/**
 * Whether collectorClient(url, headers) takes an undici pool: the plugin's `check` then loads undici,
 * so a failed load refuses the config instead of failing at configure and on every request after.
 */
export function collectorNeedsUndici(url: URL, headers: Readonly<Record<string, string>>): boolean {
  return h1Head(url, headers) === null
}

/** A client for `url` (an http(s) URL whose credentials the caller turned into a header already). */
export function collectorClient(url: URL, headers: Readonly<Record<string, string>>, t: CollectorTimeouts): CollectorClient {
  const path = `${url.pathname || '/'}${url.search}`
  const flat = h1Head(url, headers)
  if (flat !== null) {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    const port = Number(url.port) || 80
    const key = `${host}:${port}|${t.connectTimeout}`
    let pool = h1Pools.get(key)
    if (pool === undefined || pool.closed) h1Pools.set(key, (pool = new H1Pool(host, port, { connectTimeout: t.connectTimeout, keepAliveMs: 60_000 })))
    return new H1CollectorClient(pool, path, flat, t)
  }
  const key = `${url.origin}|${t.connectTimeout}|${t.readTimeout}`
  let pool = undiciPools.get(key)
  if (pool === undefined) undiciPools.set(key, (pool = new (loadUndici().Pool)(url.origin, { connections: 2, connectTimeout: t.connectTimeout, headersTimeout: t.readTimeout, bodyTimeout: t.readTimeout })))
  return new UndiciCollectorClient(pool, path, headers, t)
}

class H1CollectorClient implements CollectorClient {
  constructor(private readonly pool: H1Pool, private readonly path: string, private readonly headers: readonly string[], private readonly t: CollectorTimeouts) {}

  post(body: Buffer, done: PostDone): void {
    const req = h1Request('POST', this.path, this.headers, body, this.t.sendTimeout + this.t.readTimeout, this.t.readTimeout)!
    this.pool.dispatch(req, new Exchange(done))
  }
}

/** One batch's exchange: the answer's body is read and dropped; `done` is called once. */
class Exchange implements H1Handler {
  private status = 0
  constructor(private done: PostDone | null) {}
  onConnect(): void {}
  onHeaders(status: number, _headers: FlatHeaders): boolean {
    this.status = status
    return true
  }
  onData(): boolean { return true }
  onComplete(): void {
    const d = this.done
    this.done = null
    d?.(null, this.status)
  }
  onError(err: Error & { code?: string }): void {
    const d = this.done
    this.done = null
    d?.(err, 0)
  }
}

class UndiciCollectorClient implements CollectorClient {
  constructor(private readonly pool: Pool, private readonly path: string, private readonly headers: Readonly<Record<string, string>>, private readonly t: CollectorTimeouts) {}

  post(body: Buffer, done: PostDone): void {
    const signal = AbortSignal.timeout(this.t.sendTimeout + this.t.readTimeout)
    this.pool.request({ method: 'POST', path: this.path, headers: this.headers, body, signal })
      .then(async (res) => {
        await res.body.dump()
        done(null, res.statusCode)
      }, (err: Error) => { done(err, 0) })
  }
}

/** Closes the collector connections (tests, shutdown). */
export async function closeCollectorPools(): Promise<void> {
  const all: Promise<void>[] = [...undiciPools.values()].map((p) => p.close())
  for (const p of h1Pools.values()) all.push(p.close())
  undiciPools.clear()
  h1Pools.clear()
  await Promise.all(all)
}
