// The plugin contract. A plugin is data plus phase methods; a phase runs for a plugin iff the
// method exists. `conf` is typed from the TypeBox schema. Only `init_worker`, `configure`,
// `rewrite`, `access`, `response` and `log` may return a promise; the filters are synchronous, as
// in Kong (nginx cannot yield there), so a streamed body is never held up by a plugin.
import type { Static, TSchema } from 'typebox'
import type { Kong } from '../../pdk/index.ts'
import type { FieldErrors } from '../config/types.ts'
import type { EntityDeclaration } from '../config/plugin-entity.ts'

export { defineEntity, foreignKey, type EntityDeclaration, type EntityRow } from '../config/plugin-entity.ts'

/** One downstream body chunk as seen by `body_filter`; replace `data` to change what is sent. */
export interface BodyChunk {
  data: Buffer
  /** true on the last call for this response (data may be empty) */
  readonly eof: boolean
}

/**
 * One WebSocket message from the upstream as `ws_upstream_frame` sees it (Kong Enterprise's
 * WebSocket phase). Read-only: the frame goes to the client as the upstream sent it.
 */
export interface WebSocketFrame {
  readonly data: Buffer
  readonly binary: boolean
}

/**
 * What a `ws_client_frame` handler may answer: nothing (the frame goes on as it came), a
 * replacement (`send`: these bytes go upstream instead, as text), or `close`: the frame is
 * dropped and both sides are closed with this code and reason (RFC 6455 §7.4).
 */
export type WebSocketClientVerdict = void | { readonly send: Buffer } | { readonly close: number; readonly reason: string }

type MaybePromise = void | Promise<void>

/**
 * Request header and query argument names that carry credentials under one config: a key the
 * client sends (key-auth's key_names) or one the plugin adds upstream (ai-proxy's auth header or
 * query parameter). Names are case-insensitive.
 */
export interface SecretNames {
  readonly headers?: readonly (string | null | undefined)[]
  readonly query?: readonly (string | null | undefined)[]
}

export interface PluginHandlers<C> {
  init_worker?(kong: Kong): MaybePromise
  /** called at each config load with every enabled config of this plugin (null if none) */
  configure?(kong: Kong, configs: readonly C[] | null): MaybePromise
  rewrite?(kong: Kong, conf: C): MaybePromise
  access?(kong: Kong, conf: C): MaybePromise
  /** implementing `response` buffers the upstream response for this request (Kong's buffered proxying) */
  response?(kong: Kong, conf: C): MaybePromise
  header_filter?(kong: Kong, conf: C): void
  body_filter?(kong: Kong, conf: C, chunk: BodyChunk): void
  log?(kong: Kong, conf: C): MaybePromise
  /**
   * A proxied WebSocket session's upstream messages, for the plugins that implement it (no
   * other plugin sees a frame); synchronous, read-only. The session's `log` runs when it closes.
   */
  ws_upstream_frame?(kong: Kong, conf: C, frame: WebSocketFrame): void
  /**
   * A proxied WebSocket session's client messages, for the plugins that implement it (no other
   * plugin sees a frame); synchronous. The first handler that answers a verdict decides.
   */
  ws_client_frame?(kong: Kong, conf: C, frame: WebSocketFrame): WebSocketClientVerdict
}

export interface PluginDefinition<S extends TSchema = TSchema> extends PluginHandlers<Static<S>> {
  name: string
  version: string
  /** higher runs first; ties run by name, as Kong sorts */
  priority: number
  /** TypeBox object schema of `config` */
  schema: S
  /**
   * Kong's entity checks: rules across fields that a schema cannot say (all-or-none, conditional
   * requirements). Runs at config load on a config that passed the schema, defaults applied.
   * Returns null when valid, else errors in Kong's nested shape; messages under '@entity' are
   * reported at the plugin entity's '@entity', field messages under `config.<field>`.
   */
  check?(conf: Static<S>): FieldErrors | null
  /**
   * The secrets this config puts in requests. Called once per config at config load; the log
   * record (kong.log.serialize, so file-log, http-log and every log plugin) shows their values as
   * "REDACTED" on every request of that config, beside the built-in list (Authorization,
   * Cookie, api-key, ...). Over-declaring only hides more.
   */
  secrets?(conf: Static<S>): SecretNames
  /**
   * The entity types this plugin owns (Kong's daos.lua), e.g. key-auth's `keyauth_credentials`.
   * While the plugin is loaded, a declarative config may carry them (nested under their consumer
   * or at top level); they are validated, given ids and checked for uniqueness like core
   * entities, and `kong.db.<name>` looks them up. Declare each with `defineEntity`.
   */
  entities?: readonly EntityDeclaration[]
}

export const PHASE_METHODS = ['init_worker', 'configure', 'rewrite', 'access', 'response', 'header_filter', 'body_filter', 'log', 'ws_upstream_frame', 'ws_client_frame'] as const

/** Identity helper so `conf` is inferred from the schema in every handler. */
export function definePlugin<S extends TSchema>(def: PluginDefinition<S>): PluginDefinition<S> {
  return def
}

export type AnyPlugin = PluginDefinition<TSchema>
