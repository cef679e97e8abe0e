// Kong's readiness rules for a DB-less node (kong/status/ready.lua): ready when every worker has
// built its router and plugins iterator, and the loaded configuration is not empty. Here a worker
// has both once it said 'ready' (it compiled the config before listening); a worker being
// replaced after a crash is not ready until its replacement is.
import type { Snapshot } from '../config/types.ts'

export interface Readiness {
  /** serving threads the node runs (nginx_worker_processes) */
  expected: number
  /** serving threads up and listening */
  ready: number
  snapshot: Snapshot
}

/** null when ready, else Kong's reason for the 503. */
export function notReadyReason(r: Readiness): string | null {
  if (r.ready < r.expected) return `router builds not yet complete, router ready in ${r.ready} of ${r.expected} workers`
  // Kong gives an empty declarative config the empty hash (config_is_empty: no entity at all)
  const s = r.snapshot
  if (s.services.length + s.routes.length + s.consumers.length + s.plugins.length === 0) {
    return 'no configuration available (empty configuration present)'
  }
  return null
}
