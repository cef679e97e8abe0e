// kong.client: who is calling.
import type { RequestContext } from '../core/runloop/context.ts'
import type { Consumer } from '../core/config/types.ts'
import { errors } from '../core/errors.ts'
import { checkPhase, PHASES } from './private/check-phase.ts'
import { dbFor } from './db.ts'

const ANY_REQUEST = PHASES.anyButInitWorker

export class PdkClient {
  constructor(private readonly ctx: RequestContext) {}

  /** IP of the peer that opened the connection. @phases all but init_worker */
  getIp(): string { checkPhase(this.ctx, ANY_REQUEST); return this.ctx.clientIp }

  /** Client IP after trusted proxies (none are trusted by default, so as getIp()). @phases all but init_worker */
  getForwardedIp(): string { checkPhase(this.ctx, ANY_REQUEST); return this.ctx.clientIp }

  /** Port of the listener (the peer's port is not exposed by uWS). @phases all but init_worker */
  getPort(): number { checkPhase(this.ctx, ANY_REQUEST); return this.ctx.serverPort }

  /** Forwarded port, as getPort(). @phases all but init_worker */
  getForwardedPort(): number { return this.getPort() }

  /**
   * The client closed its connection before the response ended (not the gateway closing it
   * because the upstream failed mid-answer).
   * @phases log
   */
  isAborted(): boolean { checkPhase(this.ctx, PHASES.log); return this.ctx.aborted && !this.ctx.upstreamBroke }

  /** `http` or `https`. @phases access, header_filter, response, body_filter, log */
  getProtocol(): string { checkPhase(this.ctx, PHASES.afterAccess); return this.ctx.scheme }

  /** The consumer set by an auth plugin, or null. @phases access, header_filter, response, body_filter, log */
  getConsumer(): Consumer | null { checkPhase(this.ctx, PHASES.afterAccess); return this.ctx.consumer }

  /** The credential set by an auth plugin, or null. @phases access, header_filter, response, body_filter, log */
  getCredential(): unknown { checkPhase(this.ctx, PHASES.afterAccess); return this.ctx.credential }

  /**
   * Looks a consumer up by id, or, when `searchByUsername` is true and no id matches, by username
   * (Kong's load_consumer, used for `anonymous` fallbacks).
   * @phases access, header_filter, response, body_filter, log
   */
  loadConsumer(idOrUsername: string, searchByUsername = false): Consumer | null {
    checkPhase(this.ctx, PHASES.afterAccess)
    const dao = dbFor(this.ctx.config).consumers
    return dao.select(idOrUsername) ?? (searchByUsername ? dao.selectByUsername(idOrUsername) : null)
  }

  /**
   * Sets the authenticated consumer and/or credential (at least one). Plugins that run after this
   * one in access resolve their consumer-scoped configs for it.
   * @phases access
   */
  authenticate(consumer: Consumer | null, credential?: unknown): void {
    checkPhase(this.ctx, PHASES.access)
    if (!consumer && !credential) throw errors.pdkArgument('either credential or consumer must be provided')
    this.ctx.consumer = consumer ?? null
    this.ctx.credential = credential ?? null
  }
}
