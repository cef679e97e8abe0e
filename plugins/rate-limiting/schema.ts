// rate-limiting config (kong/plugins/rate-limiting/schema.lua, Kong 3.x, DB-less: no `cluster`
// policy), with the shared `redis` record (kong/tools/redis/schema.lua) and its deprecated flat
// `redis_*` shorthands, which Kong still accepts as input (removal announced for 4.0).
import { Type, type Static } from 'typebox'
import { oneOf, record, str } from '../llm/schema-fields.ts'
import { LIMIT_BY } from '../rate-limit-counters/identifier.ts'

const limit = () => Type.Optional(Type.Number({ exclusiveMinimum: 0 }))
const optInt = () => Type.Optional(Type.Integer())

export const RedisRecord = record({
  host: str(),
  port: Type.Integer({ default: 6379, minimum: 0, maximum: 65535 }),
  timeout: Type.Integer({ default: 2000, minimum: 0, maximum: 2147483646 }),
  username: str(),
  password: str(),
  database: Type.Integer({ default: 0 }),
  ssl: Type.Boolean({ default: false }),
  ssl_verify: Type.Boolean({ default: false }),
  server_name: str(),
}, { default: {} })

export const schema = Type.Object({
  second: limit(),
  minute: limit(),
  hour: limit(),
  day: limit(),
  month: limit(),
  year: limit(),
  limit_by: oneOf(LIMIT_BY, { default: 'consumer' }),
  header_name: str(),
  path: str(),
  policy: oneOf(['local', 'redis'] as const, { default: 'local' }),
  fault_tolerant: Type.Boolean({ default: true }),
  hide_client_headers: Type.Boolean({ default: false }),
  error_code: Type.Number({ default: 429, exclusiveMinimum: 0 }),
  error_message: Type.String({ default: 'API rate limit exceeded' }),
  sync_rate: Type.Number({ default: -1 }),
  redis: RedisRecord,
  // Kong's shorthand_fields: input only, copied into `redis` (see prepare.ts)
  redis_host: str(),
  redis_port: optInt(),
  redis_timeout: optInt(),
  redis_username: str(),
  redis_password: str(),
  redis_database: optInt(),
  redis_ssl: Type.Optional(Type.Boolean()),
  redis_ssl_verify: Type.Optional(Type.Boolean()),
  redis_server_name: str(),
}, { additionalProperties: false })

export type RateLimitingConf = Static<typeof schema>
export type RedisConf = Static<typeof RedisRecord>

export const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const
export type Period = (typeof PERIODS)[number]
