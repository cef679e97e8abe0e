// Per-route phase plans, computed once per config load (Kong's plugins iterator). A request only
// walks arrays: for each plugin that can apply to the route, the config that wins when no
// consumer is known, plus the configs that win for each consumer that has one of its own.
import type { Entities } from '../config/types.ts'
import type { AnyPlugin } from '../plugins/contract.ts'

/** A plugin with the config it runs with. */
export interface Bound {
  readonly plugin: AnyPlugin
  readonly conf: unknown
}

export interface Step {
  readonly plugin: AnyPlugin
  /** config when the consumer is unknown or has none of its own; null = does not apply */
  readonly conf: unknown
  /** consumer id → config (Kong's 8-level precedence already applied), null when no consumer-scoped config exists */
  readonly byConsumer: ReadonlyMap<string, unknown> | null
}

/** What runs after access: the plugins collected there, per phase (null = none). */
export interface Collected {
  readonly response: Bound[] | null
  readonly header_filter: Bound[] | null
  readonly body_filter: Bound[] | null
  readonly log: Bound[] | null
  /** plugins reading a WebSocket session's upstream messages */
  readonly ws_upstream_frame: Bound[] | null
  /** plugins reading (and vetting) a WebSocket session's client messages */
  readonly ws_client_frame: Bound[] | null
  /** a plugin implements `response` or the route must buffer */
  readonly buffered: boolean
}

export interface PhasePlan {
  /** every plugin that may apply, in execution order */
  readonly steps: readonly Step[]
  /** steps that have an access handler; null when none */
  readonly access: readonly Step[] | null
  /** precomputed when no step depends on the consumer; otherwise collected per request */
  readonly collected: Collected | null
}

export interface Plans {
  byRoute: ReadonlyMap<string, PhasePlan>
  /** global plugins only: rewrite, and downstream phases when access never ran (404, early errors) */
  global: PhasePlan
  rewrite: readonly Bound[] | null
}

/** Kong's order: priority descending, ties by name (Kong: reverse alphabetical). */
export function sortPlugins(plugins: readonly AnyPlugin[]): AnyPlugin[] {
  return [...plugins].sort((a, b) => b.priority - a.priority || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))
}

const HTTP_PROTOCOLS = new Set(['http', 'https', 'grpc', 'grpcs', 'ws', 'wss'])

function key(route: string | null, service: string | null, consumer: string | null): string {
  return `${route ?? ''}:${service ?? ''}:${consumer ?? ''}`
}

export function buildPlans(entities: Entities, plugins: readonly AnyPlugin[]): Plans {
  const sorted = sortPlugins(plugins)
  // combos[name][route:service:consumer] = config, as Kong stores them
  const combos = new Map<string, Map<string, unknown>>()
  const consumersOf = new Map<string, Set<string>>()
  for (const p of entities.plugins) {
    if (!p.enabled || !p.protocols.some((x) => HTTP_PROTOCOLS.has(x))) continue
    let m = combos.get(p.name)
    if (!m) combos.set(p.name, (m = new Map()))
    m.set(key(p.route?.id ?? null, p.service?.id ?? null, p.consumer?.id ?? null), p.config)
    if (p.consumer) {
      let s = consumersOf.get(p.name)
      if (!s) consumersOf.set(p.name, (s = new Set()))
      s.add(p.consumer.id)
    }
  }

  const planFor = (routeId: string | null, serviceId: string | null): PhasePlan => {
    const steps: Step[] = []
    for (const plugin of sorted) {
      const m = combos.get(plugin.name)
      if (!m) continue
      const conf = lookup(m, routeId, serviceId, null)
      let byConsumer: Map<string, unknown> | null = null
      for (const c of consumersOf.get(plugin.name) ?? []) {
        const cc = lookup(m, routeId, serviceId, c)
        if (cc !== conf) (byConsumer ??= new Map()).set(c, cc)
      }
      if (conf !== null || byConsumer) steps.push({ plugin, conf, byConsumer })
    }
    const access = steps.filter((s) => s.plugin.access)
    const dynamic = steps.some((s) => s.byConsumer)
    return {
      steps,
      access: access.length ? access : null,
      collected: dynamic ? null : collect(steps.filter((s) => s.conf !== null).map((s) => ({ plugin: s.plugin, conf: s.conf }))),
    }
  }

  const byRoute = new Map<string, PhasePlan>()
  for (const r of entities.routes) byRoute.set(r.id, planFor(r.id, r.service?.id ?? null))
  const global = planFor(null, null)
  const rewrite = global.steps.filter((s) => s.plugin.rewrite && s.conf !== null).map((s) => ({ plugin: s.plugin, conf: s.conf }))
  return { byRoute, global, rewrite: rewrite.length ? rewrite : null }
}

/** Kong's lookup_cfg: the most specific scope wins (OSS 8 levels). */
function lookup(m: Map<string, unknown>, r: string | null, s: string | null, c: string | null): unknown {
  const candidates: [string | null, string | null, string | null][] = c
    ? [[r, s, c], [r, null, c], [null, s, c], [r, s, null], [null, null, c], [r, null, null], [null, s, null], [null, null, null]]
    : [[r, s, null], [r, null, null], [null, s, null], [null, null, null]]
  for (const [cr, cs, cc] of candidates) {
    const v = m.get(key(cr, cs, cc))
    if (v !== undefined) return v
  }
  return null
}

export function collect(bound: Bound[]): Collected {
  const pick = (phase: 'response' | 'header_filter' | 'body_filter' | 'log' | 'ws_upstream_frame' | 'ws_client_frame') => {
    const l = bound.filter((b) => b.plugin[phase])
    return l.length ? l : null
  }
  const response = pick('response')
  return { response, header_filter: pick('header_filter'), body_filter: pick('body_filter'), log: pick('log'), ws_upstream_frame: pick('ws_upstream_frame'), ws_client_frame: pick('ws_client_frame'), buffered: response !== null }
}

