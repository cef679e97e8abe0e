// ai-proxy-advanced config (Kong 3.10–3.14 AiProxyAdvanced.json; EE kong/plugins/ai-proxy-advanced/
// schema.lua): targets[] are ai-proxy targets (route_type, model, auth, logging) plus weight and
// description; the client-facing fields, the balancer, and semantic routing's embeddings and
// vectordb are top level. Tollgate extensions, marked below: `vectordb.strategy: memory` (one
// node's in-memory vectors) and `balancer.redis` (balancer state shared across workers and nodes).
import { Type, type Static } from 'typebox'
import type { FieldErrors } from '../../core/config/types.ts'
import { AuthSchema, EmbeddingsSchema, LlmFields, LoggingSchema, ROUTE_TYPES, schemaOverModel, type ModelSchemaT } from '../llm/schema.ts'
import { bool, oneOf, record, str } from '../llm/schema-fields.ts'
import { llmEntityChecks, nativeFormatChecks } from '../llm/entity-checks.ts'
import { AclsSchema, checkAcls } from './acls.ts'
import { undiciLoadError } from '../../core/proxy/load-undici.ts'

const timeout = (def: number) => Type.Integer({ default: def, minimum: 1, maximum: 2147483646 })

export const ALGORITHMS = [
  'round-robin', 'consistent-hashing', 'lowest-latency', 'lowest-usage', 'least-connections', 'priority', 'semantic',
] as const
export type Algorithm = (typeof ALGORITHMS)[number]

export const FAILOVER_CRITERIA = [
  'error', 'timeout', 'invalid_header', 'http_500', 'http_502', 'http_503', 'http_504', 'http_403', 'http_404', 'http_429',
  'non_idempotent',
] as const
export type FailoverCriterion = (typeof FAILOVER_CRITERIA)[number]

/** Kong's shared Redis record (the fields a client needs; cloud auth, sentinel and cluster are not served). */
export const RedisSchema = record({
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ default: 6379, minimum: 0, maximum: 65535 }),
  database: Type.Integer({ default: 0 }),
  username: str(),
  password: str(),
  ssl: Type.Boolean({ default: false }),
  ssl_verify: Type.Boolean({ default: true }),
  server_name: str(),
  connect_timeout: Type.Integer({ default: 2000 }),
  send_timeout: Type.Integer({ default: 2000 }),
  read_timeout: Type.Integer({ default: 2000 }),
  keepalive_pool_size: Type.Integer({ default: 256 }),
  keepalive_backlog: Type.Optional(Type.Integer()),
})

const targetRecord = (model: ModelSchemaT) => record({
  route_type: oneOf(ROUTE_TYPES),
  logging: LoggingSchema,
  auth: AuthSchema,
  model,
  weight: Type.Integer({ default: 100, minimum: 1, maximum: 65535 }),
  description: str(),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})

const BalancerSchema = record({
  algorithm: oneOf(ALGORITHMS, { default: 'round-robin' }),
  tokens_count_strategy: oneOf(['total-tokens', 'prompt-tokens', 'completion-tokens', 'cost', 'llm-accuracy'] as const, { default: 'total-tokens' }),
  latency_strategy: oneOf(['tpot', 'e2e'] as const, { default: 'tpot' }),
  hash_on_header: Type.String({ default: 'X-Kong-LLM-Request-ID' }),
  slots: Type.Integer({ default: 10000, minimum: 10, maximum: 65536 }),
  retries: Type.Integer({ default: 5, minimum: 0, maximum: 32767 }),
  connect_timeout: timeout(60000),
  write_timeout: timeout(60000),
  read_timeout: timeout(60000),
  failover_criteria: Type.Array(oneOf(FAILOVER_CRITERIA), { default: ['error', 'timeout'] }),
  max_fails: Type.Integer({ default: 0, minimum: 0, maximum: 32767 }),
  fail_timeout: timeout(10000),
  /** Tollgate extension: share latency, usage and circuit state through Redis */
  redis: Type.Optional(RedisSchema),
}, { default: {} })

export const PgvectorSchema = record({
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ default: 5432 }),
  database: Type.String({ default: 'kong-pgvector' }),
  user: Type.String({ default: 'postgres' }),
  password: str(),
  timeout: Type.Number({ default: 5000 }),
  ssl: Type.Boolean({ default: false }),
  ssl_required: Type.Boolean({ default: false }),
  ssl_verify: Type.Boolean({ default: true }),
  ssl_version: oneOf(['tlsv1_2', 'tlsv1_3', 'any'] as const, { default: 'tlsv1_2' }),
  ssl_cert: str(),
  ssl_cert_key: str(),
})

