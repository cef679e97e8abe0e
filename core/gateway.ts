// One thread's gateway: the loaded plugins and the current config state (snapshot, compiled
// router, phase plans). A new config is validated and compiled completely before it replaces the
// old one in a single assignment; requests already running keep the state they started with.
import type { Snapshot } from './config/types.ts'
import { loadConfig } from './config/load.ts'
import { compileRouter } from './router/router.ts'
import { buildPlans } from './runloop/plan.ts'
import { prepareRedaction } from './runloop/redaction.ts'
import type { ConfigState } from './runloop/pipeline.ts'
import type { Settings } from './settings.ts'
import { PluginRegistry } from './plugins/registry.ts'
import type { AnyPlugin } from './plugins/contract.ts'
import { prunePools } from './proxy/pools.ts'
import { pluginLog, rootLog } from './log.ts'
import { RequestContext } from './runloop/context.ts'
import { Phase } from './runloop/phases.ts'
import { Kong } from '../pdk/index.ts'
import { timingWanted } from './runloop/tracing-hook.ts'

const EMPTY_CONFIG = '_format_version: "3.0"\n'

/** A PDK outside any request, for init_worker and configure: logging and node info work, request functions refuse. */
function workerKong(): Kong {
  const ctx = new RequestContext('GET', '/', '', {}, '', 0, 0)
  ctx.phase = Phase.init_worker
  return new Kong(ctx)
}

export class Gateway {
  readonly registry: PluginRegistry
  private current: ConfigState

  constructor(readonly settings: Settings, plugins: readonly AnyPlugin[], initialConfig: string = EMPTY_CONFIG) {
    this.registry = new PluginRegistry(plugins)
    this.current = this.compile(this.validate(initialConfig))
    for (const p of this.registry.all()) if (p.init_worker) this.callHook(p, 'init_worker', () => p.init_worker!(workerKong()))
    this.configure(this.current.snapshot)
  }

  private callHook(plugin: AnyPlugin, hook: string, fn: () => unknown): void {
    try {
      const r = fn() as Promise<unknown> | undefined
      if (r && typeof r.then === 'function') r.then(undefined, (err: unknown) => pluginLog(plugin.name).error({ err }, `${hook} failed`))
    } catch (err) {
      pluginLog(plugin.name).error({ err }, `${hook} failed`)
    }
  }

  /** Kong's `configure` phase: each plugin sees all its enabled configs (null when none) after every load. */
  private configure(snapshot: Snapshot): void {
    for (const p of this.registry.all()) {
      if (!p.configure) continue
      const confs = snapshot.plugins.filter((e) => e.name === p.name && e.enabled).map((e) => e.config)
      this.callHook(p, 'configure', () => p.configure!(workerKong(), confs.length ? confs : null))
    }
    this.current.timing = timingWanted(snapshot.plugins)
  }

  get state(): ConfigState {
    return this.current
  }

  /** Parses and validates; throws a GW_ERR_CONFIG error carrying Kong's code-14 body. Changes nothing. */
  validate(text: string): Snapshot {
    return loadConfig(text, { plugins: this.registry })
  }

  private compile(snapshot: Snapshot): ConfigState {
    // which header and query names the log record hides, for every request on this snapshot
    prepareRedaction(snapshot, (name) => this.registry.get(name))
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
    this.configure(next.snapshot)
    prunePools(next.snapshot.services.map((s) => ({
      scheme: s.protocol === 'https' ? 'https' : 'http', host: s.host, port: s.port, connectTimeout: s.connect_timeout, tlsVerify: s.tls_verify ?? true,
    })))
    rootLog.info({ hash: next.snapshot.hash }, 'configuration loaded')
    return next.snapshot
  }
}
