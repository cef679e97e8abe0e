// key-auth's lookup (kong/plugins/key-auth/handler.lua): find the key in header, query or body,
// resolve its credential and consumer from the config snapshot, and tell upstream who called.
import type { Kong } from '../../pdk/index.ts'
import type { Consumer } from '../../core/config/types.ts'
import type { KeyAuthCredential } from './entities.ts'
import type { KeyAuthConf } from './schema.ts'

/** Kong's constants.HEADERS sent upstream once a consumer is known. */
export const HEADERS = {
  consumerId: 'X-Consumer-ID',
  consumerCustomId: 'X-Consumer-Custom-ID',
  consumerUsername: 'X-Consumer-Username',
  credentialIdentifier: 'X-Credential-Identifier',
  anonymous: 'X-Anonymous-Consumer',
} as const

export interface AuthFailure { status: number; message: string; challenge?: string }

/**
 * Per-config values derived once: lowercase header names, the challenge, and `anonymous` read as
 * an own field (an inherited one, from a polluted Object.prototype, must never open the route).
 */
export interface Prepared { headerNames: string[]; challenge: string; anonymous: string | undefined }

const prepared = new WeakMap<KeyAuthConf, Prepared>()
export function prepare(conf: KeyAuthConf): Prepared {
  let p = prepared.get(conf)
  if (!p) prepared.set(conf, (p = { headerNames: conf.key_names.map((n) => n.toLowerCase()), challenge: conf.realm ? `Key realm="${conf.realm}"` : 'Key', anonymous: Object.hasOwn(conf, 'anonymous') ? conf.anonymous : undefined }))
  return p
}

export function setConsumer(kong: Kong, consumer: Consumer | null, credential: KeyAuthCredential | null): void {
  kong.client.authenticate(consumer, credential)
  const r = kong.service.request
  if (consumer?.id) r.setHeader(HEADERS.consumerId, consumer.id); else r.clearHeader(HEADERS.consumerId)
  if (consumer?.custom_id) r.setHeader(HEADERS.consumerCustomId, consumer.custom_id); else r.clearHeader(HEADERS.consumerCustomId)
  if (consumer?.username) r.setHeader(HEADERS.consumerUsername, consumer.username); else r.clearHeader(HEADERS.consumerUsername)
  if (credential?.id) r.setHeader(HEADERS.credentialIdentifier, credential.id); else r.clearHeader(HEADERS.credentialIdentifier)
  if (credential) r.clearHeader(HEADERS.anonymous); else r.setHeader(HEADERS.anonymous, 'true')
}

/** Returns null when the request is authenticated, or the failure to answer with. */
export function authenticate(kong: Kong, conf: KeyAuthConf, p: Prepared): AuthFailure | null {
  const query = conf.key_in_query ? kong.request.getQuery() : null
  let body: Record<string, unknown> | null = null
  let key: string | undefined
  for (let i = 0; i < conf.key_names.length; i++) {
    const name = conf.key_names[i]!
    let v: unknown
    if (conf.key_in_header) v = kong.request.getHeader(p.headerNames[i]!)
    if (v === undefined && query) v = query[name]
    if (v === undefined && conf.key_in_body) {
      body ??= readBody(kong)
      v = body[name]
    }
    if (Array.isArray(v)) return { status: 401, message: 'Duplicate API key found', challenge: p.challenge }
    if (typeof v !== 'string') continue
    key = v
    if (conf.hide_credentials) {
      kong.service.request.clearQueryArg(name)
      kong.service.request.clearHeader(name)
      if (conf.key_in_body && body && name in body) {
        const { [name]: _, ...rest } = body
        kong.service.request.setBody(rest)
      }
    }
    break
  }
  if (!key) {
    return { status: 401, message: 'No API key found in request', challenge: p.challenge }
  }
  const credential = kong.db.keyauth_credentials.selectByKey(key)
  if (!credential || credential.ttl === 0) {
    return { status: 401, message: 'Unauthorized', challenge: p.challenge }
  }
  setConsumer(kong, kong.client.loadConsumer(credential.consumer.id), credential)
  return null
}

function readBody(kong: Kong): Record<string, unknown> {
  const [value, err] = kong.request.getBody()
  if (err || value === null || typeof value !== 'object') {
    if (err) kong.log.info('Cannot process request body: ', err)
    return {}
  }
  return value as Record<string, unknown>
}
