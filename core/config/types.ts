// The normalized entities of one declarative config snapshot, after validation, defaults,
// nesting flattened into foreign references and ids generated. Everything downstream (router,
// phase plans, Admin API) reads these; nothing mutates them (the snapshot is frozen).

import type { EntityDef } from './entity-def.ts'
import type { EntityDeclaration, EntityRow } from './plugin-entity.ts'

export interface ForeignRef {
  readonly id: string
}

export type ServiceProtocol = 'http' | 'https' | 'grpc' | 'grpcs' | 'tcp' | 'tls' | 'udp' | 'tls_passthrough' | 'ws' | 'wss'

export interface Service {
  readonly id: string
  readonly name: string | null
  readonly protocol: ServiceProtocol
  readonly host: string
  readonly port: number
  readonly path: string | null
  readonly retries: number
  readonly connect_timeout: number
  readonly write_timeout: number
  readonly read_timeout: number
  readonly enabled: boolean
  readonly tls_verify: boolean | null
  readonly tags: readonly string[] | null
}

export type RouteProtocol = 'http' | 'https' | 'grpc' | 'grpcs' | 'tcp' | 'tls' | 'udp' | 'tls_passthrough' | 'ws' | 'wss'

export interface Route {
  readonly id: string
  readonly name: string | null
  readonly service: ForeignRef | null
  readonly protocols: readonly RouteProtocol[]
  readonly methods: readonly string[] | null
  readonly hosts: readonly string[] | null
  readonly paths: readonly string[] | null
  /** header name (lowercase) → accepted values; a value starting with `~*` is a regex */
  readonly headers: Readonly<Record<string, readonly string[]>> | null
  readonly snis: readonly string[] | null
  readonly strip_path: boolean
  readonly preserve_host: boolean
  readonly path_handling: 'v0' | 'v1'
  readonly regex_priority: number
  readonly https_redirect_status_code: 426 | 301 | 302 | 307 | 308
  readonly request_buffering: boolean
  readonly response_buffering: boolean
  readonly tags: readonly string[] | null
}

export interface Consumer {
  readonly id: string
  readonly username: string | null
  readonly custom_id: string | null
  readonly tags: readonly string[] | null
}

export interface PluginEntity {
  readonly id: string
  readonly name: string
  readonly instance_name: string | null
  /** validated against the plugin's schema, defaults applied */
  readonly config: Readonly<Record<string, unknown>>
  readonly enabled: boolean
  readonly protocols: readonly string[]
  readonly route: ForeignRef | null
  readonly service: ForeignRef | null
  readonly consumer: ForeignRef | null
  readonly tags: readonly string[] | null
}

export interface BasicAuthCredential {
  readonly id: string
  readonly username: string
  readonly password: string
  readonly consumer: ForeignRef
  readonly tags: readonly string[] | null
}

export interface AclGroup {
  readonly id: string
  readonly group: string
  readonly consumer: ForeignRef
  readonly tags: readonly string[] | null
}

export interface CoreEntities {
  readonly services: readonly Service[]
  readonly routes: readonly Route[]
  readonly consumers: readonly Consumer[]
  readonly plugins: readonly PluginEntity[]
  readonly basicauth_credentials: readonly BasicAuthCredential[]
  readonly acls: readonly AclGroup[]
}

/**
 * The entity types plugins declare, by name, for typing only: a plugin that declares one adds it
 * with `declare module '.../core/config/types.ts' { interface PluginEntityTypes { name: typeof decl } }`
 * (see plugins/key-auth/entities.ts), and `snapshot.<name>` and `kong.db.<name>` are typed.
 */
export interface PluginEntityTypes {}

/** Every entity list of a snapshot: the core ones and the plugin-declared ones, by entity name. */
export type Entities = CoreEntities & {
  readonly [K in keyof PluginEntityTypes]: PluginEntityTypes[K] extends EntityDeclaration ? readonly EntityRow<PluginEntityTypes[K]>[] : never
}

export type Snapshot = Entities & SnapshotMeta

export interface SnapshotMeta {
  /** md5 of the raw input (Kong's configuration_hash) */
  readonly hash: string
  /** the input text as given, for GET /config and for handing the config to worker threads */
  readonly source: string
}

/**
 * What the config loader needs to know about plugins, without importing any: the plugin
 * registry implements it. `check` validates a plugin entity's `config` and returns it with
 * defaults applied, or the errors keyed as Kong nests them (`{ field: message }`).
 */
export interface PluginSchemaSource {
  has(name: string): boolean
  check(name: string, config: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; errors: FieldErrors }
  /** the entity types the loaded plugins declare (Kong's daos.lua), walked after the core ones */
  readonly entities?: readonly EntityDef[]
}

/** Kong's nested error shape: a message, a record of fields, or an array by index (null = valid item). */
export type FieldErrors = string | string[] | { [field: string]: FieldErrors } | (FieldErrors | null)[]
