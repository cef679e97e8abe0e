// ai-rate-limiting-advanced config (Kong Enterprise 3.10+ shape: `limit` and `window_size` are
// arrays paired by index). DB-less: no `cluster` strategy. Providers whose limit needs Lua
// (`requestPrompt`, `customCost`) are refused by check.ts.
import { Type, type Static } from 'typebox'
import { oneOf, record, str } from '../llm/schema-fields.ts'

export const PROVIDERS = ['openai', 'azure', 'anthropic', 'cohere', 'mistral', 'llama2', 'bedrock', 'gemini', 'huggingface', 'requestPrompt', 'customCost'] as const
export const IDENTIFIERS = ['ip', 'credential', 'consumer', 'service', 'header', 'path', 'consumer-group'] as const

const ProviderRecord = record({
  name: oneOf(PROVIDERS),
  limit: Type.Array(Type.Number()),
  window_size: Type.Array(Type.Number()),
})

// Kong's EE Redis record (sentinel and cluster modes are not offered: refused as unknown fields)
export const RedisRecord = record({
  host: str(),
  port: Type.Integer({ default: 6379, minimum: 0, maximum: 65535 }),
  connect_timeout: Type.Integer({ default: 2000, minimum: 0 }),
  send_timeout: Type.Integer({ default: 2000, minimum: 0 }),
  read_timeout: Type.Integer({ default: 2000, minimum: 0 }),
  /** deprecated (3.8): sets the three timeouts */
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
  username: str(),
  password: str(),
  database: Type.Integer({ default: 0 }),
  ssl: Type.Boolean({ default: false }),
  ssl_verify: Type.Boolean({ default: false }),
  server_name: str(),
  keepalive_pool_size: Type.Integer({ default: 256, minimum: 1 }),
  keepalive_backlog: Type.Optional(Type.Integer({ minimum: 0 })),
  connection_is_proxied: Type.Boolean({ default: false }),
}, { default: {} })

export const schema = Type.Object({
  llm_providers: Type.Array(ProviderRecord),
  identifier: oneOf(IDENTIFIERS, { default: 'consumer' }),
  header_name: str(),
  path: str(),
  window_type: oneOf(['sliding', 'fixed'] as const, { default: 'sliding' }),
  tokens_count_strategy: oneOf(['total_tokens', 'prompt_tokens', 'completion_tokens', 'cost'] as const, { default: 'total_tokens' }),
  strategy: oneOf(['local', 'redis'] as const, { default: 'local' }),
  sync_rate: Type.Optional(Type.Number()),
  dictionary_name: Type.String({ default: 'kong_rate_limiting_counters' }),
  namespace: str(),
  hide_client_headers: Type.Boolean({ default: false }),
  retry_after_jitter_max: Type.Number({ default: 0 }),
  disable_penalty: Type.Boolean({ default: false }),
  request_prompt_count_function: str(),
  custom_cost_count_function: str(),
  error_code: Type.Number({ default: 429, exclusiveMinimum: 0 }),
  error_message: Type.String({ default: 'AI token rate limit exceeded for provider(s): ' }),
  error_hide_providers: Type.Boolean({ default: false }),
  llm_format: Type.Optional(oneOf(['openai', 'bedrock', 'gemini', 'cohere', 'huggingface', 'anthropic'] as const)),
  decrease_by_fractions_in_redis: Type.Boolean({ default: false }),
  redis: RedisRecord,
}, { additionalProperties: false })

export type AiRateLimitingConf = Static<typeof schema>
