// kong.plugin: the plugin instance that is running (Kong's kong.plugin).
import type { RequestContext } from '../core/runloop/context.ts'
import type { Snapshot } from '../core/config/types.ts'
import { checkPhase, PHASES } from './private/check-phase.ts'

// a plugin entity's config object is its own (validation copies it), so it names the entity;
// one map per snapshot, built on the first getId() of a request running on it
const idsByConf = new WeakMap<Snapshot, Map<unknown, string>>()

function idsOf(snapshot: Snapshot): Map<unknown, string> {
  let ids = idsByConf.get(snapshot)
  if (ids === undefined) {
    ids = new Map()
    for (const p of snapshot.plugins) ids.set(p.config, p.id)
    idsByConf.set(snapshot, ids)
  }
  return ids
}

export class PdkPlugin {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * The id of the running plugin instance: the plugin entity whose config this handler runs
   * with (Kong's kong.plugin.get_id()). null outside a plugin handler.
   * @phases rewrite, access, header_filter, response, body_filter, log
   */
  getId(): string | null {
    checkPhase(this.ctx, PHASES.ctx)
    const c = this.ctx
    if (c.currentConf === null || c.config === null) return null
    return idsOf(c.config).get(c.currentConf) ?? null
  }
}
