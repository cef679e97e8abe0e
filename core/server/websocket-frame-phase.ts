// The `ws_upstream_frame` phase (Kong Enterprise's WebSocket plugin phase): each upstream message
// of a proxied WebSocket session, handed read-only to the plugins that implement the handler, in
// plan order. A handler that throws is logged and the frame still goes to the client: a session
// outlives a plugin's bug, as a streamed body outlives a body_filter's.
import type { WebSocketClientVerdict, WebSocketFrame } from '../plugins/contract.ts'
import type { RequestContext } from '../runloop/context.ts'
import type { Bound } from '../runloop/plan.ts'
import { Phase } from '../runloop/phases.ts'
import { kongFor } from '../runloop/runner.ts'
import { pluginLog } from '../log.ts'

export function runUpstreamFrame(ctx: RequestContext, list: readonly Bound[], frame: WebSocketFrame): void {
  const kong = kongFor(ctx)
  ctx.phase = Phase.ws_upstream_frame
  for (const b of list) {
    ctx.currentPlugin = b.plugin
    ctx.currentConf = b.conf
    try {
      b.plugin.ws_upstream_frame!(kong, b.conf, frame)
    } catch (err) {
      pluginLog(b.plugin.name).error({ err, phase: 'ws_upstream_frame', request_id: ctx.requestId }, `plugin '${b.plugin.name}' failed in ws_upstream_frame`)
    }
  }
  ctx.currentPlugin = null
  ctx.currentConf = null
}

/**
 * The `ws_client_frame` phase: each client message, handed to the plugins that implement the
 * handler, in plan order. The first verdict decides (a replacement or a close); a handler that
 * throws is logged and the frame goes on, as for upstream frames.
 */
export function runClientFrame(ctx: RequestContext, list: readonly Bound[], frame: WebSocketFrame): WebSocketClientVerdict {
  const kong = kongFor(ctx)
  ctx.phase = Phase.ws_client_frame
  let verdict: WebSocketClientVerdict = undefined
  for (const b of list) {
    ctx.currentPlugin = b.plugin
    ctx.currentConf = b.conf
    try {
      verdict = b.plugin.ws_client_frame!(kong, b.conf, frame)
    } catch (err) {
      pluginLog(b.plugin.name).error({ err, phase: 'ws_client_frame', request_id: ctx.requestId }, `plugin '${b.plugin.name}' failed in ws_client_frame`)
    }
    if (verdict !== undefined) break
  }
  ctx.currentPlugin = null
  ctx.currentConf = null
  return verdict
}
