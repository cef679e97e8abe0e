// One replay of an upstream request the upstream refused with 401/403, for a plugin that can fix
// it (kong.service.request.retryOnDenied): a cloud token revoked or rotated before its expiry.
// The refused answer is held back (its small body drained, so the connection is reused), the
// plugin's hook runs once in the balancer phase (it may change the request headers, and may
// await), and the request goes out again. Should the hook fail, the held answer goes to the
// client as if nothing had happened. Not used unless a plugin asked, and only with a body that
// can be sent twice.
import type { RequestContext } from '../runloop/context.ts'
import { Phase } from '../runloop/phases.ts'
import { rootLog } from '../log.ts'
import type { ResponseSink } from './upstream-call.ts'

interface Held {
  status: number
  raw: Buffer[]
  resume: () => void
  chunks: Buffer[]
}

export function deniedRetrySink(ctx: RequestContext, sink: ResponseSink, again: () => void): ResponseSink {
  let held: Held | null = null
  const passThrough = (h: Held): void => {
    sink.onHead(h.status, h.raw, h.resume)
    if (h.chunks.length > 0 && !ctx.aborted) sink.onData(Buffer.concat(h.chunks))
    sink.onEnd()
  }
  return {
    onHead(status, raw, resume) {
      if ((status === 401 || status === 403) && ctx.onUpstreamDenied !== null) {
        held = { status, raw, resume, chunks: [] }
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
      const hook = ctx.onUpstreamDenied!
      ctx.onUpstreamDenied = null
      if (ctx.aborted) return
      const failed = (err: unknown): void => {
        rootLog.warn({ err, request_id: ctx.requestId }, `retry after upstream ${h.status} not possible; passing the answer through`)
        passThrough(h)
      }
      ctx.phase = Phase.balancer
      let r: void | Promise<void>
      try {
        r = hook()
      } catch (e) {
        return failed(e)
      }
      if (r !== undefined && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(() => { if (!ctx.aborted) again() }, failed)
      else again()
    },
    onFail(err, headSent) {
      if (held !== null) { held = null; return sink.onFail(err, false) }
      sink.onFail(err, headSent)
    },
  }
}
