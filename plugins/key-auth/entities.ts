// key-auth's entity (kong/plugins/key-auth/daos.lua): API keys, each on a consumer, declared under
// the consumer or at top level with `consumer: <username or id>`. Served to the plugin by
// `kong.db.keyauth_credentials.selectByKey(key)`.
import { Type } from 'typebox'
import { defineEntity, foreignKey, type EntityRow } from '../../core/plugins/contract.ts'

export const keyauthCredentials = defineEntity({
  name: 'keyauth_credentials',
  fields: {
    // Kong generates a random key when none is given; a declarative file reloaded on every worker
    // and node cannot do that (and a predictable one would be a hole), so the key is required.
    key: Type.String({ minLength: 1 }),
    consumer: foreignKey('consumers'),
    ttl: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000000 })),
  },
  unique: ['key'],
})

export type KeyAuthCredential = EntityRow<typeof keyauthCredentials>

declare module '../../core/config/types.ts' {
  interface PluginEntityTypes {
    keyauth_credentials: typeof keyauthCredentials
  }
}
