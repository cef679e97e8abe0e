// Sending an upstream request again when a plugin asked to (kong.service.request.retryOn): Kong's
// balancer retry, where the plugin may change the request (another target, fresh credentials)
// before it goes out once more. An answer whose status a hook listed is held back: its head is
// not forwarded and its (small) body is drained so the connection is reused; a failure before
// any answer is offered to hooks that take errors. The hook runs in the balancer phase and may
// await. If it declines, or fails, the held answer (or the failure) goes to the client as if
// nothing had happened. Once anything went to the client nothing is retried. Only used when a
// plugin registered a hook, and only with a body that can be sent twice.
import type { FlatHeaders, RegisteredRetry, RequestContext, UpstreamOutcome, UpstreamRetryHook } from '../runloop/context.ts'
import { Phase } from '../runloop/phases.ts'
import { rootLog } from '../log.ts'
import type { ResponseSink } from './upstream-call.ts'

interface Held {
  status: number
  raw: FlatHeaders
  resume: () => void
  chunks: Buffer[]
  entry: RegisteredRetry
}

/** Registers (or replaces, by id) a hook; a rewinding hook remembers the request as it is now. */
export function addRetryHook(ctx: RequestContext, hook: UpstreamRetryHook): void {
  const u = ctx.upstream
  const list = (ctx.upstreamRetry ??= [])
  const at = list.findIndex((r) => r.hook.id === hook.id)
  const snapshot = hook.rewind && u
    ? { upstream: { ...u, headers: u.headers === null ? null : new Map(u.headers) }, bufferResponse: ctx.bufferResponse, hooks: list.filter((_, i) => i !== at) }
    : null
  if (at >= 0) list[at] = { hook, snapshot }
  else list.push({ hook, snapshot })
}

function take(ctx: RequestContext, pick: (h: UpstreamRetryHook) => boolean): RegisteredRetry | null {
  const list = ctx.upstreamRetry
  if (list === null) return null
  for (const r of list) if (pick(r.hook)) return r
  return null
}

function rewind(ctx: RequestContext, entry: RegisteredRetry): void {
  const s = entry.snapshot
  if (s === null || ctx.upstream === null) return
  Object.assign(ctx.upstream, s.upstream, { headers: s.upstream.headers === null ? null : new Map(s.upstream.headers) })
  ctx.bufferResponse = s.bufferResponse
  // hooks added since (another target's credential refresh) go with the request they were for
  ctx.upstreamRetry = ctx.upstreamRetry!.filter((r) => r === entry || s.hooks.includes(r))
}

/** Runs the hook; `again` when it says so, `decline` when it says no or fails. */
function ask(ctx: RequestContext, entry: RegisteredRetry, outcome: UpstreamOutcome, again: () => void, decline: () => void, bug: (e: unknown) => void): void {
  const hook = entry.hook
  if (hook.once) ctx.upstreamRetry = ctx.upstreamRetry!.filter((r) => r !== entry)
  if (ctx.aborted) return
  const failed = (err: unknown): void => {
    rootLog.warn({ err, request_id: ctx.requestId }, 'upstream retry hook failed; passing the answer through')
    decline()
  }
  const decide = (yes: boolean): void => {
    if (ctx.aborted) return
    if (yes) again()
    else decline()
  }
  ctx.phase = Phase.balancer
  let r: boolean | Promise<boolean>
  try {
    r = hook.retry(outcome, () => rewind(ctx, entry))
  } catch (e) {
    return failed(e)
  }
  if (typeof r === 'boolean') decide(r)
  else r.then(decide, failed).catch(bug) // sending the held answer on, or again, threw: this request fails alone
}

export function retrySink(ctx: RequestContext, sink: ResponseSink, again: () => void): ResponseSink {
  let held: Held | null = null
  const passThrough = (h: Held): void => {
    sink.onHead(h.status, h.raw, h.resume)
    if (h.chunks.length > 0 && !ctx.aborted) sink.onData(Buffer.concat(h.chunks))
    sink.onEnd()
  }
  return {
    onHead(status, raw, resume) {
      const entry = take(ctx, (h) => h.statuses.has(status))
      if (entry !== null) {
        held = { status, raw, resume, chunks: [], entry }
        return
      }
      sink.onHead(status, raw, resume)
    },
    onData(chunk) {
      if (held !== null) { held.chunks.push(chunk); return true }
      return sink.onData(chunk)
    },
    onEnd() {
      if (held === null) return sink.onEnd()
      const h = held
      held = null
      ask(ctx, h.entry, { status: h.status, error: null }, again, () => passThrough(h), (e) => sink.onBug(e))
    },
    onFail(err, headSent) {
      if (held !== null) { held = null; return sink.onFail(err, false) }
      const entry = headSent ? null : take(ctx, (h) => h.errors)
      if (entry === null) return sink.onFail(err, headSent)
      ask(ctx, entry, { status: 0, error: err }, again, () => sink.onFail(err, false), (e) => sink.onBug(e))
    },
    onBug(err) {
      held = null
      sink.onBug(err)
    },
  }
}

/**
 * A failure that is not an undici attempt's (a WebSocket upstream that could not be connected or
 * refused its upgrade, before anything went to the client), offered to the hooks as an HTTP
 * attempt's would be. false: no hook takes it (the caller fails as usual); true: a hook was asked
 * and will call `again` or `decline`.
 */
export function offerRetry(ctx: RequestContext, outcome: UpstreamOutcome, again: () => void, decline: () => void, bug: (e: unknown) => void): boolean {
  const entry = outcome.error === null ? take(ctx, (h) => h.statuses.has(outcome.status)) : take(ctx, (h) => h.errors)
  if (entry === null) return false
  ask(ctx, entry, outcome, again, decline, bug)
  return true
}
