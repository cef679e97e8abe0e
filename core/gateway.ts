// One thread's gateway: the loaded plugins and the current config state (snapshot, compiled
// router, phase plans). A new config is validated and compiled completely before it replaces the
// old one in a single assignment; requests already running keep the state they started with.
import type { Snapshot } from './config/types.ts'
import { loadConfig } from './config/load.ts'
import { compileRouter } from './router/router.ts'
import { buildPlans } from './runloop/plan.ts'
import type { ConfigState } from './runloop/pipeline.ts'
import type { Settings } from './settings.ts'
import { PluginRegistry } from './plugins/registry.ts'
import type { AnyPlugin } from './plugins/contract.ts'
import { prunePools } from './proxy/pools.ts'
import { rootLog } from './log.ts'

const EMPTY_CONFIG = '_format_version: "3.0"\n'

export class Gateway {
  readonly registry: PluginRegistry
  private current: ConfigState

  constructor(readonly settings: Settings, plugins: readonly AnyPlugin[], initialConfig: string = EMPTY_CONFIG) {
    this.registry = new PluginRegistry(plugins)
    this.current = this.compile(this.validate(initialConfig))
  }

  get state(): ConfigState {
    return this.current
  }

  /** Parses and validates; throws a GW_ERR_CONFIG error carrying Kong's code-14 body. Changes nothing. */
  validate(text: string): Snapshot {
    return loadConfig(text, { plugins: this.registry })
  }

  private compile(snapshot: Snapshot): ConfigState {
    return {
      snapshot,
      router: compileRouter(snapshot.routes, snapshot.services),
      plans: buildPlans(snapshot, this.registry.all()),
      settings: this.settings,
    }
  }

  /** Validates, compiles and swaps in a new config; the old one keeps serving if anything fails. */
  apply(text: string): Snapshot {
    const next = this.compile(this.validate(text))
    this.current = next
    prunePools(next.snapshot.services.map((s) => ({
      scheme: s.protocol === 'https' ? 'https' : 'http', host: s.host, port: s.port, connectTimeout: s.connect_timeout, tlsVerify: s.tls_verify ?? false,
    })))
    rootLog.info({ hash: next.snapshot.hash }, 'configuration loaded')
    return next.snapshot
  }
}
