// The `model.options` fields every provider shares (sampling, costs, where the upstream is), and
// the shared field several providers read. Each provider's own fields come with its registration
// (ProviderRegistration.options); schema.ts composes them all into one options record, as Kong's
// llm schema is one record whatever the provider.
import { Type } from 'typebox'
import { num, record, str } from './schema-fields.ts'

export const CommonOptionsFields = {
  max_tokens: Type.Optional(Type.Integer()),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 5 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  top_k: Type.Optional(Type.Integer({ minimum: 0, maximum: 500 })),
  input_cost: num(),
  output_cost: num(),
  cache_read_cost: num(),
  cache_write_cost: num(),
  cache_write_cost_list: Type.Optional(Type.Array(record({ ttl: Type.String(), cost: Type.Number() }))),
  context_window_factor: Type.Optional(Type.Array(record({ above: Type.String(), input_factor: Type.Number(), output_factor: Type.Number() }))),
  service_tier_factor: Type.Optional(Type.Array(record({ tier: Type.String(), factor: Type.Number() }))),
  upstream_url: str(),
  upstream_path: str(),
  upstream_tls_verify: Type.Optional(Type.Boolean({ description: "verify the provider's TLS certificate (against lua_ssl_trusted_certificate); unset = the service's tls_verify, else verify. Not a Kong field." })),
}

/**
 * The dimensions an embeddings request asks for when the client does not say: declared by each
 * provider whose driver reads it. Providers may declare the same field only with this very
 * schema object (the registry refuses two different schemas under one name).
 */
export const embeddingsDimensions = Type.Optional(Type.Integer())
