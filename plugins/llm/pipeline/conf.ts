// The configuration the stages run on: ai-proxy's `config`, and for ai-proxy-advanced one target
// merged with the plugin's top-level fields (build that merged object once per config load: the
// stages cache their compiled form per object identity).
import type { AuthConf, LlmFormat, ModelOptions, ProviderId, RouteType } from '../types.ts'

export interface LlmConf {
  route_type: RouteType
  llm_format?: LlmFormat
  response_streaming?: 'allow' | 'deny' | 'always'
  max_request_body_size?: number
  model_name_header?: boolean
  logging?: { log_statistics?: boolean; log_payloads?: boolean } | null
  auth?: AuthConf | null
  model: {
    provider: ProviderId
    name?: string | null
    model_alias?: string | null
    options?: ModelOptions | null
  }
}
