// Kong's ai-proxy-advanced: ai-proxy's shared LLM stages (plugins/llm) behind a load balancer
// over several targets, with failover across providers, circuit breaking, model aliases and
// semantic routing. Nothing of ai-proxy is used; the stages are the library's.
import { definePlugin } from '../../core/plugins/contract.ts'
import '../llm/bundled.ts'
import { check, schema } from './schema.ts'
import { configureRuntimes } from './runtime.ts'
import { advancedAccess, advancedBodyFilter, advancedHeaderFilter, advancedLog, advancedUpstreamFrame, advancedClientFrame } from './balance.ts'

export default definePlugin({
  name: 'ai-proxy-advanced',
  version: '3.10.0',
  priority: 770,
  /** composed from the provider registry when the plugin registry compiles (schema.ts) */
  get schema() { return schema() },
  check,
  /** every target's provider credential (header or query parameter) is hidden from log records */
  secrets: (conf) => ({ headers: conf.targets.map((t) => t.auth?.header_name), query: conf.targets.map((t) => t.auth?.param_name) }),
  /** one balancer per config, built at load (state resets when the config changes, as in Kong) */
  configure(_kong, configs) {
    configureRuntimes(configs ?? [])
  },
  access: (kong, conf) => advancedAccess(kong, conf),
  header_filter: (kong) => advancedHeaderFilter(kong),
  body_filter: (kong, _conf, chunk) => advancedBodyFilter(kong, chunk),
  log: (kong) => advancedLog(kong),
  /** a realtime session's upstream messages: read for their usage, relayed unchanged */
  ws_upstream_frame: (kong, _conf, frame) => advancedUpstreamFrame(kong, frame),
  /** a Gemini Live session's client messages: the setup's model read (and vetted), the rest relayed unchanged */
  ws_client_frame: (kong, _conf, frame) => advancedClientFrame(kong, frame),
})
