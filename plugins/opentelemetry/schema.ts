// opentelemetry config (kong/plugins/opentelemetry/schema.lua and Kong's propagation record,
// kong/observability/tracing/propagation/schema.lua). Traces only: Kong's logs_endpoint and
// queue record are not served; batch_span_count and batch_flush_delay keep Kong's old defaults.
import { Type, type Static } from 'typebox'

/** Kong's header formats: extractors (b3 reads both b3 and b3-single) and injectors. */
export const EXTRACTORS = ['w3c', 'b3', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'] as const
export const INJECTORS = ['w3c', 'b3', 'b3-single', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'] as const
export type Extractor = (typeof EXTRACTORS)[number]
export type Injector = (typeof INJECTORS)[number]

/** one of `values`, typed as their union (Type.Union over a mapped array would type as never) */
const oneOf = <T extends readonly string[]>(values: T, opts: { default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v)), opts))
/** Kong's typedefs.timeout: ms */
const timeout = (d: number) => Type.Integer({ minimum: 0, maximum: 2147483646, default: d })

const HEADER_NAME = '^[A-Za-z0-9_-]+$'

export const propagationSchema = Type.Object({
  /** formats read from the client's headers, first found wins; empty = start a new trace */
  extract: Type.Optional(Type.Array(oneOf(EXTRACTORS))),
  /** request headers removed after extraction */
  clear: Type.Optional(Type.Array(Type.String({ pattern: HEADER_NAME }))),
  /** formats written upstream; `preserve` = the format extracted, else default_format */
  inject: Type.Optional(Type.Array(oneOf(['preserve', ...INJECTORS] as const))),
  default_format: oneOf(INJECTORS),
}, { additionalProperties: false, default: { default_format: 'w3c' } })

export const schema = Type.Object({
  /** OTLP/HTTP endpoint, e.g. http://collector:4318/v1/traces */
  traces_endpoint: Type.Optional(Type.String({ pattern: '^https?://[^/?#]', errorMessage: 'missing host in url' })),
  /** added to each export request (header names checked in the plugin's check) */
  headers: Type.Optional(Type.Record(Type.String(), Type.String(), { kongType: 'map' })),
  /** added to the resource (service.name kong, service.version, service.instance.id are set unless given) */
  resource_attributes: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }), { kongType: 'map' })),
  /** spans per export request */
  batch_span_count: Type.Integer({ minimum: 1, default: 200 }),
  /** seconds a partial batch waits before it is sent */
  batch_flush_delay: Type.Integer({ minimum: 0, default: 3 }),
  connect_timeout: timeout(1000),
  send_timeout: timeout(5000),
  read_timeout: timeout(5000),
  /** a response header carrying the trace id */
  http_response_header_for_traceid: Type.Optional(Type.String({ pattern: HEADER_NAME })),
  /** deprecated in Kong for `propagation`; used when propagation sets neither extract, inject nor clear */
  header_type: oneOf(['preserve', 'ignore', 'b3', 'b3-single', 'w3c', 'jaeger', 'ot', 'aws', 'gcp', 'datadog'] as const, { default: 'preserve' }),
  /** probability of sampling a trace with no sampled flag from the client; unset = the node's tracing_sampling_rate */
  sampling_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  propagation: propagationSchema,
}, { additionalProperties: false })

export type OtelConf = Static<typeof schema>
export type PropagationConf = Static<typeof propagationSchema>
