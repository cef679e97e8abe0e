// Kong's check_phase: every PDK function declares the phases it may run in as a bit mask.
import { errors } from '../../core/errors.ts'
import { Phase, phaseList, phaseName, REQUEST_PHASES } from '../../core/runloop/phases.ts'
import type { RequestContext } from '../../core/runloop/context.ts'

export function checkPhase(ctx: RequestContext, allowed: number): void {
  if ((ctx.phase & allowed) === 0) throw errors.pdkPhase(phaseName(ctx.phase), phaseList(allowed))
}

const P = Phase
/** Named masks from Kong's PDK (kong/pdk/*.lua check_phase arguments). */
export const PHASES = {
  request: REQUEST_PHASES,
  /** everything but init_worker (kong.client getters, kong.request.getPort) */
  anyButInitWorker: ~P.init_worker,
  rewriteAccess: P.rewrite | P.access | P.admin_api,
  rewriteAccessResponse: P.rewrite | P.access | P.response | P.admin_api,
  responseHeaders: P.rewrite | P.access | P.response | P.balancer | P.header_filter | P.error | P.admin_api,
  responseRead: P.response | P.header_filter | P.body_filter | P.log | P.error | P.admin_api,
  exit: P.rewrite | P.access | P.response | P.header_filter | P.error | P.admin_api,
  serviceResponse: P.response | P.header_filter | P.body_filter | P.log,
  serviceRequest: P.rewrite | P.access | P.balancer,
  access: P.access,
  accessBalancer: P.access | P.balancer,
  afterAccess: P.access | P.response | P.header_filter | P.body_filter | P.log,
  ctx: P.rewrite | P.access | P.response | P.header_filter | P.body_filter | P.log | P.ws_upstream_frame | P.ws_client_frame,
  bodyFilter: P.body_filter,
  log: P.log,
} as const
