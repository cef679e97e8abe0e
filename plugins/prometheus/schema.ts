// Kong's prometheus config (kong/plugins/prometheus/schema.lua): every flag defaults to false, so
// an enabled plugin with no config records only the node-wide gauges.
import { Type, type Static } from 'typebox'

export const prometheusSchema = Type.Object({
  /** fill the `consumer` label of the request, bandwidth and AI metrics */
  per_consumer: Type.Boolean({ default: false }),
  /** kong_http_requests_total */
  status_code_metrics: Type.Boolean({ default: false }),
  /** kong_kong_latency_ms, kong_upstream_latency_ms, kong_request_latency_ms */
  latency_metrics: Type.Boolean({ default: false }),
  /** kong_bandwidth_bytes */
  bandwidth_metrics: Type.Boolean({ default: false }),
  /** kong_upstream_target_health: accepted; Tollgate has no upstream health checks, so no series */
  upstream_health_metrics: Type.Boolean({ default: false }),
  /** kong_ai_llm_requests_total, kong_ai_llm_cost_total, kong_ai_llm_tokens_total, kong_ai_llm_provider_latency_ms */
  ai_metrics: Type.Boolean({ default: false }),
  /** accepted for Kong configs; Tollgate runs no Wasm filters */
  wasm_metrics: Type.Boolean({ default: false }),
}, { additionalProperties: false })

export type PrometheusConf = Static<typeof prometheusSchema>
