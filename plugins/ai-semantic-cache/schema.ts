// ai-semantic-cache config (Kong 3.8–3.15 AiSemanticCache.json; EE kong/plugins/ai-semantic-cache/
// schema.lua): the embeddings model and the vector database (ai-proxy-advanced's records), the
// cache's TTL and key rules, and whether a store failure stops the request.
import { Type, type Static } from 'typebox'
import { EmbeddingsSchema, LlmFields } from '../llm/schema.ts'
import { oneOf, record } from '../llm/schema-fields.ts'
import { PgvectorSchema, RedisSchema } from '../ai-proxy-advanced/schema.ts'

const VectordbSchema = record({
  strategy: oneOf(['redis', 'pgvector'] as const),
  dimensions: Type.Integer({ minimum: 1 }),
  distance_metric: oneOf(['cosine', 'euclidean'] as const),
  /** the largest distance that still matches (cosine: 1 - similarity) */
  threshold: Type.Optional(Type.Number()),
  redis: Type.Optional(RedisSchema),
  pgvector: Type.Optional(PgvectorSchema),
})

export const schema = Type.Object({
  embeddings: EmbeddingsSchema,
  vectordb: VectordbSchema,
  cache_ttl: Type.Integer({ default: 300, exclusiveMinimum: 0 }),
  cache_control: Type.Boolean({ default: false }),
  exact_caching: Type.Boolean({ default: false }),
  message_countback: Type.Number({ default: 1, minimum: 1, maximum: 1000 }),
  ignore_system_prompts: Type.Boolean({ default: false }),
  ignore_assistant_prompts: Type.Boolean({ default: false }),
  ignore_tool_prompts: Type.Boolean({ default: false }),
  stop_on_failure: Type.Boolean({ default: false }),
  /** accepted as Kong's; the request is read as ai-proxy parsed it (its llm_format), as Kong's shared parse does */
  llm_format: LlmFields.llm_format,
}, { additionalProperties: false })

export type SemanticCacheConf = Static<typeof schema>
export type CacheVectordbConf = SemanticCacheConf['vectordb']
