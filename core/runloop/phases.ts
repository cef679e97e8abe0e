// Phase bit flags, as Kong's pdk/private/phases.lua. A PDK function lists the phases it may be
// called in as a mask; checking is one AND per call.
export const Phase = {
  init_worker: 0x1,
  certificate: 0x2,
  rewrite: 0x10,
  access: 0x20,
  balancer: 0x40,
  response: 0x80,
  header_filter: 0x200,
  body_filter: 0x400,
  log: 0x2000,
  /** Kong Enterprise's WebSocket phase: a frame from the upstream, read-only here */
  ws_upstream_frame: 0x100000,
  /** Kong Enterprise's WebSocket phase: a frame from the client (may refuse the session or replace the frame) */
  ws_client_frame: 0x200000,
  error: 0x01000000,
  admin_api: 0x10000000,
} as const

export type PhaseName = keyof typeof Phase

/** Kong's `request` alias: every phase that runs for a request. */
export const REQUEST_PHASES =
  Phase.rewrite | Phase.access | Phase.balancer | Phase.response | Phase.header_filter | Phase.body_filter | Phase.log | Phase.ws_upstream_frame | Phase.ws_client_frame | Phase.error | Phase.admin_api

const NAMES = Object.entries(Phase) as [PhaseName, number][]

export function phaseName(bit: number): string {
  for (const [name, b] of NAMES) if (b === bit) return name
  return 'unknown'
}

/** Names in a mask, in Kong's order, for error messages. */
export function phaseList(mask: number): string {
  return NAMES.filter(([, b]) => (mask & b) !== 0).map(([n]) => n).join(', ')
}
