// Node settings in Kong's names (kong.conf keys, overridable by KONG_<KEY> env vars), read once
// at start. Only what Tollgate uses is here; unknown KONG_* vars are ignored as Kong ignores
// settings it does not know in a given mode.
import { availableParallelism } from 'node:os'
import { existsSync, readFileSync } from 'node:fs'
import { rootCertificates } from 'node:tls'
import { parseNodeTracing, type NodeTracing } from './runloop/instrumentations.ts'

export interface ListenAddress { host: string; port: number }

export interface Settings {
  proxyListen: ListenAddress
  adminListen: ListenAddress | null
  /** status_listen: Kong's Status API (/status, /status/ready, /metrics); null = off (the default here) */
  statusListen: ListenAddress | null
  plugins: string[]
  logLevel: string
  workers: number
  declarativeConfig: string | null
  allowSlowServer: boolean
  /** nginx_http_client_max_body_size: 0 = unlimited */
  clientMaxBodySize: number
  /** bodies up to this size are buffered before `access` so plugins can read them synchronously */
  clientBodyBufferSize: number
  /** `headers` setting: which Kong headers are added to responses */
  headers: { serverTokens: boolean; latencyTokens: boolean; requestId: boolean }
  trustedIps: string[]
  /**
   * lua_ssl_trusted_certificate, loaded: the CA certificates (PEM) every https upstream's
   * certificate is verified against (services whose tls_verify is not false, every AI provider).
   */
  trustedCa: string[]
  // ---- Admin API protection ----
  /** admin_gui_url: origins (scheme://host[:port]) whose browser pages may call the Admin API; empty = none */
  adminGuiOrigins: string[]
  /** KONG_ADMIN_TOKEN: when set, every Admin API request must send it as `Kong-Admin-Token` */
  adminToken: string | null
  /**
   * nginx_events_worker_connections ('auto' = 16384): here it bounds the WebSocket sessions a
   * worker holds at once (each holds two sockets and their frame buffers); upgrades past it get 503
   */
  workerConnections: number
  /** tracing_instrumentations and tracing_sampling_rate (core/runloop/instrumentations.ts): off and 0.01 unless set */
  tracing: NodeTracing
}

export function parseListen(value: string, what: string): ListenAddress | null {
  const first = value.split(',')[0]!.trim().split(/\s+/)[0]!
  if (first === 'off') return null
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(first)
  if (!m) throw new Error(`invalid ${what}: '${value}' (expected host:port)`)
  return { host: m[1] ?? m[2]!, port: Number(m[3]) }
}

/** Kong's size strings: 10m, 512k, 1g, or bytes. */
export function parseSize(value: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(value.trim())
  if (!m) throw new Error(`invalid size: '${value}'`)
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  return Number(m[1]) * mult
}

function parseHeaders(value: string): Settings['headers'] {
  const set = new Set(value.split(',').map((s) => s.trim().toLowerCase()))
  if (set.has('off')) return { serverTokens: false, latencyTokens: false, requestId: false }
  return {
    serverTokens: set.has('server_tokens') || set.has('server') || set.has('via'),
    latencyTokens: set.has('latency_tokens'),
    requestId: set.has('x-kong-request-id'),
  }
}

/**
 * Kong's `system` for lua_ssl_trusted_certificate: the first distro CA bundle found, in Kong's
 * order. Without one, Node's bundled Mozilla roots stand in (Kong would refuse to start).
 */
const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
]

function systemCa(): string[] {
  for (const path of SYSTEM_CA_BUNDLES) if (existsSync(path)) return [readFileSync(path, 'latin1')]
  return [...rootCertificates]
}

/**
 * lua_ssl_trusted_certificate (default `system`): comma-separated PEM files, `system` for the
 * system store. Set without `system`, only the listed files are trusted, as in Kong.
 */
export function loadTrustedCa(value: string): string[] {
  const out: string[] = []
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (entry === 'system') { out.push(...systemCa()); continue }
    let pem: string
    try { pem = readFileSync(entry, 'latin1') } catch { throw new Error(`lua_ssl_trusted_certificate: failed loading certificate from ${entry}`) }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`lua_ssl_trusted_certificate: failed loading certificate from ${entry}`)
    out.push(pem)
  }
  return out
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const workersRaw = env.KONG_NGINX_WORKER_PROCESSES ?? env.KONG_WORKERS ?? 'auto'
  const workers = workersRaw === 'auto' ? availableParallelism() : Number(workersRaw)
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`invalid nginx_worker_processes: '${workersRaw}'`)
  return {
    proxyListen: parseListen(env.KONG_PROXY_LISTEN ?? '0.0.0.0:8000', 'proxy_listen') ?? { host: '0.0.0.0', port: 8000 },
    adminListen: parseListen(env.KONG_ADMIN_LISTEN ?? '127.0.0.1:8001', 'admin_listen'),
    statusListen: parseListen(env.KONG_STATUS_LISTEN ?? 'off', 'status_listen'),
    plugins: (env.KONG_PLUGINS ?? 'bundled').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: env.KONG_LOG_LEVEL ?? 'notice',
    workers,
    declarativeConfig: env.KONG_DECLARATIVE_CONFIG ?? null,
    allowSlowServer: env.KONG_ALLOW_SLOW_SERVER === '1' || env.KONG_ALLOW_SLOW_SERVER === 'true',
    clientMaxBodySize: parseSize(env.KONG_NGINX_HTTP_CLIENT_MAX_BODY_SIZE ?? '0'),
    clientBodyBufferSize: parseSize(env.KONG_CLIENT_BODY_BUFFER_SIZE ?? '8m'),
    headers: parseHeaders(env.KONG_HEADERS ?? 'server_tokens,latency_tokens,x-kong-request-id'),
    trustedIps: (env.KONG_TRUSTED_IPS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    trustedCa: loadTrustedCa(env.KONG_LUA_SSL_TRUSTED_CERTIFICATE ?? 'system'),
    adminGuiOrigins: parseOrigins(env.KONG_ADMIN_GUI_URL ?? ''),
    adminToken: env.KONG_ADMIN_TOKEN ? env.KONG_ADMIN_TOKEN : null,
    workerConnections: parseWorkerConnections(env.KONG_NGINX_EVENTS_WORKER_CONNECTIONS ?? 'auto'),
    tracing: parseNodeTracing(env.KONG_TRACING_INSTRUMENTATIONS ?? 'off', env.KONG_TRACING_SAMPLING_RATE ?? '0.01'),
  }
}

function parseWorkerConnections(value: string): number {
  if (value === 'auto') return 16384
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`invalid nginx_events_worker_connections: '${value}'`)
  return n
}

/**
 * admin_gui_url: comma-separated URLs, reduced to their origins (a browser's `Origin` header has no
 * path). A value that is not an http(s) URL is a start-up error rather than silently allowing nothing.
 */
export function parseOrigins(value: string): string[] {
  const out: string[] = []
  for (const raw of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    let url: URL
    try { url = new URL(raw) } catch { throw new Error(`invalid admin_gui_url: '${raw}' (expected an http or https URL)`) }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`invalid admin_gui_url: '${raw}' (expected an http or https URL)`)
    out.push(url.origin)
  }
  return out
}
