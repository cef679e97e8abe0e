// Consumers (kong/db/schema/entities/consumers.lua) and the credentials of Kong's basic-auth and
// acl plugins (their daos.lua), which are not bundled here but whose entities a Kong config may
// carry. Credentials are entities of their own, declared under a consumer or at top level with a
// `consumer` reference. A loaded plugin declares its own (key-auth: plugins/key-auth/entities.ts).

import { createHash } from 'node:crypto'
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { defaultsOf, orNull, type EntityDef } from './entity-def.ts'
import { extras, id, tags, timestamp } from './typedefs.ts'
import type { AclGroup, BasicAuthCredential, Consumer, ForeignRef } from './types.ts'

const base = {
  id: Type.Optional(id),
  created_at: Type.Optional(timestamp),
  tags: Type.Optional(tags),
  ...extras,
}

export const ConsumerSchema = Type.Object(
  { ...base, updated_at: Type.Optional(timestamp), username: Type.Optional(Type.String()), custom_id: Type.Optional(Type.String()) },
  { additionalProperties: false },
)

export const consumers: EntityDef<Consumer> = {
  name: 'consumers',
  singular: 'consumer',
  validator: Compile(ConsumerSchema),
  defaults: defaultsOf(ConsumerSchema),
  // and the consumer entities plugins declare (declarative.ts adds them)
  children: ['plugins', 'basicauth_credentials', 'acls'],
  foreign: {},
  requiredForeign: [],
  unique: ['username', 'custom_id'],
  check(value, _given, out, path) {
    if (!value.username && !value.custom_id) {
      out.entity(path, "at least one of these fields must be non-empty: 'custom_id', 'username'")
    }
  },
  build: (v, id) => ({ id, username: orNull(v.username), custom_id: orNull(v.custom_id), tags: orNull(v.tags) }),
}

const consumerRef = (refs: Readonly<Record<string, ForeignRef | null>>): ForeignRef => refs.consumer as ForeignRef

export const BasicAuthSchema = Type.Object(
  { ...base, username: Type.String(), password: Type.String() },
  { additionalProperties: false },
)

/**
 * basic-auth's `crypto.hash`: sha1(password .. consumer_id), hex. Applied when `_transform` is
 * true (the default), as Kong does; an exported config says `_transform: false` and carries hashes.
 */
export function hashBasicAuthPassword(consumerId: string, password: string): string {
  return createHash('sha1').update(password + consumerId).digest('hex')
}

export const basicauthCredentials: EntityDef<BasicAuthCredential> = {
  name: 'basicauth_credentials',
  singular: 'basicauth_credential',
  validator: Compile(BasicAuthSchema),
  defaults: defaultsOf(BasicAuthSchema),
  children: [],
  foreign: { consumer: 'consumers' },
  requiredForeign: ['consumer'],
  unique: ['username'],
  build: (v, id, refs) => ({
    id,
    username: v.username as string,
    password: v.password as string,
    consumer: consumerRef(refs),
    tags: orNull(v.tags),
  }),
}

export const AclSchema = Type.Object({ ...base, group: Type.String() }, { additionalProperties: false })

export const acls: EntityDef<AclGroup> = {
  name: 'acls',
  singular: 'acl',
  validator: Compile(AclSchema),
  defaults: defaultsOf(AclSchema),
  children: [],
  foreign: { consumer: 'consumers' },
  requiredForeign: ['consumer'],
  unique: [],
  cacheKey: ['consumer', 'group'],
  build: (v, id, refs) => ({ id, group: v.group as string, consumer: consumerRef(refs), tags: orNull(v.tags) }),
}
