// `policy: local`: the node's shared counter table (core/counter-table), so every worker thread
// of the node counts in the same counters. Unlike Kong's increment-after-access timer, the check
// and the +1 are one atomic step per period: N concurrent requests never pass a limit together.
// A refused request counts nothing (as in Kong), and the periods already counted are given back.
import { counterTable } from '../../core/counter-table/counter-table.ts'
import { pluginLog } from '../../core/log.ts'
import type { KeyParts, Plan } from './plan.ts'

const log = pluginLog('rate-limiting')
let lastFullWarning = 0

/** The counter table's key for one period of one identifier under one plugin instance. */
export const localKey = (pluginId: string, period: string, id: string): string => `rl|${pluginId}|${period}|${id}`

/**
 * Counts this request in every period; fills `usage` with each period's count before it.
 * Returns the index of the period that refused it, or -1.
 */
export function countLocal(plan: Plan, keys: KeyParts, id: string, starts: Float64Array, usage: Float64Array): number {
  const table = counterTable()
  const ps = plan.periods
  // the same strings as localKey, from the prefixes built once per plugin
  const prefix = keys.local
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!
    const r = table.addWithin(prefix[i]! + id, starts[i]!, p.size, 1, p.limit)
    if (Number.isNaN(r)) { usage[i] = 0; warnFull(); continue }
    if (r >= 0) { usage[i] = r; continue }
    usage[i] = -1 - r
    for (let j = 0; j < i; j++) table.add(prefix[j]! + id, starts[j]!, ps[j]!.size, -1)
    for (let j = i + 1; j < ps.length; j++) {
      const n = table.read(prefix[j]! + id, starts[j]!, ps[j]!.size)
      usage[j] = Number.isNaN(n) ? 0 : n
    }
    return i
  }
  return -1
}

/** A full table admits uncounted: say so, at most once a minute (a flood of identifiers repeats it). */
function warnFull(): void {
  const now = Date.now()
  if (now - lastFullWarning < 60_000) return
  lastFullWarning = now
  log.warn('the node\'s rate-limit counter table is full for a key: requests of new identifiers pass uncounted until windows expire')
}
