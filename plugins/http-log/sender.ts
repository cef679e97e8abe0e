// Sends one batch of serialized log records to the http-log endpoint with an undici pool per
// endpoint (keep-alive per `keepalive`). A status >= 400 counts as a failure, so it is retried.
// undici is loaded by the first config with an http-log plugin (its `check`), not at start.
import type { Pool } from 'undici'
import { loadUndici } from '../../core/proxy/load-undici.ts'
import type { HttpLogConf } from './schema.ts'

interface Target { pool: Pool; path: string; headers: Record<string, string>; /** the endpoint for error messages: no user info, no query */ shown: string }

/** characters of the endpoint's error body quoted in the logged error */
const ERROR_BODY_SHOWN = 256

const targets = new WeakMap<HttpLogConf, Target>()
const pools = new Map<string, Pool>()

function targetFor(conf: HttpLogConf): Target {
  let t = targets.get(conf)
  if (t) return t
  const url = new URL(conf.http_endpoint)
  const key = `${url.origin}|${conf.keepalive}|${conf.timeout}`
  let pool = pools.get(key)
  if (!pool) {
    pool = new (loadUndici().Pool)(url.origin, { connections: 4, keepAliveTimeout: conf.keepalive, connectTimeout: conf.timeout, headersTimeout: conf.timeout, bodyTimeout: conf.timeout })
    pools.set(key, pool)
  }
  const headers: Record<string, string> = { ...conf.headers, 'content-type': conf.content_type }
  if (url.username || url.password) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
  t = { pool, path: `${url.pathname || '/'}${url.search}`, headers, shown: `${url.origin}${url.pathname}` }
  targets.set(conf, t)
  return t
}

/** Kong's payload: the record itself when batches hold one entry, else a JSON array. */
export function payloadOf(conf: HttpLogConf, entries: string[]): string {
  return conf.queue.max_batch_size === 1 ? entries[0]! : `[${entries.join(',')}]`
}

export async function sendBatch(conf: HttpLogConf, entries: string[]): Promise<void> {
  const t = targetFor(conf)
  const res = await t.pool.request({ method: conf.method, path: t.path, headers: t.headers, body: payloadOf(conf, entries) })
  const text = await res.body.text()
  // the error is logged: the endpoint's credentials stay out, and so does most of an echoing body
  if (res.statusCode >= 400) throw new Error(`request to ${t.shown} returned status code ${res.statusCode} and body ${text.slice(0, ERROR_BODY_SHOWN)}`)
}

/** Closes the endpoint connections (tests, shutdown). */
export async function closeHttpLogPools(): Promise<void> {
  const all = [...pools.values()]
  pools.clear()
  await Promise.all(all.map((p) => p.close()))
}
