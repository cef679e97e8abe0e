// The PDK: the `kong` object every plugin handler receives. One per request, its modules created
// on first use. Synchronous throughout: an in-process PDK needs no promises, and a kong-js-pdk
// plugin's `await kong.request.getHeader(...)` still works on a plain value.
import { hostname } from 'node:os'
import type { RequestContext } from '../core/runloop/context.ts'
import type { Route, Service } from '../core/config/types.ts'
import { PdkRequest } from './request.ts'
import { PdkResponse } from './response.ts'
import { PdkService } from './service.ts'
import { PdkClient } from './client.ts'
import { PdkLog } from './log.ts'
import { checkPhase, PHASES } from './private/check-phase.ts'
import { nodeId } from '../core/node-id.ts'
import { dbFor, type PdkDb } from './db.ts'
import { PdkPlugin } from './plugin.ts'
import { cache, type PdkCache } from './cache.ts'
import { PdkTracing } from './tracing.ts'

export class PdkRouter {
  constructor(private readonly ctx: RequestContext) {}
  /** The matched route. @phases access, header_filter, response, body_filter, log */
  getRoute(): Route | null { checkPhase(this.ctx, PHASES.afterAccess); return this.ctx.route }
  /** The matched route's service. @phases access, header_filter, response, body_filter, log */
  getService(): Service | null { checkPhase(this.ctx, PHASES.afterAccess); return this.ctx.service }
}

export const node = {
  /** This node's id (stable for the process). @phases any */
  getId: (): string => nodeId,
  /** Host name of the machine. @phases any */
  getHostname: (): string => hostname(),
}

export class PdkCtx {
  constructor(private readonly c: RequestContext) {}
  /** Per-request table shared by all plugins. @phases rewrite, access, header_filter, response, body_filter, log */
  get shared(): Record<string, unknown> { checkPhase(this.c, PHASES.ctx); return this.c.shared }
  /** Per-request table private to the running plugin. @phases rewrite, access, header_filter, response, body_filter, log */
  get plugin(): Record<string, unknown> {
    checkPhase(this.c, PHASES.ctx)
    return this.c.currentPlugin ? this.c.pluginStore(this.c.currentPlugin) : this.c.shared
  }
}

/**
 * The request behind a `kong` object, for the core only (the kong-js-pdk adapter's nginx
 * variables, unit tests): not part of the PDK, which plugins go through for phase checks.
 * Set by Kong's static block, which alone can read the private field.
 */
export let contextOf: (kong: Kong) => RequestContext

export class Kong {
  /** private: a plugin reaches the request only through the PDK modules */
  readonly #ctx: RequestContext
  private _request?: PdkRequest
  private _response?: PdkResponse
  private _service?: PdkService
  private _client?: PdkClient
  private _log?: PdkLog
  private _router?: PdkRouter
  private _ctx?: PdkCtx
  private _plugin?: PdkPlugin
  private _tracing?: PdkTracing
  /** This node: id and host name. */
  readonly node = node
  /** The worker's LRU cache (shared by all plugins and requests on this thread). */
  readonly cache: PdkCache = cache

  static {
    contextOf = (kong) => kong.#ctx
  }

  constructor(ctx: RequestContext) {
    this.#ctx = ctx
  }

  /** The client's request. */
  get request(): PdkRequest { return (this._request ??= new PdkRequest(this.#ctx)) }
  /** The response to the client. */
  get response(): PdkResponse { return (this._response ??= new PdkResponse(this.#ctx)) }
  /** The upstream: target, request sent, response received. */
  get service(): PdkService { return (this._service ??= new PdkService(this.#ctx)) }
  /** The caller: IP, consumer, credential. */
  get client(): PdkClient { return (this._client ??= new PdkClient(this.#ctx)) }
  /** Namespaced logging and serialize(). */
  get log(): PdkLog { return (this._log ??= new PdkLog(this.#ctx)) }
  /** The matched route and service. */
  get router(): PdkRouter { return (this._router ??= new PdkRouter(this.#ctx)) }
  /** kong.ctx.shared and kong.ctx.plugin. */
  get ctx(): PdkCtx { return (this._ctx ??= new PdkCtx(this.#ctx)) }
  /** The running plugin instance: its id. */
  get plugin(): PdkPlugin { return (this._plugin ??= new PdkPlugin(this.#ctx)) }
  /** The runloop's timings of this request, for tracing plugins (pdk/tracing.ts). */
  get tracing(): PdkTracing { return (this._tracing ??= new PdkTracing(this.#ctx)) }
  /** Read-only lookups into the config snapshot: consumers, and the entities plugins declare. */
  get db(): PdkDb { return dbFor(this.#ctx.config) }
}

export function createPdk(ctx: RequestContext): Kong {
  return new Kong(ctx)
}