const VectordbSchema = record({
  /** `memory` is a Tollgate extension: vectors in this process only */
  strategy: oneOf(['pgvector', 'redis', 'memory'] as const),
  dimensions: Type.Integer({ minimum: 1 }),
  distance_metric: oneOf(['cosine', 'euclidean'] as const),
  threshold: Type.Optional(Type.Number()),
  pgvector: Type.Optional(PgvectorSchema),
  redis: Type.Optional(RedisSchema),
})

const build = (model: ModelSchemaT) => Type.Object({
  targets: Type.Array(targetRecord(model), { minItems: 1 }),
  balancer: BalancerSchema,
  embeddings: Type.Optional(EmbeddingsSchema),
  vectordb: Type.Optional(VectordbSchema),
  llm_format: LlmFields.llm_format,
  genai_category: oneOf(
    ['audio/speech', 'audio/transcription', 'image/generation', 'realtime/generation', 'text/embeddings', 'text/generation', 'video/generation'] as const,
    { default: 'text/generation' },
  ),
  response_streaming: LlmFields.response_streaming,
  max_request_body_size: LlmFields.max_request_body_size,
  model_name_header: LlmFields.model_name_header,
  /** Kong 3.14: which targets a request may use (acls.ts) */
  acls: AclsSchema,
}, { additionalProperties: false })

/**
 * ai-proxy-advanced's config schema, with each target's `model.options` composed from the
 * provider registry: read by the plugin registry when it compiles.
 */
export const schema: () => ReturnType<typeof build> = schemaOverModel(build)

export type TargetConf = Static<ReturnType<typeof targetRecord>>
export type RedisConf = Static<typeof RedisSchema>
export type { EmbeddingsConf } from '../llm/schema.ts'
export type VectordbConf = Static<typeof VectordbSchema>
export type BalancerConf = Static<typeof BalancerSchema>

export type AdvancedConf = Static<ReturnType<typeof build>>

export const LLM_ACCURACY_REFUSED = "'llm-accuracy' needs the answer scores of Kong's ai-llm-as-judge plugin, which this gateway does not have; use 'total-tokens', 'prompt-tokens', 'completion-tokens' or 'cost'"

/**
 * Kong's entity checks: each target's llm record checks (under `targets[i]`), then the plugin's:
 * one route type for all targets, and semantic routing's needs (EE schema.lua messages).
 */
export function check(conf: AdvancedConf): FieldErrors | null {
  const entity: string[] = []
  const targets: (FieldErrors | null)[] = []
  let bad = false
  for (const t of conf.targets) {
    const c = { ...t, llm_format: conf.llm_format }
    const own = llmEntityChecks(c)
    const native = nativeFormatChecks(c)
    own.push(...native.entity)
    if (own.length > 0) {
      bad = true
      targets.push({ ...native.fields, '@entity': own })
    } else targets.push(null)
  }
  const routeTypes = new Set(conf.targets.map((t) => t.route_type))
  if (routeTypes.size > 1) entity.push('mixing different route types are not supported')
  if (conf.balancer.algorithm === 'semantic') {
    if (conf.targets.some((t) => !t.description)) entity.push('description field is required for every target in config.targets array')
    if (!conf.embeddings) entity.push("must set 'embeddings' for semantic algorithm")
    if (!conf.vectordb) entity.push("must set 'vectordb' for semantic algorithm")
  }
  const out: Record<string, FieldErrors> = {}
  if (conf.balancer.algorithm === 'semantic' && conf.embeddings) {
    // the embeddings client (undici's request API) is loaded by the config that needs it, not at
    // start: a failure refuses this config here rather than every semantic route's request
    const loadError = undiciLoadError('package')
    if (loadError !== null) out.embeddings = loadError
  }
  const acls = checkAcls(conf.acls)
  if (acls) out.acls = acls
  // llm-accuracy ranks targets by the scores of Kong's ai-llm-as-judge plugin, which this gateway
  // does not have: refused rather than ranked silently by something else
  if (conf.balancer.algorithm === 'lowest-usage' && conf.balancer.tokens_count_strategy === 'llm-accuracy') {
    out.balancer = { tokens_count_strategy: LLM_ACCURACY_REFUSED }
  }
  if (!bad && entity.length === 0 && Object.keys(out).length === 0) return null
  if (bad) out.targets = targets
  if (entity.length > 0) out['@entity'] = entity
  return out
}
