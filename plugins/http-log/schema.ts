// http-log config (kong/plugins/http-log/schema.lua, Kong 3.10, with Kong's `queue` record).
import { Type, type Static } from 'typebox'

export const queueSchema = Type.Object({
  /** entries per request to the endpoint; 1 sends each record alone, more send a JSON array */
  max_batch_size: Type.Integer({ minimum: 1, maximum: 1000000, default: 1 }),
  /** seconds to wait for a batch to fill before sending what there is */
  max_coalescing_delay: Type.Number({ minimum: 0, maximum: 3600, default: 1 }),
  /** entries kept while the endpoint is slow or down; the oldest are dropped beyond this */
  max_entries: Type.Integer({ minimum: 1, maximum: 1000000, default: 10000 }),
  max_bytes: Type.Optional(Type.Integer({ minimum: 1 })),
  /** seconds a failing batch is retried before it is dropped */
  max_retry_time: Type.Number({ default: 60 }),
  initial_retry_delay: Type.Number({ minimum: 0.001, maximum: 1000000, default: 0.01 }),
  max_retry_delay: Type.Number({ minimum: 0.001, maximum: 1000000, default: 60 }),
  concurrency_limit: Type.Union([Type.Literal(-1), Type.Literal(1)], { default: 1 }),
}, { additionalProperties: false, default: {} })

export type QueueConf = Static<typeof queueSchema>

export const schema = Type.Object({
  http_endpoint: Type.String({ pattern: '^https?://', errorMessage: 'missing host in url' }),
  method: Type.Union([Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('PATCH')], { default: 'POST' }),
  content_type: Type.Union([Type.Literal('application/json'), Type.Literal('application/json; charset=utf-8')], { default: 'application/json' }),
  /** ms for connect, send and read */
  timeout: Type.Number({ default: 10000 }),
  /** ms an idle connection to the endpoint is kept */
  keepalive: Type.Number({ default: 60000 }),
  headers: Type.Optional(Type.Record(Type.String(), Type.String(), { kongType: 'map' })),
  queue: queueSchema,
}, { additionalProperties: false })

export type HttpLogConf = Static<typeof schema>
