// Kong's traditional_compatible route priority (kong/router/transform.lua get_priority): a
// 64-bit number whose fields, from the most significant, decide which matching route wins.
// We keep the fields as a tuple and compare them in bit order. That is the same order as
// comparing the packed number for every in-range value. It also keeps a negative
// regex_priority below zero, where packing it into an unsigned field would spill into
// higher bits.

export interface RoutePriority {
  /** bits 61-63: how many of methods, hosts, headers, snis, paths are set */
  readonly weight: number
  /** bit 60: hosts are set and none has a wildcard */
  readonly plainHostOnly: boolean
  /** bits 52-59: number of header names, capped at 255 */
  readonly headerCount: number
  /** bit 51: this matcher's paths are regexes */
  readonly regexUrl: boolean
  /** bits 19-50: the route's regex_priority, counted only for regex paths */
  readonly regexPriority: number
  /** bits 0-18: byte length of this matcher's prefix paths (all the same length after the split) */
  readonly prefixLength: number
  /**
   * Not in Kong's number. Among equal priorities Kong falls back to matcher UUID order, which is
   * arbitrary. Kong's own specs still expect a host with a port to beat the same host without
   * one, so we put port-specific routes first and then keep declaration order.
   */
  readonly portSpecific: boolean
}

export interface PriorityInput {
  readonly methods: number
  readonly hosts: readonly string[]
  readonly headerNames: number
  readonly snis: number
  readonly paths: readonly string[]
  readonly regex: boolean
  readonly regexPriority: number
}

const MAX_HEADER_COUNT = 255
const MAX_LENGTH_MASK = 0x7ffff

export function routePriority(p: PriorityInput): RoutePriority {
  let weight = 0
  if (p.methods > 0) weight++
  if (p.hosts.length > 0) weight++
  if (p.headerNames > 0) weight++
  if (p.snis > 0) weight++
  if (p.paths.length > 0) weight++
  const plainHostOnly = p.hosts.length > 0 && p.hosts.every((h) => !h.includes('*'))
  const regexUrl = p.paths.length > 0 && p.regex
  // Kong measures #path in bytes and masks it to 19 bits (band, not a clamp)
  const prefixLength = !regexUrl && p.paths.length > 0 ? Buffer.byteLength(p.paths[0]!) & MAX_LENGTH_MASK : 0
  return {
    weight,
    plainHostOnly,
    headerCount: Math.min(p.headerNames, MAX_HEADER_COUNT),
    regexUrl,
    regexPriority: regexUrl ? p.regexPriority : 0,
    prefixLength,
    portSpecific: p.hosts.some(hasPort),
  }
}

function hasPort(host: string): boolean {
  const close = host.lastIndexOf(']')
  return host.indexOf(':', close + 1) >= 0
}

/** Negative when `a` must be tried before `b`; 0 when only declaration order can decide. */
export function comparePriority(a: RoutePriority, b: RoutePriority): number {
  return (
    b.weight - a.weight ||
    Number(b.plainHostOnly) - Number(a.plainHostOnly) ||
    b.headerCount - a.headerCount ||
    Number(b.regexUrl) - Number(a.regexUrl) ||
    b.regexPriority - a.regexPriority ||
    b.prefixLength - a.prefixLength ||
    Number(b.portSpecific) - Number(a.portSpecific)
  )
}

/** The packed 64-bit value as Kong computes it, for diagnostics (Admin API, debugging). */
export function kongPriority(p: RoutePriority): bigint {
  return (
    (BigInt(p.weight) << 61n) |
    (p.plainHostOnly ? 1n << 60n : 0n) |
    (BigInt(p.headerCount) << 52n) |
    (p.regexUrl ? 1n << 51n : 0n) |
    ((BigInt.asUintN(32, BigInt(p.regexPriority)) << 19n) & ((1n << 51n) - 1n)) |
    BigInt(p.prefixLength)
  )
}
