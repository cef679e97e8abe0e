// kong.db: read-only lookups into the config snapshot the request runs on (DB-less Kong serves
// these DAOs from LMDB). Indexes are built once per snapshot, on first use, and shared by every
// request on that snapshot; a lookup is one Map.get.
import type { Consumer, KeyAuthCredential, Snapshot } from '../core/config/types.ts'
import type { RequestContext } from '../core/runloop/context.ts'

interface Index {
  consumerById: Map<string, Consumer>
  consumerByUsername: Map<string, Consumer>
  consumerByCustomId: Map<string, Consumer>
  keyauthByKey: Map<string, KeyAuthCredential>
}

const indexes = new WeakMap<Snapshot, Index>()
const EMPTY: Index = { consumerById: new Map(), consumerByUsername: new Map(), consumerByCustomId: new Map(), keyauthByKey: new Map() }

function indexOf(snapshot: Snapshot | null): Index {
  if (!snapshot) return EMPTY
  let ix = indexes.get(snapshot)
  if (ix) return ix
  ix = { consumerById: new Map(), consumerByUsername: new Map(), consumerByCustomId: new Map(), keyauthByKey: new Map() }
  for (const c of snapshot.consumers) {
    ix.consumerById.set(c.id, c)
    if (c.username !== null) ix.consumerByUsername.set(c.username, c)
    if (c.custom_id !== null) ix.consumerByCustomId.set(c.custom_id, c)
  }
  for (const k of snapshot.keyauth_credentials ?? []) ix.keyauthByKey.set(k.key, k)
  indexes.set(snapshot, ix)
  return ix
}

/** `kong.db.consumers` */
export class ConsumersDao {
  constructor(private readonly ctx: RequestContext) {}
  /** Consumer by id, or null. @phases any */
  select(id: string): Consumer | null { return indexOf(this.ctx.config).consumerById.get(id) ?? null }
  /** Consumer by username, or null. @phases any */
  selectByUsername(username: string): Consumer | null { return indexOf(this.ctx.config).consumerByUsername.get(username) ?? null }
  /** Consumer by custom_id, or null. @phases any */
  selectByCustomId(customId: string): Consumer | null { return indexOf(this.ctx.config).consumerByCustomId.get(customId) ?? null }
  /** Every consumer of the snapshot. @phases any */
  all(): readonly Consumer[] { return this.ctx.config?.consumers ?? [] }
}

/** `kong.db.keyauth_credentials` */
export class KeyAuthCredentialsDao {
  constructor(private readonly ctx: RequestContext) {}
  /** The key-auth credential with this key, or null. @phases any */
  selectByKey(key: string): KeyAuthCredential | null { return indexOf(this.ctx.config).keyauthByKey.get(key) ?? null }
}

/**
 * Read-only DAOs over the request's config snapshot. Entity names are Kong's (`consumers`,
 * `keyauth_credentials`), methods camelCase (`select_by_key` → `selectByKey`).
 * @phases any
 * @example const cred = kong.db.keyauth_credentials.selectByKey(key)
 */
export class PdkDb {
  readonly consumers: ConsumersDao
  readonly keyauth_credentials: KeyAuthCredentialsDao
  constructor(ctx: RequestContext) {
    this.consumers = new ConsumersDao(ctx)
    this.keyauth_credentials = new KeyAuthCredentialsDao(ctx)
  }
}
