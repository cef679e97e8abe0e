// Route `hosts` entries: exact (`api.example.com`), suffix wildcard (`*.example.com`) or prefix
// wildcard (`example.*`), each with an optional `:port`. Hosts compare case-insensitively
// (DNS names are); a port, when given, must equal the request's port.

/**
 * `suffix` is `*.example.com`: the host ends with `.example.com`, any number of labels before.
 * `prefix` is `example.*`: the host starts with `example.`.
 */
export type HostKind = 'exact' | 'suffix' | 'prefix'

export interface HostPattern {
  readonly kind: HostKind
  /** lowercase; for wildcards the part without `*` (`.example.com`, `example.`) */
  readonly value: string
  /** -1 = any port */
  readonly port: number
}

/** Parsed `host[:port]`; the port is -1 when absent or not a number (then it stays in the name). */
export interface HostPort {
  host: string
  port: number
}

/**
 * Split `host:port` as Kong does (a non-numeric tail is part of the name), and also read
 * `[v6]:port`, which Kong's first-colon split does not.
 */
export function splitHostPort(raw: string, out: HostPort): HostPort {
  let colon: number
  if (raw.charCodeAt(0) === 0x5b /* [ */) {
    const close = raw.indexOf(']')
    colon = close > 0 && raw.charCodeAt(close + 1) === 0x3a ? close + 1 : -1
  } else {
    colon = raw.indexOf(':')
  }
  const port = colon < 0 ? -1 : parsePort(raw, colon + 1)
  // toLowerCase returns the same string when nothing changes, so the usual lowercase host
  // costs nothing here
  out.host = (port < 0 ? raw : raw.slice(0, colon)).toLowerCase()
  out.port = port
  return out
}

function parsePort(s: string, from: number): number {
  if (from >= s.length || s.length - from > 5) return -1
  let n = 0
  for (let i = from; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}

export function compileHostPattern(entry: string): HostPattern {
  const { host, port } = splitHostPort(entry, { host: '', port: -1 })
  if (host.charCodeAt(0) === 0x2a /* * */) return { kind: 'suffix', value: host.slice(1), port }
  if (host.charCodeAt(host.length - 1) === 0x2a) return { kind: 'prefix', value: host.slice(0, -1), port }
  return { kind: 'exact', value: host, port }
}

export function matchesHost(patterns: readonly HostPattern[], host: string, port: number): boolean {
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i]!
    if (p.port >= 0 && p.port !== port) continue
    if (p.kind === 'exact' ? host === p.value : p.kind === 'suffix' ? host.endsWith(p.value) : host.startsWith(p.value)) {
      return true
    }
  }
  return false
}
