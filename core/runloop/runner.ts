// Runs one phase's handlers in order. Synchronous unless a handler returns a thenable: only then
// does the rest of the list continue in a promise (fastify's hook runner). A handler that throws
// fails this request only: logged with the plugin name, and in a phase that can still answer,
// the client gets Kong's 500.
import type { RequestContext } from './context.ts'
import type { Bound, Collected, PhasePlan } from './plan.ts'
import { collect } from './plan.ts'
import { Phase } from './phases.ts'
import type { Kong } from '../../pdk/index.ts'
import { createPdk } from '../../pdk/index.ts'
import { pluginLog } from '../log.ts'
import { KONG_MESSAGES } from '../errors.ts'
import { renderError } from './error-body.ts'
import type { AnyPlugin } from '../plugins/contract.ts'

type AsyncPhase = 'rewrite' | 'access' | 'response' | 'log'

/** The request's one PDK object, created on first use. */
export function kongFor(ctx: RequestContext): Kong {
  return (ctx.pdk ??= createPdk(ctx)) as Kong
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function'
}

/** Logs a plugin failure; before the response exists, answers 500 for this request. */
export function pluginFailed(ctx: RequestContext, plugin: AnyPlugin, phase: string, err: unknown): void {
  pluginLog(plugin.name).error({ err, phase, request_id: ctx.requestId }, `plugin '${plugin.name}' failed in ${phase}`)
  if (phase === 'log' || phase === 'body_filter' || phase === 'header_filter') return
  const { body, contentType } = renderError(KONG_MESSAGES.unexpected, ctx.requestId, ctx.headers.accept)
  ctx.exit = { status: 500, body, headers: ['Content-Type', contentType] }
  ctx.source = 'error'
}

export function runPhase(ctx: RequestContext, list: readonly Bound[], phase: AsyncPhase, from = 0): void | Promise<void> {
  const bit = Phase[phase]
  const kong = kongFor(ctx)
  for (let i = from; i < list.length; i++) {
    if (ctx.exit && phase !== 'log') break
    const b = list[i]!
    ctx.phase = bit
    ctx.currentPlugin = b.plugin
    ctx.currentConf = b.conf
    const tr = phase === 'access' ? ctx.trace : null
    if (tr !== null) tr.enter(b.plugin.name)
    let r: unknown
    try {
      r = b.plugin[phase]!(kong, b.conf)
    } catch (e) {
      tr?.leave()
      pluginFailed(ctx, b.plugin, phase, e)
      continue
    }
    if (isThenable(r)) {
      // settled later: the request may have ended meanwhile and its record gone to another one
      return Promise.resolve(r).then(
        () => { if (ctx.trace === tr) tr?.leave(); return runPhase(ctx, list, phase, i + 1) },
        (e) => { if (ctx.trace === tr) tr?.leave(); pluginFailed(ctx, b.plugin, phase, e); return runPhase(ctx, list, phase, i + 1) },
      )
    }
    tr?.leave()
  }
  ctx.currentPlugin = null
  ctx.currentConf = null
}

/**
 * Kong's collecting access phase: in priority order, resolve each plugin's config for the
 * consumer known so far, record it for the later phases, and run its access handler unless the
 * request already exited. Static plans skip resolution entirely.
 */
export function runAccess(ctx: RequestContext, plan: PhasePlan): Collected | Promise<Collected> {
  if (plan.collected) {
    // in a static plan every step has its config (Step is a Bound)
    const r = plan.access ? runPhase(ctx, plan.access, 'access') : undefined
    return r ? r.then(() => plan.collected!) : plan.collected
  }
  const bound: Bound[] = []
  const step = (i: number): Collected | Promise<Collected> => {
    const kong = kongFor(ctx)
    for (; i < plan.steps.length; i++) {
      const s = plan.steps[i]!
      const conf = ctx.consumer && s.byConsumer?.has(ctx.consumer.id) ? s.byConsumer.get(ctx.consumer.id) : s.conf
      if (conf === null || conf === undefined) continue
      bound.push({ plugin: s.plugin, conf })
      if (!s.plugin.access || ctx.exit) continue
      ctx.phase = Phase.access
      ctx.currentPlugin = s.plugin
      ctx.currentConf = conf
      const tr = ctx.trace
      if (tr !== null) tr.enter(s.plugin.name)
      let r: unknown
      try {
        r = s.plugin.access(kong, conf)
      } catch (e) {
        tr?.leave()
        pluginFailed(ctx, s.plugin, 'access', e)
        continue
      }
      if (isThenable(r)) {
        const next = i + 1
        return Promise.resolve(r).then(
          () => { if (ctx.trace === tr) tr?.leave(); return step(next) },
          (e) => { if (ctx.trace === tr) tr?.leave(); pluginFailed(ctx, s.plugin, 'access', e); return step(next) },
        )
      }
      tr?.leave()
    }
    ctx.currentPlugin = null
    ctx.currentConf = null
    return collect(bound)
  }
  return step(0)
}

/** header_filter: synchronous by contract. */
export function runHeaderFilter(ctx: RequestContext, list: readonly Bound[]): void {
  const kong = kongFor(ctx)
  ctx.phase = Phase.header_filter
  for (const b of list) {
    ctx.currentPlugin = b.plugin
    ctx.currentConf = b.conf
    try { b.plugin.header_filter!(kong, b.conf) } catch (e) { pluginFailed(ctx, b.plugin, 'header_filter', e) }
  }
  ctx.currentPlugin = null
  ctx.currentConf = null
}

/** body_filter on one chunk; returns the bytes to send. */
export function runBodyFilter(ctx: RequestContext, list: readonly Bound[], data: Buffer, eof: boolean): Buffer {
  const kong = kongFor(ctx)
  ctx.phase = Phase.body_filter
  const chunk = { data, eof }
  for (const b of list) {
    ctx.currentPlugin = b.plugin
    ctx.currentConf = b.conf
    try { b.plugin.body_filter!(kong, b.conf, chunk) } catch (e) { pluginFailed(ctx, b.plugin, 'body_filter', e) }
  }
  ctx.currentPlugin = null
  ctx.currentConf = null
  return chunk.data
}
